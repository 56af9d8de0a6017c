"""Which statements rewrite or scan a whole table: the ALTER COLUMN TYPE table and the
"slow statement" facts the locking and timeout rules share.

ALTER TABLE page, Notes: "changing the type of an existing column will normally cause the entire
table and its indexes to be rewritten. As an exception, when changing the type of an existing
column, if the USING clause does not change the column contents and the old type is either
binary coercible to the new type or an unconstrained domain over the new type, a table rewrite
is not needed." Length/precision increases are skipped by the types' planner support functions
(varchar_support, numeric_support, varbit_support, timestamp_support, interval_support).
"""

from __future__ import annotations

from schemalint.parse.names import (
    display_name,
    format_type,
    is_array,
    nodes_of,
    option_on,
    strings,
    type_mods,
    type_name,
)
from schemalint.rulekit.facts import (
    added_column_fk_validated,
    alter_commands,
    column_default,
    volatile_call,
)

# Type names as type_name() returns them (pg_catalog internal names).
_VARCHAR, _TEXT, _NUMERIC, _VARBIT = "varchar", "text", "numeric", "varbit"
_PRECISION_TYPES = ("timestamp", "timestamptz", "time", "timetz", "interval")

# (old type, new type) -> condition on the modifiers under which the table is NOT rewritten.
# "wider": the new length/precision is absent (unconstrained) or >= the old one.
# "always": any modifiers. "numeric": same scale, precision not smaller, or unconstrained.
# "utc12": timestamp <-> timestamptz, PG 12+, only when the session TimeZone is UTC.
NO_REWRITE: dict[tuple[str, str], str] = {
    (_VARCHAR, _VARCHAR): "wider",       # varchar(n) -> varchar(m >= n) or varchar
    (_VARCHAR, _TEXT): "always",         # binary coercible
    (_TEXT, _VARCHAR): "unlimited",      # text -> varchar without a length limit
    (_TEXT, _TEXT): "always",
    (_NUMERIC, _NUMERIC): "numeric",     # numeric(p,s) -> numeric(p2 >= p, s) or numeric
    (_VARBIT, _VARBIT): "wider",         # bit varying(n) -> bit varying(m >= n)
    ("cidr", "inet"): "always",          # binary coercible
    ("timestamp", "timestamptz"): "utc12",
    ("timestamptz", "timestamp"): "utc12",
    **{(t, t): "wider" for t in _PRECISION_TYPES},  # timestamp(p) -> timestamp(q >= p) etc.
}
# New types that *some* old type reaches without a rewrite: when the old type is unknown
# (a table created before the history we were given) we cannot prove a rewrite.
POSSIBLE_NO_REWRITE_TARGETS = frozenset(new for (_, new) in NO_REWRITE)


def _wider(old: tuple, new: tuple) -> bool:
    if not new:
        return True
    if not old:
        return False
    return all(isinstance(n, int) and isinstance(o, int) and n >= o for o, n in zip(old, new, strict=False))


def type_change_rewrites(old_type: str, old_mods: tuple, old_array: bool, new_type: str,
                         new_mods: tuple, new_array: bool, pg_major: int, timezone_utc: bool) -> bool:
    """True when ALTER COLUMN ... TYPE from old to new rewrites the table (no USING clause)."""
    if old_array != new_array:
        return True
    if old_array:
        # Element length coercions on arrays are applied per row; only identical types are free.
        return (old_type, old_mods) != (new_type, new_mods)
    cond = NO_REWRITE.get((old_type, new_type))
    if cond is None:
        return True
    if cond == "always":
        return False
    if cond == "wider":
        return not _wider(old_mods, new_mods)
    if cond == "unlimited":
        return bool(new_mods)
    if cond == "numeric":
        if not new_mods:
            return False
        if not old_mods:
            return True
        old_scale = old_mods[1] if len(old_mods) > 1 else 0
        new_scale = new_mods[1] if len(new_mods) > 1 else 0
        return not (old_scale == new_scale and _wider(old_mods[:1], new_mods[:1]))
    if cond == "utc12":
        # PG 12 release notes: "Allow ALTER TABLE ... SET DATA TYPE changing between timestamp
        # and timestamptz to avoid a table rewrite when the session time zone is UTC".
        return not (pg_major >= 12 and timezone_utc)
    return True


