"""Safe fixes run the way each framework's runner sends a file (issue 15, item 1), on a real
server: every safe fix of the rule fixtures, each fixture read as each kind of runner reads it, then
the fixed file sent as one query string (golang-migrate, dbmate, Diesel, Prisma, pop), or
statement by statement (psql, goose, Flyway), in the framework's transaction or not."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from schemalint.check.engine import lint
from schemalint.check.fix import plan_fixes
from schemalint.discover.layouts import STRING, sends
from schemalint.discover.source import Migration
from schemalint.parse.statements import parse_migration
from schemalint.rules import RULES
from tests.helpers import load_fixture

FIXTURES = sorted((Path(__file__).parent.parent / "rules" / "fixtures").glob("*.sql"))
# (layout, its transaction mode): one of each way a runner sends a file.
RUNNERS = (("plain", None), ("goose", False), ("flyway", True), ("golang-migrate", False), ("dbmate", True),
           ("dbmate", False))
_MISSING_RELATION = re.compile(r'relation "([^"]+)" does not exist')
_MISSING_COLUMN = re.compile(r'column "([^"]+)" does not exist')
_MISSING_INDEX = re.compile(r'index "([^"]+)" does not exist')
_MISSING_SCHEMA = re.compile(r'schema "([^"]+)" does not exist')


def _send(conn, migration: Migration, text: str) -> None:
    """Run `text` as the runner of `migration`'s layout would: one string or statement by
    statement, in a transaction when the migration runs in one."""
    if migration.in_transaction:
        conn.execute("BEGIN")
    try:
        if sends(migration.layout) == STRING:
            conn.execute(text)  # no parameters: psycopg sends it with the simple query protocol
        else:
            fixed = Migration(path=migration.path, text=text, layout=migration.layout)
            for stmt in parse_migration(fixed).statements:
                conn.execute(stmt.text)
        if migration.in_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if migration.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _run_with_stubs(conn, before: list[str], migration: Migration, text: str,
                    stubs: list[str] | None = None) -> list[str]:
    """Send `text` in a fresh schema; the objects it needs that the fixture never creates
    (tables, columns, indexes, schemas) are stubbed and the file sent again. Returns the
    stubs made; raises the first error no stub cures."""
    stubs = [] if stubs is None else list(stubs)
    for _ in range(40):
        conn.execute("DISCARD TEMP")
        conn.execute("DROP SCHEMA IF EXISTS fixrun CASCADE")
        conn.execute("CREATE SCHEMA fixrun")
        conn.execute("SET search_path = fixrun, public")
        for sql in stubs + before:
            try:
                conn.execute(sql)
            except psycopg.Error:
                pass  # the history before the file is context: what fails there does not count
        try:
            _send(conn, migration, text)
            return stubs
        except psycopg.Error as exc:
            message = str(exc)
            if m := _MISSING_RELATION.search(message):
                stub = f'CREATE TABLE IF NOT EXISTS {m.group(1)} (id int)'
            elif m := _MISSING_INDEX.search(message):
                name = m.group(1).rpartition(".")[2]
                stub = f'CREATE TABLE "stub_{name}" (a int); CREATE INDEX "{name}" ON "stub_{name}" (a)'
            elif m := _MISSING_COLUMN.search(message):
                column = m.group(1).rpartition(".")[2]
                stub = ("DO $$ DECLARE r record; BEGIN FOR r IN SELECT c.oid::regclass AS t FROM pg_class c "
                        "WHERE c.relnamespace = 'fixrun'::regnamespace AND c.relkind = 'r' LOOP "
                        f"EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS \"{column}\" text', r.t); "
                        "END LOOP; END $$")
            elif m := _MISSING_SCHEMA.search(message):
                stub = f'CREATE SCHEMA IF NOT EXISTS "{m.group(1)}"'
            else:
                raise
            if stub in stubs:
                raise
            stubs.append(stub)
    raise AssertionError("too many stubs")


def _fixed_files(path: Path, layout: str, in_tx: bool | None):
    """(migration, texts of the files before it, fixed text, rules fixed) of each file of a
    fixture, read as `layout` reads it, that a safe fix changes."""
    fixture = load_fixture(path.read_text(encoding="utf-8"), path.name)
    migrations = [Migration(path=m.path, text=m.text, layout=layout,
                            in_transaction=True if m.in_transaction else in_tx)
                  for m in fixture.migrations]
    found = lint(migrations, fixture.config, RULES)
    plan = plan_fixes(found, {m.path: m.text for m in migrations})
    fixed = {f.path: f for f in plan.files}
    for i, m in enumerate(migrations):
        if m.path in fixed:
            yield m, [x.text for x in migrations[:i]], fixed[m.path].fixed, sorted({d.rule for d in fixed[m.path].applied})


@pytest.mark.parametrize("layout,in_tx", RUNNERS, ids=lambda v: str(v))
def test_safe_fixes_run_the_way_the_runner_sends_the_file(server, layout, in_tx):
    """Each fixture file a safe fix changes, that runs as written when sent this runner's way
    (a fixture may hold the very hazard its rule is about), still runs once fixed."""
    broken, ran = [], 0
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("SET lock_timeout = '5s'")
        for path in FIXTURES:
            for migration, before, text, rules in _fixed_files(path, layout, in_tx):
                try:
                    stubs = _run_with_stubs(conn, before, migration, migration.text)
                except psycopg.Error:
                    continue
                try:
                    _run_with_stubs(conn, before, migration, text, stubs)
                except psycopg.Error as exc:
                    broken.append(f"{path.name}: {migration.path} runs as written ({layout}, "
                                  f"transaction {migration.in_transaction}), but fails once "
                                  f"{', '.join(rules)} fixed it: {exc.sqlstate} {exc}\n{text}")
                ran += 1
    assert not broken, "\n\n".join(broken)
    # Not hollow: each runner mode has a dozen or more fixed files that run (a fixture change
    # that left none would show here).
    assert ran >= 10, ran


def test_concurrent_statements_in_one_query_string_fail(server):
    """What the runner modes stand for, on the server: two CONCURRENTLY statements in one
    query string fail; sent statement by statement, or one alone in its string, they run."""
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS hz; CREATE TABLE hz (a int, b int)")
        two = "CREATE INDEX CONCURRENTLY hz_a ON hz (a);\nCREATE INDEX CONCURRENTLY hz_b ON hz (b);\n"
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            _send(conn, Migration("1_x.up.sql", two, layout="golang-migrate", in_transaction=False), two)
        _send(conn, Migration("1.sql", two, layout="goose", in_transaction=False), two)
        conn.execute("DROP INDEX hz_a; DROP INDEX hz_b")
        one = "CREATE INDEX CONCURRENTLY hz_a ON hz (a);\n"
        _send(conn, Migration("1_x.up.sql", one, layout="golang-migrate", in_transaction=False), one)


def test_unsafe_fixes_split_concurrent_statements_into_migrations_that_run(server, tmp_path, monkeypatch):
    """--fix --unsafe-fixes moves each CONCURRENTLY statement of a golang-migrate file to a
    migration of its own, right after it; each file, sent as one string, then runs."""
    from schemalint.cli import main

    original = ("CREATE TABLE sp (a int, b int);\nCREATE INDEX CONCURRENTLY sp_a_idx ON sp (a);\n"
                "CREATE INDEX CONCURRENTLY sp_b_idx ON sp (b);\n")
    (tmp_path / "20240101000000_sp.up.sql").write_text(original)
    (tmp_path / "20240102000000_next.up.sql").write_text("SELECT 1;\n")
    monkeypatch.chdir(tmp_path)
    main(["check", ".", "--layout", "golang-migrate", "--fix", "--unsafe-fixes", "--fix-applied", "--no-cache"])
    files = sorted(p.name for p in tmp_path.glob("*.up.sql"))
    assert files == ["20240101000000_sp.up.sql", "20240101000001_sp_concurrently.up.sql",
                     "20240101000002_sp_concurrently.up.sql", "20240102000000_next.up.sql"]
    assert (tmp_path / files[0]).read_text() == "CREATE TABLE sp (a int, b int);\n"
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS sp")
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            conn.execute(original)
        for name in files:
            conn.execute((tmp_path / name).read_text())
        assert conn.execute("SELECT count(*) FROM pg_index WHERE indrelid = 'sp'::regclass AND indisvalid").fetchone()[0] == 2
        conn.execute("DROP TABLE sp")
