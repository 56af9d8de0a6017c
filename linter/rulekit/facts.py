"""Facts about SQL expressions and statements that several rules need, computed one way."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from schemalint.diagnostics import Edit, Fix
from schemalint.parse.names import SERIAL_TYPES, option_on, strings, type_name
from schemalint.rulekit.builtins import BUILTIN_NON_VOLATILE

# Functions whose result can change within a statement. A volatile default on
# ADD COLUMN forces PostgreSQL to evaluate it per row and rewrite the table, on
# every version (docs: "ALTER TABLE ... ADD COLUMN", notes on defaults, PG 11+).
VOLATILE_FUNCTIONS = frozenset({
    "random", "random_normal", "gen_random_uuid", "uuidv4", "uuidv7", "uuid_generate_v1",
    "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval",
    "setval", "currval", "lastval", "txid_current", "pg_current_xact_id", "gen_random_bytes",
    "random_string", "floor_random", "ulid", "gen_ulid", "generate_ulid", "uuid_generate_v7",
})
# Known non-volatile built-ins (immutable or stable): evaluated once at ALTER time.
NON_VOLATILE_FUNCTIONS = frozenset({
    "now", "transaction_timestamp", "statement_timestamp", "current_timestamp", "current_date",
    "localtimestamp", "lower", "upper", "coalesce", "nullif", "greatest", "least", "concat",
    "to_timestamp", "to_date", "to_char", "make_interval", "jsonb_build_object",
    "json_build_object", "jsonb_build_array", "json_build_array", "array", "abs", "round",
    "length", "md5", "substr", "substring", "trim", "btrim", "timezone", "date_trunc",
    "current_setting", "current_user", "session_user", "current_schema", "array_fill",
    "uuid_nil", "uuid_ns_url", "int4", "int8", "text", "jsonb", "to_jsonb", "format",
}) | BUILTIN_NON_VOLATILE


def volatile_call(expr, user_functions: dict[str, str] | None = None) -> dict | None:
    """The first FuncCall in `expr` that is volatile, else None. `user_functions` maps
    functions created in the migrations to their declared volatility; a function we know
    nothing about counts as volatile, PostgreSQL's default for CREATE FUNCTION."""
    user_functions = user_functions or {}
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            call = node.get("FuncCall")
            if call is not None:
                name = (strings(call.get("funcname"))[-1:] or [""])[0]
                declared = user_functions.get(name)
                if declared is not None:
                    if declared == "volatile":
                        return call
                elif name in VOLATILE_FUNCTIONS or name not in NON_VOLATILE_FUNCTIONS:
                    return call
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(node)
    return None


def function_name(call: dict) -> str:
    return ".".join(strings(call.get("funcname")))


def alter_commands(node: dict) -> Iterator[dict]:
    """The AlterTableCmd dicts of an AlterTableStmt."""
    for item in node.get("cmds") or ():
        cmd = item.get("AlterTableCmd")
        if cmd is not None:
            yield cmd


def column_constraints(coldef: dict, contype: str) -> list[dict]:
    return [
        c["Constraint"] for c in coldef.get("constraints") or ()
        if c.get("Constraint", {}).get("contype") == contype
    ]


def column_default(coldef: dict) -> dict | None:
    """The column's DEFAULT expression; None without one or for `DEFAULT NULL`, which is the
    same as no default (no value is stored, no rewrite on any version)."""
    expr = coldef.get("raw_default")
    if not expr:
        for con in column_constraints(coldef, "CONSTR_DEFAULT"):
            expr = con.get("raw_expr")
            break
    return None if is_null_const(expr) else expr


def has_default_clause(coldef: dict) -> bool:
    """The column definition gives a DEFAULT (even DEFAULT NULL), or implies one (serial's
    nextval(), a generated column's expression)."""
    return bool(coldef.get("raw_default") or column_constraints(coldef, "CONSTR_DEFAULT")
                or column_constraints(coldef, "CONSTR_GENERATED")
                or type_name(coldef.get("typeName") or {}) in SERIAL_TYPES)


def added_column_fk_validated(node: dict, coldef: dict, pg_major: int) -> bool:
    """Whether ALTER TABLE ... ADD COLUMN ... REFERENCES scans the table to validate the key.
    parse_utilcmd.c, transformAlterTableStmt: the new column's foreign keys are marked valid
    without a scan ("skipValidation") unless the column has a default clause (any, even DEFAULT
    NULL: measured 4 ms without, 690 ms with on 3M rows, PG 15). Up to PG 12 the decision is
    per statement: another added column's default, or an added table FOREIGN KEY, also forces
    it; PG 13+ transforms each subcommand on its own."""
    if has_default_clause(coldef):
        return True
    if pg_major >= 13:
        return False
    for cmd in alter_commands(node):
        sub = cmd.get("subtype")
        if sub == "AT_AddColumn" and has_default_clause((cmd.get("def") or {}).get("ColumnDef", {})):
            return True
        if sub == "AT_AddConstraint" and (cmd.get("def") or {}).get("Constraint", {}).get("contype") == "CONSTR_FOREIGN":
            return True
    return False