def using_keeps_contents(cmd: dict) -> bool:
    """No USING clause, or USING that is just the column (possibly cast)."""
    expr = (cmd.get("def") or {}).get("ColumnDef", {}).get("raw_default")
    if expr is None:
        return True
    while "TypeCast" in expr:
        expr = expr["TypeCast"].get("arg") or {}
    fields = strings(expr.get("ColumnRef", {}).get("fields"))
    return fields[-1:] == [cmd.get("name")]


def column_type_change(cmd: dict, table, pg_major: int, timezone_utc: bool,
                       session=None) -> tuple[bool | None, str, str]:
    """For an AT_AlterColumnType subcommand: (rewrites, old type, new type).
    rewrites is None when the old type is unknown and some old type could reach the new one
    without a rewrite. `session` tells types created in this file: a column "changed" to a type
    of its own type's name that was just created is the enum swap (`ALTER TYPE x RENAME TO
    x_old; CREATE TYPE x ...`), a real change."""
    tnode = (cmd.get("def") or {}).get("ColumnDef", {}).get("typeName") or {}
    new_type, new_mods, new_array = type_name(tnode), type_mods(tnode), is_array(tnode)
    new_shown = format_type(new_type, new_mods, new_array)
    col = table.columns.get(cmd.get("name")) if table is not None else None
    if not using_keeps_contents(cmd):
        return True, format_type(col.type, col.mods, col.array) if col else "", new_shown
    if col is None:
        return (None if new_type in POSSIBLE_NO_REWRITE_TARGETS else True), "", new_shown
    old_shown = format_type(col.type, col.mods, col.array)
    if (col.type, col.mods, col.array) == (new_type, new_mods, new_array) and not _created_type(session, new_type):
        # The same type: the values are kept as they are (no coercion, no rewrite).
        return False, old_shown, new_shown
    return (type_change_rewrites(col.type, col.mods, col.array, new_type, new_mods, new_array,
                                 pg_major, timezone_utc), old_shown, new_shown)


def _created_type(session, name: str) -> bool:
    last = name.rpartition(".")[2]
    return session is not None and any(
        k[0] == "type" and len(k) == 3 and k[2] == last for k in session.created)


def session_timezone_utc(session, options=None) -> bool:
    if options and str(options.get("session_timezone_utc", "false")).lower() in ("true", "1", "yes"):
        return True
    return (session.timezone or "").upper() in ("UTC", "ETC/UTC", "Z", "UCT", "GMT", "ZULU", "ETC/UCT")


# --- slow statements --------------------------------------------------------------------


def _added_column_rewrites(coldef: dict, pg_major: int, user_functions: dict) -> str | None:
    tname = type_name(coldef.get("typeName") or {})
    if tname in ("serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"):
        return "fills a serial column for every row (table rewrite)"
    for c in coldef.get("constraints") or ():
        con = c.get("Constraint", {})
        if con.get("contype") == "CONSTR_IDENTITY":
            return "fills an identity column for every row (table rewrite)"
        if con.get("contype") == "CONSTR_GENERATED" and con.get("generated_kind", "s") == "s":
            return "computes a stored generated column for every row (table rewrite)"
    default = column_default(coldef)
    if default is not None and (pg_major < 11 or volatile_call(default, user_functions) is not None):
        return "fills a default for every row (table rewrite)"
    return None


def _added_column_checks(coldef: dict, fk_validated: bool) -> str | None:
    """The scan or index build a new column's own constraints need (beyond a rewrite)."""
    for c in coldef.get("constraints") or ():
        ctype = c.get("Constraint", {}).get("contype")
        if ctype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
            return "builds an index for the new column's UNIQUE/PRIMARY KEY constraint"
        if ctype == "CONSTR_CHECK":
            # ALTER TABLE phase 3 checks every new constraint against every row.
            return "scans the table to check the new column's CHECK constraint"
        if ctype == "CONSTR_FOREIGN" and fk_validated:
            return "scans the table to validate the new column's foreign key"
    return None


def _query_sources(query: dict) -> list[dict]:
    """RangeVars a query reads, without the names of its own CTEs."""
    ctes = {c.get("ctename") for c in nodes_of(query, "CommonTableExpr")}
    return [rv for rv in nodes_of(query, "RangeVar")
            if rv.get("schemaname") or rv.get("relname") not in ctes]


def _query_reason(query: dict, model, what: str) -> str | None:
    """CREATE TABLE AS / SELECT INTO / CREATE MATERIALIZED VIEW run their query to fill the new
    relation: as long as a read of every pre-existing table it names."""
    for rv in _query_sources(query):
        key = model.key(rv)
        if not model.created_in_this_migration(key):
            return f"runs its query over `{display_name(key)}` to fill the new table ({what})"
    return None


