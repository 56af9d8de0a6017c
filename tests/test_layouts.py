"""Framework layouts: discovery, order, direction, transaction and sections, on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from schemalint.check.engine import lint
from schemalint.cli import main
from schemalint.config.settings import LintConfig
from schemalint.discover.discovery import discover
from schemalint.discover.layouts import LAYOUTS
from schemalint.discover.layouts.files import flyway_version
from schemalint.rules import RULES


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def names(migrations, root: Path) -> list[tuple[str, str]]:
    return [(os.path.relpath(m.path, root).replace(os.sep, "/"), m.direction) for m in migrations]


def findings(migrations, select=("ALL",)):
    return lint(migrations, LintConfig(select=tuple(select)), RULES)


def rules_of(diags) -> list[str]:
    return [d.rule for d in diags]


# --- Flyway ------------------------------------------------------------------------------

def test_flyway_orders_by_version_then_repeatables_by_description(tmp_path):
    write(tmp_path, {
        "V1_10__ten.sql": "SELECT 10;",
        "V1_9__nine.sql": "SELECT 9;",
        "V1_1__one_one.sql": "SELECT 11;",
        "V1__one.sql": "SELECT 1;",
        "V2.0.1__two.sql": "SELECT 2;",
        "R__b_views.sql": "SELECT 'b';",
        "R__a_views.sql": "SELECT 'a';",
        "U1_9__undo_nine.sql": "SELECT -9;",
    })
    found = discover([str(tmp_path)])
    assert names(found.migrations, tmp_path) == [
        ("V1__one.sql", "up"), ("V1_1__one_one.sql", "up"), ("V1_9__nine.sql", "up"),
        ("V1_10__ten.sql", "up"), ("V2.0.1__two.sql", "up"),
        ("R__a_views.sql", "repeatable"), ("R__b_views.sql", "repeatable"),
    ]
    assert all(m.in_transaction is True for m in found.migrations)


def test_flyway_version_compares_numbers_and_ignores_trailing_zeros():
    assert flyway_version("1_10") > flyway_version("1_9")
    assert flyway_version("1_1") == flyway_version("1.1") == flyway_version("1.1.0")
    assert flyway_version("1.0") == flyway_version("1")


def test_flyway_non_transactional_statements_and_script_config(tmp_path):
    write(tmp_path, {
        "V1__t.sql": "CREATE TABLE t (a int);",
        "V2__idx.sql": "CREATE INDEX CONCURRENTLY i ON t (a);",
        "V3__conf.sql": "ALTER TABLE t ADD COLUMN b int;",
        "V3__conf.sql.conf": "executeInTransaction=false\n",
    })
    found = discover([str(tmp_path)])
    assert [m.in_transaction for m in found.migrations] == [True, False, False]
    # Flyway runs V2 outside a transaction: no concurrent-index-in-transaction finding.
    assert "concurrent-index-in-transaction" not in rules_of(findings(found.migrations))


def test_flyway_duplicate_version_is_a_layout_problem(tmp_path):
    write(tmp_path, {"V1__a.sql": "SELECT 1;", "V1.0__b.sql": "SELECT 2;"})
    diags = findings(discover([str(tmp_path)]).migrations)
    assert rules_of(diags) == ["layout-problem"]
    assert "version 1 is used twice" in diags[0].message


def test_flyway_placeholders_from_config_map_back_to_original_columns(tmp_path):
    sql = "CREATE TABLE ${schema}.orders (id bigint, c int);\nCREATE INDEX i ON ${schema}.orders (c);\n"
    write(tmp_path, {"V1__a.sql": "SELECT 1;", "V2__b.sql": sql})
    found = discover([str(tmp_path)], placeholders={"schema": "a_much_longer_schema_name"})
    mig = found.migrations[1]
    assert "a_much_longer_schema_name.orders" in mig.sql
    diags = [d for d in findings(found.migrations, ["create-index-non-concurrently"])]
    # created in the same migration: no finding; now index an existing table instead
    assert diags == []
    write(tmp_path, {"V3__c.sql": "-- x\n  SELECT '${schema}'; CREATE INDEX j ON ${schema}.orders (c);\n"})
    diags = findings(discover([str(tmp_path)], placeholders={"schema": "a_much_longer_schema_name"}).migrations,
                     ["create-index-non-concurrently"])
    # The finding points at the table reference: the `${schema}` placeholder in the file.
    assert [(d.path.endswith("V3__c.sql"), d.line, d.column) for d in diags] == [(True, 2, 41)]


# --- golang-migrate ----------------------------------------------------------------------

def test_golang_migrate_integer_order_down_files_and_no_transaction(tmp_path):
    write(tmp_path, {
        "10_c.up.sql": "SELECT 10;", "10_c.down.sql": "SELECT -10;",
        "2_b.up.sql": "SELECT 2;", "0001_a.up.sql": "SELECT 1;",
    })
    found = discover([str(tmp_path)])
    assert names(found.migrations, tmp_path) == [
        ("0001_a.up.sql", "up"), ("2_b.up.sql", "up"), ("10_c.up.sql", "up"), ("10_c.down.sql", "down")]
    assert {m.in_transaction for m in found.migrations} == {False}


# --- goose -------------------------------------------------------------------------------

GOOSE = """-- +goose Up
-- +goose StatementBegin
CREATE TABLE t (id bigint PRIMARY KEY, created_at timestamptz, updated_at timestamptz);
ALTER TABLE t ADD COLUMN v int
-- +goose StatementEnd

