"""The catalog queries the tracer sends, and the helpers that spell their arguments and fold
their rows. No I/O here.

Every query keeps to OIDs at or above FirstNormalObjectId (16384): below are the system
catalogs, which the tracer's own catalog queries lock; the migration's objects are all above.
"""

from __future__ import annotations

RELATIONS_SQL = """
SELECT c.oid::int8, c.oid::regclass::text, c.relkind::text
FROM pg_class c
WHERE c.oid >= 16384 AND c.relnamespace <> 'pg_toast'::regnamespace
"""

_MY_LOCKS_SQL = """
SELECT l.relation::int8, l.mode, c.relkind::text,
       CASE WHEN c.oid IS NULL THEN NULL ELSE c.oid::regclass::text END,
       current_setting('lock_timeout')
FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND l.relation >= 16384
  AND (c.oid IS NULL OR c.relnamespace <> 'pg_toast'::regnamespace)
"""

# One relation's name and kind.
RELATION_SQL = "SELECT c.oid::regclass::text, c.relkind::text FROM pg_class c WHERE c.oid = %s"

THEIR_LOCKS_SQL = """
SELECT l.relation::int8, l.mode, c.relkind::text,
       CASE WHEN c.oid IS NULL THEN NULL ELSE c.oid::regclass::text END
FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = %s AND l.locktype = 'relation' AND l.granted AND l.relation >= 16384
"""

# The locks A waits for (not granted yet): read by B while A is held up by B's blocker.
THEIR_WAITS_SQL = """
SELECT l.locktype, l.relation::int8, l.mode, c.relkind::text,
       CASE WHEN c.oid IS NULL THEN NULL ELSE c.oid::regclass::text END
FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = %s AND NOT l.granted
"""

# The tables to hold, for a statement outside a transaction, among the (quoted) names it
# gives: the tables themselves, and the table of each index (LOCK TABLE refuses indexes,
# and PostgreSQL locks an index's table before the index: DROP INDEX's
# RangeVarCallbackForDropRelation, REINDEX's RangeVarCallbackForReindexIndex).
BLOCKER_TARGETS_SQL = """
SELECT DISTINCT COALESCE(i.indrelid, c.oid)::regclass::text
FROM unnest(%s::text[]) x JOIN pg_class c ON c.oid = to_regclass(x)
LEFT JOIN pg_index i ON i.indexrelid = c.oid
WHERE c.relkind IN ('r', 'p', 'i', 'I')
"""

# Seconds since the epoch, microsecond resolution, read on the server.
CLOCK_SQL = "SELECT extract(epoch FROM clock_timestamp())::float8"

# `pg_class.relfilenode` changes when a table or index is rewritten.
FILENODES_SQL = """
SELECT oid::int8, relfilenode::int8 FROM pg_class
WHERE oid >= 16384 AND relfilenode <> 0 AND relnamespace <> 'pg_toast'::regnamespace
"""

# Columns, constraints and the indexes that back no constraint, of some tables.
_STRUCTURE_TEMPLATE = """
WITH t AS MATERIALIZED ({tables})
SELECT a.attrelid::int8, 'column', a.attname::text,
       format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
       || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid IN (SELECT oid FROM t) AND a.attnum > 0 AND NOT a.attisdropped
  AND NOT {indexes_only}
UNION ALL
SELECT k.conrelid::int8, 'constraint', k.conname::text,
       pg_get_constraintdef(k.oid) || CASE WHEN k.convalidated THEN '' ELSE ' NOT VALID' END
FROM pg_constraint k WHERE k.conrelid IN (SELECT oid FROM t) AND NOT {indexes_only}
UNION ALL
SELECT i.indrelid::int8, 'index', c.relname::text,
       pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid IN (SELECT oid FROM t) AND NOT EXISTS (
  SELECT 1 FROM pg_constraint k
  WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
UNION ALL
SELECT oid::int8, 'table', '', '' FROM t
"""
# Every table, before the traced migrations.
STRUCTURE_ALL_SQL = _STRUCTURE_TEMPLATE.format(indexes_only="false", tables="""
  SELECT oid FROM pg_class WHERE oid >= 16384 AND relkind IN ('r', 'p', 'm', 'f')
    AND relnamespace <> 'pg_toast'::regnamespace""")