def is_null_const(expr: dict | None) -> bool:
    """`NULL`, or a cast of it (`NULL::text`)."""
    while expr and "TypeCast" in expr:
        expr = expr["TypeCast"].get("arg")
    return bool(expr) and bool(expr.get("A_Const", {}).get("isnull"))


def is_table_alter(node: dict) -> bool:
    return node.get("objtype", "OBJECT_TABLE") == "OBJECT_TABLE"


# --- column types on the final model (types rules) -----------------------------------

def written_columns(model, types: Iterable[str] | None = None) -> list[tuple]:
    """(table, column) for every column of a permanent table whose type the history wrote
    (CREATE TABLE, ADD COLUMN or ALTER COLUMN TYPE), so a finding has a place to point at.
    Columns copied from a parent or a LIKE source have no site of their own and are skipped.
    `types`: only the columns of these types (`Column.type`), in the same order.

    Computed once per state of the model and shared by the types rules: each of them walking
    every column of a long history was most of the schema rules' time."""
    index = _written_index(model)
    if types is None:
        return index[None]
    if isinstance(types, str):
        types = (types,)
    positions = [i for t in types for i in index.get(t, ())]
    if len(types) > 1:
        positions.sort()
    every = index[None]
    return [every[i] for i in positions]


def _written_index(model) -> dict:
    cached = model._written  # (model.folds when built, the index): see Model.__init__
    if cached is not None and cached[0] == model.folds:
        return cached[1]
    every: list[tuple] = []
    index: dict = {None: every}
    for table in model.tables.values():
        if table.kind not in ("table", "foreign table") or table.persistence == "t":
            continue
        for col in table.columns.values():
            if col.type_site is not None:
                index.setdefault(col.type, []).append(len(every))
                every.append((table, col))
    model._written = (model.folds, index)
    return index


def site_text(site) -> str:
    return site.migration.text[site.start:site.end]


def replace_type_fix(site, pattern: re.Pattern, replacement: str, description: str, safe: bool):
    """A Fix replacing the part of the type text at `site` matched by `pattern` (anchored at
    its start) with `replacement`, in the case the user wrote (upper if their type was)."""
    text = site_text(site)
    m = pattern.match(text)
    if m is None:
        return None
    # Match.expand parses its template on every call (Python 3.11 keeps no cache of it), and
    # this runs once per finding of the types rules. Without a backslash, a replacement is
    # literal.
    new = m.expand(replacement) if "\\" in replacement else replacement
    letters = [c for c in m.group(0) if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        new = new.upper()
    return Fix(description, (Edit(site.start + m.start(), site.start + m.end(), new),), safe=safe)


def concurrent_statement(stmt) -> str | None:
    """The command's name when `stmt` is one of the CONCURRENTLY forms PostgreSQL refuses in a
    transaction block (PreventInTransactionBlock): CREATE/DROP INDEX, REINDEX and ALTER TABLE
    ... DETACH PARTITION ... CONCURRENTLY; else None."""
    node, kind = stmt.node, stmt.kind
    if kind == "IndexStmt":
        return "CREATE INDEX CONCURRENTLY" if node.get("concurrent") else None
    if kind == "DropStmt":
        return ("DROP INDEX CONCURRENTLY" if node.get("removeType") == "OBJECT_INDEX" and node.get("concurrent")
                else None)
    if kind == "ReindexStmt":
        return "REINDEX CONCURRENTLY" if option_on(node.get("params"), "concurrently") else None
    if kind == "AlterTableStmt":
        for cmd in alter_commands(node):
            if cmd.get("subtype") == "AT_DetachPartition" and (cmd.get("def") or {}).get(
                    "PartitionCmd", {}).get("concurrent"):
                return "DETACH PARTITION CONCURRENTLY"
    return None


def key_columns(table) -> dict[str, str]:
    """Column name -> 'primary key' / 'foreign key' for the table's key columns."""
    out: dict[str, str] = {}
    for con in table.constraints.values():
        if con.kind == "foreign":
            for c in con.columns:
                out.setdefault(c, "foreign key")
        elif con.kind == "primary":
            for c in con.columns:
                out[c] = "primary key"
    return out


def id_policy(ctx) -> str:
    """The configured `id_policy` (an option of sequential-primary-key, the one place it is
    set): "uuid" (default: sequential keys are flagged, a uuid recommended) or "identity"
    (sequential keys are fine, in the identity form). The rules whose advice touches keys
    (serial-column, integer-key-column) read it too, so they never contradict it."""
    return str(ctx.config.options.get("sequential-primary-key", {}).get("id_policy", "uuid"))