-- +goose Down
DROP TABLE t;
CREATE INDEX i ON big (a);
"""


def test_goose_sections_are_separate_migrations_with_blanked_offsets(tmp_path):
    write(tmp_path, {"20240101000000_a.sql": GOOSE})
    found = discover([str(tmp_path)])
    up, down = found.migrations
    assert (up.direction, down.direction) == ("up", "down")
    assert up.in_transaction is True and down.in_transaction is True
    assert len(up.sql) == len(up.text) == len(down.sql)
    assert "DROP TABLE" not in up.sql and "CREATE TABLE" not in down.sql
    diags = findings(found.migrations, ["create-index-non-concurrently", "parse-error"])
    # The StatementEnd block lacks a ';' and still parses; the down finding is on its own line.
    assert [(d.rule, d.line, d.column) for d in diags] == [("create-index-non-concurrently", 9, 19)]


def test_goose_down_section_is_not_folded_into_the_model(tmp_path):
    write(tmp_path, {
        "1_a.sql": GOOSE,
        "2_b.sql": "-- +goose Up\nCREATE INDEX j ON t (v);\n",
    })
    diags = findings(discover([str(tmp_path)]).migrations, ["create-index-non-concurrently"])
    # `t` still exists after 1_a (its Down section does not run), so indexing it is flagged.
    assert [(os.path.basename(d.path), d.line) for d in diags] == [("1_a.sql", 9), ("2_b.sql", 2)]


def test_goose_no_transaction(tmp_path):
    write(tmp_path, {"1_a.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n"})
    found = discover([str(tmp_path)])
    assert [m.in_transaction for m in found.migrations] == [False]
    assert "concurrent-index-in-transaction" not in rules_of(findings(found.migrations))
    write(tmp_path, {"1_a.sql": "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n"})
    assert "concurrent-index-in-transaction" in rules_of(findings(discover([str(tmp_path)]).migrations))


# --- dbmate ------------------------------------------------------------------------------

def test_dbmate_sections_and_transaction_option(tmp_path):
    write(tmp_path, {
        "20240101000000_a.sql": "-- migrate:up\nCREATE TABLE t (a int);\n\n-- migrate:down\nDROP TABLE t;\n",
        "20240102000000_b.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\n",
    })
    found = discover([str(tmp_path)])
    assert [(m.direction, m.in_transaction) for m in found.migrations] == [
        ("up", True), ("down", True), ("up", False)]
    assert "concurrent-index-in-transaction" not in rules_of(findings(found.migrations))


# --- Diesel ------------------------------------------------------------------------------

def test_diesel_compares_version_digits_across_formats(tmp_path):
    write(tmp_path, {
        "2025-09-19-132648-0000_c/up.sql": "SELECT 3;",
        "2025-09-19-132648-0000_c/down.sql": "SELECT -3;",
        "2019-02-26-002946_b/up.sql": "SELECT 2;",
        "2019-02-26-002946_b/down.sql": "SELECT -2;",
        "00000000000000_diesel_initial_setup/up.sql": "SELECT 1;",
        "2025-10-01-000000_d/up.sql": "SELECT 4;",
        "2025-10-01-000000_d/metadata.toml": "run_in_transaction = false\n",
    })
    found = discover([str(tmp_path)])
    assert names(found.migrations, tmp_path) == [
        ("00000000000000_diesel_initial_setup/up.sql", "up"),
        ("2019-02-26-002946_b/up.sql", "up"), ("2019-02-26-002946_b/down.sql", "down"),
        ("2025-09-19-132648-0000_c/up.sql", "up"), ("2025-09-19-132648-0000_c/down.sql", "down"),
        ("2025-10-01-000000_d/up.sql", "up"),
    ]
    assert [m.in_transaction for m in found.migrations] == [True] * 5 + [False]


# --- Prisma ------------------------------------------------------------------------------

def test_prisma_folder_order_and_no_transaction(tmp_path):
    write(tmp_path, {
        "20230102000000_b/migration.sql": "SELECT 2;",
        "20230101000000_a/migration.sql": "SELECT 1;",
        "migration_lock.sql": "SELECT 'not a migration';",
    })
    found = discover([str(tmp_path)])
    order = names(found.migrations, tmp_path)
    assert order[:2] == [("20230101000000_a/migration.sql", "up"), ("20230102000000_b/migration.sql", "up")]
    assert [m.in_transaction for m in found.migrations[:2]] == [False, False]
    # A file no Prisma rule claims is still checked (as a plain file), never silently dropped.
    assert order[2:] == [("migration_lock.sql", "up")]


# --- sqitch ------------------------------------------------------------------------------

PLAN = """%syntax-version=1.0.0
%project=flipr

