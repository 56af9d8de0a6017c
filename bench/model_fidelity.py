"""How closely schemalint's schema model matches PostgreSQL after the same migrations.

    python bench/model_fidelity.py [PATH ...] [--corpus ../shared/corpus] [--details] [--json FILE]

Each project (every folder of the corpus, the fixtures in tests/fidelity, or the PATHs given)
is discovered as `schemalint schema` discovers it and its up migrations are applied, statement
by statement in autocommit (explicit BEGIN ... COMMIT blocks kept), to a fresh database of a
throwaway PostgreSQL (replay's `local` backend; `--dsn` for another server). Where a statement
fails, the project stops there. The catalog is then read in the shape of `schemalint schema
--format json` and compared, field by field, with the model folded from the statements that
applied: tables (their kind and comment), columns (name, position, type, nullability, whether
there is a default, comment), primary keys, indexes (name, columns, uniqueness, comment), foreign keys (name, columns,
referenced table and columns), CHECK constraints (name), enums (labels) and sequences (name). The figure per project is the share of those facts that agree;
--details lists each difference. docs/model.md explains the ones that remain.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import psycopg

from schemalint.discover.discovery import discover
from schemalint.model.dump import schema_json
from schemalint.model.fold import Model
from schemalint.model.recover import with_recovered
from schemalint.parse.statements import parse_migration
from schemalint.replay import local
from schemalint.replay.cleanup import Cleanup

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

_USER_SCHEMAS = """n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"""
_NOT_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                 AND d.objid = c.oid AND d.deptype = 'e')"""
_RELATIONS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMAS} AND {_NOT_EXTENSION}
"""
_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, a.attidentity,
       col_description(a.attrelid, a.attnum)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid = ANY(%s) ORDER BY a.attrelid, a.attnum
"""
_INDEXES = """
SELECT i.indrelid, ic.relname, i.indisunique, am.amname, pg_get_expr(i.indpred, i.indrelid),
       ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0
                         THEN (SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid
                               AND attnum = i.indkey[k - 1])
                         ELSE pg_get_indexdef(i.indexrelid, k, true) END
             FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
       obj_description(i.indexrelid, 'pg_class')
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY(%s)
"""
_COLS_OF = """ARRAY(SELECT a.attname FROM unnest({keys}) WITH ORDINALITY u(n, o)
                 JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = u.n ORDER BY u.o)"""
_CONSTRAINTS = f"""
SELECT k.conrelid, k.contype, k.conname, {_COLS_OF.format(keys='k.conkey', rel='k.conrelid')},
       rn.nspname, rc.relname, {_COLS_OF.format(keys='k.confkey', rel='k.confrelid')},
       k.confdeltype, pg_get_expr(k.conbin, k.conrelid)
FROM pg_constraint k LEFT JOIN pg_class rc ON rc.oid = k.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE k.conrelid = ANY(%s) AND k.contype IN ('p', 'f', 'c')
  -- the constraints a foreign key to a partitioned table adds for each of its partitions
  AND NOT (k.contype = 'f' AND k.conparentid <> 0 AND EXISTS (
      SELECT 1 FROM pg_constraint p WHERE p.oid = k.conparentid AND p.conrelid = k.conrelid))
"""
_ENUMS = f"""
SELECT n.nspname, t.typname, ARRAY(SELECT enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid
                                   ORDER BY enumsortorder)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND {_USER_SCHEMAS}
"""
_SEQUENCES = f"""
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND {_USER_SCHEMAS} AND {_NOT_EXTENSION}
"""
_KINDS = {"r": "table", "p": "partitioned table", "v": "view", "m": "materialized view",
          "f": "foreign table"}
_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_IDENTITY = {"a": "always", "d": "by default", "": None}