def slow_reason(stmt, model, pg_major: int, timezone_utc: bool = False) -> str | None:
    """Why `stmt` reads or rewrites a whole pre-existing table (None if it does not, or if it
    only touches relations created in this migration file)."""
    node, kind = stmt.node, stmt.kind
    if kind == "CreateTableAsStmt":
        if (node.get("into") or {}).get("skipData"):
            return None  # WITH NO DATA: the query is not run
        what = ("CREATE MATERIALIZED VIEW" if node.get("objtype") == "OBJECT_MATVIEW"
                else "CREATE TABLE ... AS")
        return _query_reason(node.get("query") or {}, model, what)
    if kind == "SelectStmt" and node.get("intoClause"):
        return _query_reason(node, model, "SELECT ... INTO")
    if kind == "IndexStmt":
        key = model.key(node["relation"])
        return None if model.created_in_this_migration(key) else "builds an index"
    if kind == "VacuumStmt":
        full = node.get("is_vacuumcmd") and option_on(node.get("options"), "full")
        return "rewrites the table (VACUUM FULL)" if full else None
    if kind == "ClusterStmt":
        return "rewrites the table (CLUSTER)" if node.get("relation") else None
    if kind == "ReindexStmt":
        return "rebuilds indexes"
    if kind == "RefreshMatViewStmt":
        return "recomputes the materialized view"
    if kind in ("UpdateStmt", "DeleteStmt"):
        key = model.key(node["relation"])
        if node.get("whereClause") is None and not model.created_in_this_migration(key):
            return "touches every row"
        return None
    if kind != "AlterTableStmt" or not node.get("relation"):
        return None
    key = model.key(node["relation"])
    if model.created_in_this_migration(key):
        return None
    table = model.tables.get(key)
    for cmd in alter_commands(node):
        sub = cmd.get("subtype")
        if sub == "AT_AddColumn":
            coldef = (cmd.get("def") or {}).get("ColumnDef", {})
            why = (_added_column_rewrites(coldef, pg_major, model.function_volatility)
                   or _added_column_checks(coldef, added_column_fk_validated(node, coldef, pg_major)))
            if why:
                return why
        elif sub == "AT_AlterColumnType":
            rewrites, _, _ = column_type_change(cmd, table, pg_major, timezone_utc, model.session)
            if rewrites:
                return "rewrites the table (column type change)"
        elif sub == "AT_AddConstraint":
            con = (cmd.get("def") or {}).get("Constraint", {})
            ctype = con.get("contype")
            if ctype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION") and not con.get("indexname"):
                return "builds an index"
            if ctype in ("CONSTR_FOREIGN", "CONSTR_CHECK") and not con.get("skip_validation"):
                return "scans the table to validate the constraint"
            if ctype == "CONSTR_NOTNULL" and not con.get("skip_validation"):
                # PG 18 catalogued NOT NULL constraints: ADD CONSTRAINT ... NOT NULL col scans
                # as SET NOT NULL does (only its NOT VALID form skips the scan).
                cols = strings(con.get("keys"))
                if not (cols and all(proven_not_null(table, c, pg_major) for c in cols)):
                    return "scans the table to prove NOT NULL"
        elif sub == "AT_ValidateConstraint":
            return "scans the table to validate the constraint"
        elif sub == "AT_SetNotNull":
            if not proven_not_null(table, cmd.get("name", ""), pg_major):
                return "scans the table to prove NOT NULL"
        elif sub in ("AT_SetLogged", "AT_SetUnLogged"):
            return "rewrites the table (SET LOGGED/UNLOGGED)"
        elif sub == "AT_AttachPartition":
            return "scans the partition to check the partition constraint"
    return None


def proven_not_null(table, column: str, pg_major: int) -> bool:
    """SET NOT NULL does not scan: the column is already NOT NULL (ATExecSetNotNull does nothing
    then, on every version), or, on PG 12+, a valid CHECK (col IS NOT NULL) proves it
    (release notes 12)."""
    if table is None:
        return False
    col = table.columns.get(column)
    if col is not None and col.not_null:
        return True
    if pg_major < 12:
        return False
    return any(c.kind == "check" and c.validated and column in c.not_null_columns
               for c in table.constraints.values())