zschema 2024-01-01T00:00:00Z Ann <a@example.com> # schema
users [zschema] 2024-01-02T00:00:00Z Ann <a@example.com> # users
@v1.0 2024-01-03T00:00:00Z Ann <a@example.com> # tag
flips [users ghost] 2024-01-04T00:00:00Z Ann <a@example.com> # flips
users [users@v1.0] 2024-01-05T00:00:00Z Ann <a@example.com> # reworked
"""


def test_sqitch_plan_order_rework_revert_and_missing_dependency(tmp_path):
    write(tmp_path, {
        "sqitch.plan": PLAN,
        "deploy/zschema.sql": "BEGIN; CREATE SCHEMA flipr; COMMIT;",
        "deploy/users@v1.0.sql": "BEGIN; CREATE TABLE flipr.users (id int); COMMIT;",
        "deploy/users.sql": "BEGIN; ALTER TABLE flipr.users ADD COLUMN n text; COMMIT;",
        "deploy/flips.sql": "BEGIN; CREATE TABLE flipr.flips (id int); COMMIT;",
        "revert/flips.sql": "BEGIN; DROP TABLE flipr.flips; COMMIT;",
        "verify/flips.sql": "SELECT id FROM flipr.flips WHERE FALSE;",
    })
    found = discover([str(tmp_path)])
    assert names(found.migrations, tmp_path) == [
        ("deploy/zschema.sql", "up"), ("deploy/users@v1.0.sql", "up"),
        ("deploy/flips.sql", "up"), ("revert/flips.sql", "down"), ("deploy/users.sql", "up"),
    ]
    assert {m.in_transaction for m in found.migrations} == {False}
    problems = [d for d in findings(found.migrations) if d.rule == "layout-problem"]
    assert len(problems) == 1 and "requires ghost" in problems[0].message


def test_a_plan_is_looked_for_only_where_a_script_directory_could_hold_its_scripts(tmp_path):
    # The report cache keys a run by every file discovery looked for: a sqitch.plan is
    # looked for only above files under deploy/, revert/ or verify/ (no other file can be
    # a sqitch script), whether the files are named one by one or by their directory.
    write(tmp_path, {"sqitch.plan": PLAN, "deploy/zschema.sql": "CREATE SCHEMA flipr;",
                     "revert/zschema.sql": "DROP SCHEMA flipr;",
                     "other/001_init.sql": "CREATE TABLE t (id int);"})
    plain = discover([str(tmp_path / "other" / "001_init.sql")], record_inputs=True)
    assert [m.layout for m in plain.migrations] == ["plain"] and plain.inputs.looked_at == set()
    for args in ([str(tmp_path)], [str(tmp_path / "deploy" / "zschema.sql"), str(tmp_path / "revert" / "zschema.sql")]):
        found = discover(args, record_inputs=True)
        assert str(tmp_path / "sqitch.plan") in found.inputs.looked_at
        assert {m.layout for m in found.migrations if "other" not in m.path} == {"sqitch"}


# --- schema dumps ------------------------------------------------------------------------

DUMP = """--
-- PostgreSQL database dump
--