def catalog_schema(conn) -> dict:
    """The catalog in the shape of `schemalint schema --format json`."""
    tables, by_oid = [], {}
    for oid, schema, name, kind, comment in conn.execute(_RELATIONS):
        by_oid[oid] = t = {"schema": schema, "name": name, "kind": _KINDS[kind], "comment": comment, "columns": [],
                           "primary_key": [], "indexes": [], "foreign_keys": [], "checks": []}
        tables.append(t)
    oids = list(by_oid)
    for rel, name, typ, notnull, default, identity, comment in conn.execute(_COLUMNS, (oids,)):
        by_oid[rel]["columns"].append({"name": name, "type": typ, "nullable": not notnull,
                                       "default": default, "identity": _IDENTITY[identity],
                                       "comment": comment})
    for rel, name, unique, method, where, columns, comment in conn.execute(_INDEXES, (oids,)):
        by_oid[rel]["indexes"].append({"name": name, "columns": columns, "unique": unique,
                                       "method": method, "where": where, "comment": comment})
    for rel, kind, name, cols, rschema, rtable, rcols, on_delete, definition in conn.execute(
            _CONSTRAINTS, (oids,)):
        t = by_oid[rel]
        if kind == "p":
            t["primary_key"] = cols
        elif kind == "f":
            t["foreign_keys"].append({"name": name, "columns": cols,
                                      "references": {"schema": rschema, "table": rtable, "columns": rcols},
                                      "on_delete": _ACTIONS.get(on_delete)})
        else:
            t["checks"].append({"name": name, "expression": definition})
    for t in tables:
        for key in ("indexes", "foreign_keys", "checks"):
            t[key].sort(key=lambda x: x["name"])
    tables.sort(key=lambda t: (t["schema"], t["name"]))
    return {
        "version": 1,
        "tables": tables,
        "enums": sorted(({"schema": s, "name": n, "values": v} for s, n, v in conn.execute(_ENUMS)),
                        key=lambda e: (e["schema"], e["name"])),
        "sequences": sorted(({"schema": s, "name": n} for s, n in conn.execute(_SEQUENCES)),
                            key=lambda e: (e["schema"], e["name"])),
    }


# --- applying a project ---------------------------------------------------------------

class Applied:
    """How far a project applied: migrations fully applied, then statements of the next
    one (the failing one), and why it stopped."""

    def __init__(self) -> None:
        self.migrations: list = []
        self.partial = None  # (migration, statement count applied) of the file that failed
        self.error: str | None = None
        self.statements = 0


def apply_project(conninfo: str, migrations) -> Applied:
    """Apply the up migrations in order: a file its framework runs in a transaction as one
    (rolled back whole when a statement fails), any other statement by statement in
    autocommit (an explicit BEGIN block as a block); stop at the first failure."""
    done = Applied()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '60s'")
        for m in migrations:
            if not m.folds_into_model:
                continue
            result = parse_migration(m)
            if result.errors:
                done.partial, done.error = (m, 0), f"{m.path}: {result.errors[0].message}"
                return done
            statements = result.statements
            whole = bool(m.in_transaction) and not any(s.kind == "TransactionStmt" for s in statements)
            if whole:
                conn.execute("BEGIN")
            began = 0 if whole else None  # where the open transaction began
            for i, stmt in enumerate(statements):
                kind = stmt.node.get("kind") if stmt.kind == "TransactionStmt" else None
                if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START") and began is None:
                    began = i
                try:
                    conn.execute(stmt.sql, prepare=False)
                except psycopg.Error as exc:
                    if began is not None:
                        conn.execute("ROLLBACK")
                    done.partial = (m, began if began is not None else i)
                    line = m.lines.position(stmt.start)[0]
                    done.error = f"{m.path}:{line}: {str(exc).splitlines()[0]}"
                    return done
                done.statements += 1
                if kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
                    began = None
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("COMMIT")  # the file's own transaction, or a BEGIN it left open
            done.migrations.append(m)
    return done


def model_schema(applied: Applied, pg_version=(15, 0)) -> dict:
    """The model folded from exactly what applied (fold_history, cut where the server
    stopped)."""
    model = Model(pg_version)
    todo = [(m, None) for m in applied.migrations]
    if applied.partial is not None:
        todo.append(applied.partial)
    for m, limit in todo:
        result = parse_migration(m)
        model.begin_migration(m, False)
        if limit is not None:
            stmts = result.statements[:limit]
        else:
            stmts = with_recovered(model, m, result) if result.errors else result.statements
        for stmt in stmts:
            try:
                model.fold(stmt)
            except Exception:  # noqa: BLE001 - as `check` does
                pass
        model.end_migration()
    return schema_json(model)


# --- comparing ----------------------------------------------------------------------------

_CAST = re.compile(r"::[\w ]+(?:\([\d, ]*\))?(?:\[\])*")


