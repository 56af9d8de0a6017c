"""Catalog snapshots for `--roundtrip`: {object: definition} for everything a migration can
create in the user's schemas, so that 'before up' and 'after down' compare as dicts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

_SNAPSHOT_SQL = """
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%'
    AND nspname NOT LIKE 'pg\\_temp%'
)
SELECT 'schema ' || nspname, '' FROM ns
UNION ALL
SELECT 'relation ' || c.oid::regclass::text, c.relkind::text
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
UNION ALL
SELECT 'column ' || c.oid::regclass::text || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
       || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
UNION ALL
SELECT 'constraint ' || k.conname || ' on ' || COALESCE(k.conrelid::regclass::text, k.contypid::regtype::text),
       pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN ns ON ns.oid = k.connamespace
UNION ALL
SELECT 'index ' || c.oid::regclass::text, pg_get_indexdef(c.oid)
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('i', 'I')
UNION ALL
SELECT 'view ' || c.oid::regclass::text, pg_get_viewdef(c.oid)
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid))
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p', 'w')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'type ' || t.oid::regtype::text,
       COALESCE((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                 FROM pg_enum e WHERE e.enumtypid = t.oid), t.typtype::text)
FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND EXISTS (
  SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
UNION ALL
SELECT 'trigger ' || tg.tgname || ' on ' || tg.tgrelid::regclass::text, pg_get_triggerdef(tg.oid)
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN ns ON ns.oid = c.relnamespace
WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'extension ' || extname, extversion FROM pg_extension WHERE extname <> 'plpgsql'
"""


def catalog_snapshot(conn) -> dict[str, str]:
    return dict(conn.execute(_SNAPSHOT_SQL).fetchall())


def differences(before: dict[str, str], after: dict[str, str],
                frozen: Callable[[str], str] | None = None) -> list[str]:
    """Readable differences, sorted: what after-down still has, lacks or changed.
    `frozen`: a definition with its frozen `now` literals replaced (`FrozenWindow`); two
    definitions equal after it are not a difference."""
    out = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            out.append(f"missing after down: {key}")
        elif key not in before:
            out.append(f"left behind by down: {key}")
        elif before[key] != after[key] and (frozen is None or frozen(before[key]) != frozen(after[key])):
            out.append(f"changed by up+down: {key}: {before[key]} -> {after[key]}")
    return out


# A date or timestamp literal as pg_get_expr and pg_get_viewdef print it:
# '2025-06-01 12:00:00.123456+02'::timestamp with time zone, '2025-06-01'::date, ...
_DATE_LITERAL = re.compile(
    r"'(\d{4}-\d{2}-\d{2})((?: \d{2}:\d{2}:\d{2}(?:\.\d+)?)?)(?:[+-]\d{2}(?::?\d{2}){0,2})?'"
    r"::(timestamp(?:\(\d\))? with(?:out)? time zone|date)")


class FrozenWindow:
    """When the replay ran, on the server's clock. PostgreSQL evaluates `'now'`, `'today'`,
    `'tomorrow'` and `'yesterday'` literals when it reads them (the datetime input docs:
    "converted to ordinary date/time values as soon as they are read"), so a view or a
    default written with one holds the moment it was created, and a down migration that
    re-creates it holds another moment: not a difference. A literal counts as frozen when
    it falls within the replay's run, give or take a day (time zones, `'tomorrow'`)."""

    def __init__(self, conn) -> None:
        self.start = self._now(conn)

    @staticmethod
    def _now(conn) -> datetime:
        return conn.execute("SELECT localtimestamp").fetchone()[0]

    def normaliser(self, conn) -> Callable[[str], str]:
        low = self.start - timedelta(days=1)
        high = self._now(conn) + timedelta(days=1)

        def replace(m: re.Match) -> str:
            try:
                day = date.fromisoformat(m.group(1))
                moment = datetime.fromisoformat(m.group(1) + (m.group(2) or ""))
            except ValueError:
                return m.group(0)
            inside = low <= moment <= high if m.group(2) else low.date() <= day <= high.date()
            return f"'<frozen now>'::{m.group(3)}" if inside else m.group(0)

        return lambda text: _DATE_LITERAL.sub(replace, text)