\\restrict abc123
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

CREATE TABLE public.orders (
    id bigint NOT NULL,
    customer_id bigint
);

CREATE INDEX orders_customer ON public.orders USING btree (customer_id);

COPY public.orders (id, customer_id) FROM stdin;
1\t2
2\t\\N
\\.

\\unrestrict abc123
"""


def test_schema_dump_is_a_baseline_folded_first_and_not_reported(tmp_path):
    write(tmp_path, {
        "db/structure.sql": DUMP,
        "migrations/001_index.sql": "CREATE INDEX orders_id ON orders (id);\n",
    })
    found = discover([str(tmp_path / "migrations"), str(tmp_path / "db")])
    assert [m.direction for m in found.migrations] == ["baseline", "up"]
    diags = findings(found.migrations)
    # Only the migration is reported; the dump's own CREATE INDEX and tables are not, and
    # its COPY data and psql meta-commands parse cleanly.
    assert {os.path.basename(d.path) for d in diags} == {"001_index.sql"}
    assert "create-index-non-concurrently" in rules_of(diags)  # orders existed before: flagged


# --- Alembic and Django streams on standard input ----------------------------------------

ALEMBIC = """BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 1975ea83b712

CREATE TABLE account (id SERIAL NOT NULL, name VARCHAR(50) NOT NULL, PRIMARY KEY (id));

INSERT INTO alembic_version (version_num) VALUES ('1975ea83b712') RETURNING alembic_version.version_num;

-- Running upgrade 1975ea83b712 -> ae1027a6acf

CREATE INDEX CONCURRENTLY ix_account_name ON account (name);

UPDATE alembic_version SET version_num='ae1027a6acf' WHERE alembic_version.version_num = '1975ea83b712';