# The tables A holds a lock on that any change of structure needs (SHARE UPDATE
# EXCLUSIVE or stronger): a statement can only have changed those. All of them, also those
# locked by earlier statements of the transaction: a statement may change such a table
# without naming it (DROP INDEX names the index; a DROP ... CASCADE names neither), and a
# table left out would look dropped. $1: read only the indexes (a CREATE INDEX can change
# nothing else; the parameter is a one-time filter, the other branches do not run).
_STRUCTURE_LOCKED_SQL = _STRUCTURE_TEMPLATE.format(indexes_only="$1", tables="""
  SELECT DISTINCT c.oid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
  WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
    AND l.relation >= 16384 AND c.relkind IN ('r', 'p', 'm', 'f')
    AND l.mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',
                   'ExclusiveLock', 'AccessExclusiveLock')""")

# The same, among the tables a statement names ($2: quoted names, resolved with A's
# search_path; $3: oids) and their partitions and inheritance children, for the statements
# that can change no other table's structure (kinds.named_tables); with $4, also among the
# tables with a foreign key to one of them (kinds.reads_referencing).
_STRUCTURE_NAMED_SQL = _STRUCTURE_TEMPLATE.replace("WITH t AS", """WITH RECURSIVE named AS (
  SELECT r.oid FROM (SELECT to_regclass(x)::oid AS oid FROM unnest($2::text[]) x
                     UNION ALL SELECT unnest($3::oid[])) r
  WHERE r.oid IS NOT NULL
  UNION
  SELECT i.inhrelid FROM pg_inherits i JOIN named n ON i.inhparent = n.oid),
t AS""", 1).format(indexes_only="$1", tables="""
  SELECT DISTINCT c.oid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
  WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
    AND l.relation >= 16384 AND c.relkind IN ('r', 'p', 'm', 'f')
    AND l.mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',
                   'ExclusiveLock', 'AccessExclusiveLock')
    AND (c.oid IN (SELECT oid FROM named) OR $4 AND c.oid IN (
      SELECT k.conrelid FROM pg_constraint k
      WHERE k.contype = 'f' AND k.confrelid IN (SELECT oid FROM named)))""")

# int2vector casts to an int2[] indexed from 0.
_UNINDEXED_FK_SQL = """
SELECT k.conrelid::int8, k.conrelid::regclass::text, k.conname::text, pg_get_constraintdef(k.oid)
FROM pg_constraint k
WHERE k.contype = 'f' AND k.conrelid = ANY($1) AND k.conparentid = 0 AND NOT EXISTS (
  SELECT 1 FROM pg_index i
  WHERE i.indrelid = k.conrelid
    AND (SELECT array_agg(x ORDER BY x)
         FROM unnest((i.indkey::int2[])[0:cardinality(k.conkey) - 1]) x)
      = (SELECT array_agg(x ORDER BY x) FROM unnest(k.conkey) x))
ORDER BY k.conrelid, k.conname
"""

# Prepared once per session with PREPARE (planning these catalog queries costs more than
# running them), so that EXECUTE can travel in one message with the statement. A's
# `prepare_threshold` is off: psycopg would otherwise send DEALLOCATE ALL after every
# ALTER or DROP (its own cache's invalidation), taking these with it.
PREPARED = {
    # The server clock (read first: the end of the statement before), then A's lock rows,
    # leaving out the 'oid:mode' pairs of $1 (the locks earlier statements of the
    # transaction took); one row of NULL lock columns when there are none.
    "schemalint_locks": ("text[]", "SELECT c.now, l.* FROM (" + CLOCK_SQL + ") c(now)\n"
                         "LEFT JOIN (" + _MY_LOCKS_SQL.rstrip()
                         + "\n  AND l.relation::text || ':' || l.mode <> ALL($1)) l ON true"),
    "schemalint_structure": ("boolean", _STRUCTURE_LOCKED_SQL),
    "schemalint_structure_named": ("boolean, text[], oid[], boolean", _STRUCTURE_NAMED_SQL),
    "schemalint_filenodes": ("", FILENODES_SQL),
    "schemalint_unindexed_fks": ("oid[]", _UNINDEXED_FK_SQL),
}
FILENODES_QUERY = "EXECUTE schemalint_filenodes"