def _expr(text: str) -> str:
    """An index expression compared loosely: casts, `public.`, parentheses, quotes and
    spaces dropped, case folded (the model prints what was written, the catalog its own
    deparse)."""
    return re.sub(r"[()\s\"]|\bpublic\.", "", _CAST.sub("", text)).lower()


def compare(model: dict, catalog: dict) -> tuple[int, int, list[str]]:
    """(facts that agree, facts compared, differences)."""
    diffs: list[str] = []
    agree = total = 0

    def fact(ok: bool, what: str) -> None:
        nonlocal agree, total
        total += 1
        if ok:
            agree += 1
        else:
            diffs.append(what)

    mt = {(t["schema"], t["name"]): t for t in model["tables"]}
    ct = {(t["schema"], t["name"]): t for t in catalog["tables"]}
    for key in sorted(set(mt) | set(ct)):
        name = ".".join(key)
        m, c = mt.get(key), ct.get(key)
        if m is None or c is None:
            fact(False, f"table {name}: {'only in the model' if c is None else 'missing from the model'}"
                        f" ({(m or c)['kind']})")
            continue
        fact(m["kind"] == c["kind"], f"table {name}: kind {m['kind']} != {c['kind']}")
        fact(m["comment"] == c["comment"], f"table {name}: comment {m['comment']!r} != {c['comment']!r}")
        if c["kind"] in ("view", "materialized view"):
            continue  # the model does not know a view's columns
        _compare_columns(name, m["columns"], c["columns"], fact)
        fact(m["primary_key"] == c["primary_key"],
             f"table {name}: primary key {m['primary_key']} != {c['primary_key']}")
        _compare_named(name, "index", m["indexes"], c["indexes"], fact, _index_fields)
        _compare_named(name, "foreign key", m["foreign_keys"], c["foreign_keys"], fact, _fk_fields)
        _compare_named(name, "check", m["checks"], c["checks"], fact, lambda x: {})
    _compare_named("the database", "enum", [_named(e) for e in model["enums"]],
                   [_named(e) for e in catalog["enums"]], fact, lambda e: {"values": e["values"]})
    _compare_named("the database", "sequence", [_named(e) for e in model["sequences"]],
                   [_named(e) for e in catalog["sequences"]], fact, lambda e: {})
    return agree, total, diffs


def _named(item: dict) -> dict:
    return {**item, "name": f"{item['schema']}.{item['name']}"}


def _compare_columns(table: str, mcols: list, ccols: list, fact) -> None:
    mpos = {c["name"]: (i, c) for i, c in enumerate(mcols)}
    cpos = {c["name"]: (i, c) for i, c in enumerate(ccols)}
    for name in list(cpos) + [n for n in mpos if n not in cpos]:
        where = f"column {table}.{name}"
        if name not in mpos or name not in cpos:
            fact(False, f"{where}: {'missing from the model' if name in cpos else 'only in the model'}")
            continue
        (i, m), (j, c) = mpos[name], cpos[name]
        fact(i == j, f"{where}: position {i + 1} != {j + 1}")
        fact(m["type"] == c["type"], f"{where}: type {m['type']} != {c['type']}")
        fact(m["nullable"] == c["nullable"],
             f"{where}: {'nullable' if m['nullable'] else 'not null'} in the model")
        fact((m["default"] is None) == (c["default"] is None),
             f"{where}: default {m['default']!r} != {c['default']!r}")
        fact(m["comment"] == c["comment"], f"{where}: comment {m['comment']!r} != {c['comment']!r}")


def _index_fields(i: dict) -> dict:
    return {"columns": [_expr(c) for c in i["columns"]], "unique": i["unique"], "comment": i["comment"]}


def _fk_fields(f: dict) -> dict:
    return {"columns": f["columns"], "references": f["references"]}


def _compare_named(table: str, what: str, mine: list, theirs: list, fact, fields) -> None:
    m = {x["name"]: x for x in mine}
    c = {x["name"]: x for x in theirs}
    for name in sorted(set(m) | set(c)):
        if name not in m or name not in c:
            other = c.get(name) or m.get(name)
            fact(False, f"{what} {name} on {table}: {'missing from the model' if name in c else 'only in the model'}"
                        f" {fields(other)}")
            continue
        a, b = fields(m[name]), fields(c[name])
        fact(a == b, f"{what} {name} on {table}: {a} != {b}")