COMMIT;
"""


def run_stdin(args: list[str], stdin: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "schemalint", "check", "-f", "json", *args, "-"],
                          input=stdin.encode(), capture_output=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)


def test_alembic_stream_splits_at_running_upgrade_and_tracks_its_transaction():
    code, out = run_stdin(["--select", "ALL", "--stdin-filename", "upgrade.sql"], ALEMBIC)
    got = {(d["rule"], d["line"]) for d in out["diagnostics"]}
    # The second migration runs inside Alembic's BEGIN from the start of the stream.
    assert ("concurrent-index-in-transaction", 16) in got
    assert not any(d["rule"] in ("parse-error", "internal-error") for d in out["diagnostics"])


def test_alembic_sections_in_process():
    from schemalint.discover.layouts import LoadEnv
    from schemalint.discover.layouts.streams import alembic_sections

    migs = alembic_sections("upgrade.sql", ALEMBIC, LoadEnv())
    assert [m.in_transaction for m in migs] == [None, True, True]
    diags = findings(migs, ["sequential-primary-key"])
    assert [(d.line, d.column) for d in diags] == [(10, 70)]  # the PRIMARY KEY of `account`


DJANGO = """-- Applying shop.0001_initial
BEGIN;
--
-- Create model Order
--
CREATE TABLE "shop_order" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "total" integer NOT NULL);
COMMIT;
-- Applying shop.0002_order_index
--
-- Create index on field(s) total of model order
--
CREATE INDEX CONCURRENTLY "shop_order_total" ON "shop_order" ("total");
"""


def test_django_stream_splits_at_applying_markers():
    from schemalint.discover.layouts import LoadEnv
    from schemalint.discover.layouts.streams import django_sections

    migs = django_sections("<stdin>", DJANGO, LoadEnv())
    assert len(migs) == 2
    code, out = run_stdin(["--select", "ALL"], DJANGO)
    rules = {d["rule"] for d in out["diagnostics"]}
    assert "concurrent-index-in-transaction" not in rules  # non-atomic migration: autocommit
    assert "parse-error" not in rules


# --- mixed layouts, CLI ------------------------------------------------------------------

def test_mixed_layouts_by_directory_mapping(tmp_path, monkeypatch):
    write(tmp_path, {
        "db/flyway/V1_10__b.sql": "SELECT 2;",
        "db/flyway/V1_9__a.sql": "SELECT 1;",
        "db/goose/001_x.sql": "-- +goose Up\nSELECT 3;\n-- +goose Down\nSELECT 4;\n",
    })
    monkeypatch.chdir(tmp_path)
    found = discover(["db"], layout={"db/flyway": "flyway", "db/goose": "goose"})
    assert names(found.migrations, tmp_path) == [
        ("db/flyway/V1_9__a.sql", "up"), ("db/flyway/V1_10__b.sql", "up"),
        ("db/goose/001_x.sql", "up"), ("db/goose/001_x.sql", "down")]


def test_auto_detection_per_directory(tmp_path):
    write(tmp_path, {
        "a/V1__x.sql": "SELECT 1;",
        "b/1_x.up.sql": "SELECT 1;",
        "c/20200101_x/migration.sql": "SELECT 1;",
        "d/2020-01-01-000000_x/up.sql": "SELECT 1;",
        "e/001.sql": "-- +goose Up\nSELECT 1;\n",
        "f/001.sql": "-- migrate:up\nSELECT 1;\n",
    })
    from schemalint.discover.discovery import find_candidates
    from schemalint.discover.layouts import assign

    for sub, expected in zip("abcdef", ["flyway", "golang-migrate", "prisma", "diesel", "auto", "auto"],
                             strict=True):
        cands, _ = find_candidates([str(tmp_path / sub)])
        assert [layout.name for layout, _ in assign(cands, "auto")] == [expected]
    txs = [m.in_transaction for m in discover([str(tmp_path / "e"), str(tmp_path / "f")]).migrations]
    assert txs == [True, True]  # goose and dbmate recognised from their markers


def test_layout_flag_and_unknown_layout(tmp_path, capsys):
    write(tmp_path, {"V1__a.sql": "SELECT 1;", "other.sql": "SELECT 2;"})
    assert main(["check", "--layout", "nope", str(tmp_path)]) == 2
    assert "unknown layout 'nope'" in capsys.readouterr().err
    assert main(["check", "--layout", "flyway", "-f", "json", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["files"] == 1  # Flyway ignores other.sql
    assert main(["check", "-f", "json", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["files"] == 2


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_reads_an_arbitrary_file_without_crashing(tmp_path, name, capsys):
    write(tmp_path, {"x/001_a.sql": "CREATE TABLE t (a int);\n-- +goose Down\n\\set x 1\nSELECT :x;"})
    code = main(["check", "--layout", name, "--fail-on", "never", str(tmp_path)])
    # A layout that applies nothing of it says so (exit 2) rather than passing an empty run.
    assert code == 0 or (code == 2 and "no migration to check in " in capsys.readouterr().err)


# --- docs/layouts.md ---------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "layouts.md"


def test_docs_sql_examples_parse_and_every_layout_is_documented():
    import re

    from schemalint.discover.layouts import LoadEnv, load_text

    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    assert len(blocks) >= 3
    for block in blocks:
        migrations = load_text("example.sql", block, LoadEnv())
        diags = findings(migrations)
        assert not [d for d in diags if d.rule in ("parse-error", "internal-error")], block
    for name in LAYOUTS:
        if name != "auto":
            assert f"| `{name}` |" in text, name


def test_directory_walk_skips_hidden_and_linked_directories_like_os_walk(tmp_path):
    # discover's own walk (symlink bits from the listing) must visit what os.walk visits:
    # hidden directories are skipped and a symbolic link to a directory is not entered.
    import os

    from schemalint.discover.walk import walk

    for d in ("a/b", "a/.hidden", "c"):
        (tmp_path / d).mkdir(parents=True)
    for f in ("a/1.sql", "a/b/2.sql", "a/.hidden/3.sql", "c/4.sql"):
        (tmp_path / f).write_text("SELECT 1;\n")
    os.symlink(tmp_path / "c", tmp_path / "a" / "link")
    expected = []
    for dirpath, dirnames, filenames in os.walk(tmp_path):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        expected.append((dirpath, list(dirnames), list(filenames)))
    assert list(walk(str(tmp_path))) == expected
    found = discover([str(tmp_path)]).migrations
    assert sorted(os.path.basename(m.path) for m in found) == ["1.sql", "2.sql", "4.sql"]