def held_array(held, more: str | None = None) -> str:
    """The (oid, mode) pairs of `held` (the locks already seen), as `locks_query` takes them;
    `more`: a held_array of other pairs to add them to."""
    array = _text_array(f"{oid}:{mode}" for oid, mode in held)
    return array if more is None else f"array_cat({more}, {array})"


def locks_query(held: str) -> str:
    """A's new lock rows: those not among `held` (a `held_array`)."""
    return f"EXECUTE schemalint_locks({held})"


def structure_query(indexes_only: bool, names: list[str] | None = None, oids=(),
                    referencing: bool = False) -> str:
    """Re-read the tables locked for DDL (see _STRUCTURE_LOCKED_SQL), or only those among
    `names` (quoted, as `named_relations` gives them) and `oids`, their children and, with
    `referencing`, the tables with a foreign key to them."""
    flag = "true" if indexes_only else "false"
    if names is None:
        return f"EXECUTE schemalint_structure({flag})"
    listed = ", ".join(str(int(o)) for o in oids)
    return (f"EXECUTE schemalint_structure_named({flag}, {_text_array(names)}, "
            f"ARRAY[{listed}]::oid[], {'true' if referencing else 'false'})")


def structure_sql(oids: list[int]) -> str:
    """The structure of the tables among `oids`."""
    listed = ", ".join(str(int(o)) for o in oids)
    return _STRUCTURE_TEMPLATE.format(
        indexes_only="false", tables=f"SELECT oid FROM pg_class WHERE oid IN ({listed}) AND relkind IN ('r', 'p', 'm', 'f')")


def unindexed_foreign_keys_query(tables: list[int]) -> str:
    """Its rows: (table oid, table, constraint, definition) of every foreign key of
    `tables` whose columns are not the leading columns of some index on the table."""
    oids = ", ".join(str(int(t)) for t in tables)
    return f"EXECUTE schemalint_unindexed_fks(ARRAY[{oids}]::oid[])"


def fold_structure(rows) -> dict[int, dict[tuple[str, str], str]]:
    """Structure rows -> {table oid: {(object kind, name): definition}}."""
    out: dict[int, dict[tuple[str, str], str]] = {}
    for oid, obj, name, definition in rows:
        table = out.setdefault(oid, {})
        if obj != "table":
            table[(obj, name)] = definition
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def named_relations(node) -> list[str]:
    """Qualified, quoted names of the relations a statement names: its RangeVars and, for
    DROP, the names in its object list."""
    out: set[str] = set()
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            # A RangeVar, wrapped ({"RangeVar": {...}}) or as a typed field ("relation").
            rv = cur.get("RangeVar", cur)
            if isinstance(rv, dict) and isinstance(rv.get("relname"), str):
                schema = rv.get("schemaname")
                out.add((_quote(schema) + "." if schema else "") + _quote(rv["relname"]))
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(cur)
    for obj in node.get("objects", ()) if isinstance(node, dict) else ():
        items = obj.get("List", {}).get("items", ()) if isinstance(obj, dict) else ()
        parts = [i.get("String", {}).get("sval") for i in items]
        if parts and all(parts):
            out.add(".".join(_quote(p) for p in parts))
    return sorted(out)


def _text_array(items) -> str:
    """A text[] literal (standard_conforming_strings, PostgreSQL's default since 9.1)."""
    quoted = ["'" + item.replace("'", "''") + "'" for item in items]
    return f"ARRAY[{', '.join(quoted)}]::text[]" if quoted else "'{}'::text[]"