# --- the run ------------------------------------------------------------------------------

def projects(args) -> list[tuple[str, str]]:
    if args.paths:
        return [(os.path.basename(os.path.normpath(p)), p) for p in args.paths]
    out = []
    for base in (args.corpus, os.path.join(ROOT, "tests", "fidelity")):
        if os.path.isdir(base):
            out += [(name, os.path.join(base, name)) for name in sorted(os.listdir(base))
                    if os.path.isdir(os.path.join(base, name))]
    return out


# What a project's migrations expect to exist before they run (roles, a framework's own
# table), made before its first migration and left out of the comparison.
PRELUDES = {
    "harbor": "CREATE TABLE schema_migrations (version bigint NOT NULL, dirty boolean NOT NULL)",
    "supabase-postgres": "CREATE ROLE supabase_admin",
}
# Files for another database engine (popx/pop keep them beside the PostgreSQL ones): a
# discovery that does not skip them yet would apply them.
_OTHER_DIALECT = re.compile(r"\.(mysql|sqlite3?|cockroach)(\.autocommit)?\.(up|down)\.sql$")


_GENERIC = re.compile(r"^(?P<stem>.*?)(?:\.autocommit)?\.(?P<dir>up|down)\.sql$")


def _postgres_files(migrations) -> list:
    """popx's choice (until discovery makes it): a file for another engine is skipped, and a
    PostgreSQL-specific file replaces the generic one of the same migration."""
    specific = set()
    for m in migrations:
        g = _GENERIC.match(m.path)
        if g and g["stem"].endswith(".postgres"):
            specific.add((g["stem"][:-len(".postgres")], g["dir"]))
    out = []
    for m in migrations:
        g = _GENERIC.match(m.path)
        if _OTHER_DIALECT.search(m.path) or (g and (g["stem"], g["dir"]) in specific):
            continue
        out.append(m)
    return out


def fidelity(conninfo_for, name: str, path: str) -> dict:
    """Replay one project into the database `conninfo_for(name)` gives and compare."""
    migrations = _postgres_files(discover([path]).migrations)
    started = time.monotonic()
    conninfo = conninfo_for(name)
    existing: set = set()
    if name in PRELUDES:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(PRELUDES[name])
            existing = {(t["schema"], t["name"]) for t in catalog_schema(conn)["tables"]}
    applied = apply_project(conninfo, migrations)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        catalog = catalog_schema(conn)
    model = model_schema(applied)
    for side in (catalog, model):
        side["tables"] = [t for t in side["tables"] if (t["schema"], t["name"]) not in existing]
    agree, total, diffs = compare(model, catalog)
    ups = [m for m in migrations if m.folds_into_model]
    return {"project": name, "files": len(ups), "applied": len(applied.migrations),
            "statements": applied.statements, "stopped": applied.error,
            "agree": agree, "facts": total,
            "fidelity": round(100.0 * agree / total, 2) if total else None,
            "differences": diffs, "seconds": round(time.monotonic() - started, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="project directories (default: the corpus and tests/fidelity)")
    parser.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    parser.add_argument("--dsn", default=None, help="a server to use instead of a local throwaway one")
    parser.add_argument("--details", action="store_true", help="list every difference")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    results = []
    with Cleanup() as cleanup:
        if args.dsn:
            admin = args.dsn
        else:
            server = local.start(local.require_binaries(None, None), cleanup)
            admin = server.conninfo()
        made: dict[str, str] = {}

        def conninfo_for(name: str) -> str:
            if name not in made:
                db = "fidelity_" + re.sub(r"\W", "_", name).lower()
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
                    conn.execute(f'CREATE DATABASE "{db}"')
                made[name] = psycopg.conninfo.make_conninfo(admin, dbname=db)
            return made[name]

        for name, path in projects(args):
            r = fidelity(conninfo_for, name, path)
            results.append(r)
            stopped = f"  stopped at {r['stopped']}" if r["stopped"] else ""
            shown = f"{r['fidelity']:6.2f} %" if r["fidelity"] is not None else "     - "
            print(f"{name:24} {shown}  {r['agree']}/{r['facts']} facts, "
                  f"{r['applied']}/{r['files']} files applied{stopped}", flush=True)
            if args.details:
                for d in r["differences"]:
                    print(f"    {d}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
