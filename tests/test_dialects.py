"""Files of several database engines (issue 14, class 4): PostgreSQL's variants are
migrations, the other engines' are skipped and counted; pop/popx layouts."""

from __future__ import annotations

import os
from pathlib import Path

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig
from schemalint.discover.discovery import directories, discover, find_candidates
from schemalint.discover.layouts import assign
from schemalint.discover.layouts.base import file_dialect
from schemalint.discover.layouts.pop import parse
from schemalint.rules import RULES


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def rel(root: Path, path: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def applied(root: Path, found) -> list[tuple[str, str, bool | None]]:
    return [(rel(root, m.path), m.direction, m.in_transaction) for m in found.migrations]


def skipped(root: Path, found) -> list[tuple[str, str]]:
    return [(rel(root, s.path), s.kind) for s in found.skipped]


# --- name.sql.postgres beside name.sql.sqlite --------------------------------------------

def test_engine_suffixed_files_postgres_applied_others_skipped(tmp_path):
    write(tmp_path, {
        "delta/56/users.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
        "delta/56/users_idx.sql.postgres": "CREATE INDEX users_id ON users (id);\n",
        "delta/56/users_idx.sql.sqlite": "CREATE INDEX users_id ON users (id) WHERE 1;\n",
        "delta/57/events.sql.postgres": "CREATE TABLE events (id bigserial PRIMARY KEY);\n",
        "delta/57/events.sql.sqlite": "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT);\n",
        "delta/57/events.mysql.sql": "CREATE TABLE events (id BIGINT AUTO_INCREMENT PRIMARY KEY);\n",
        "delta/57/zz.pg.sql": "SELECT 1;\n",
    })
    found = discover([str(tmp_path)])
    assert applied(tmp_path, found) == [
        ("delta/56/users.sql", "up", None), ("delta/56/users_idx.sql.postgres", "up", None),
        ("delta/57/events.sql.postgres", "up", None), ("delta/57/zz.pg.sql", "up", None)]
    assert skipped(tmp_path, found) == [
        ("delta/56/users_idx.sql.sqlite", "other-dialect"), ("delta/57/events.mysql.sql", "other-dialect"),
        ("delta/57/events.sql.sqlite", "other-dialect")]
    assert [(rel(tmp_path, d.directory), d.layout, d.files, d.skipped)
            for d in directories(found.migrations, found.skipped)] == [
        ("delta/56", "plain", 2, 1), ("delta/57", "plain", 2, 2)]
    # Before, the .sql.postgres files were never found and the mysql file was linted.
    assert not [d for d in lint(found.migrations, LintConfig(select=("parse-error",)), RULES)]


def test_file_dialect_names():
    assert file_dialect("x.sql.postgres") == file_dialect("x.sql.PostgreSQL") == "postgres"
    assert file_dialect("x.sql.sqlite") == "sqlite"
    assert file_dialect("1_x.mysql.up.sql") == "mysql"
    assert file_dialect("x.pg.sql") == "postgres"
    for name in ("x.sql", "1_x.up.sql", "0190_2.16.0_schema.up.sql", "x.users.sql", "V1_1__x.sql"):
        assert file_dialect(name) is None, name


# --- pop / popx ----------------------------------------------------------------------------

POP = {
    # generic only
    "20200101000001000000_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    "20200101000001000000_users.down.sql": "DROP TABLE users;\n",
    # a generic file and PostgreSQL's variant: the variant wins
    "20200101000002000000_orders.up.sql": "CREATE TABLE orders (id int);\n",
    "20200101000002000000_orders.postgres.up.sql": "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n",
    "20200101000002000000_orders.sqlite.up.sql": "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n",
    "20200101000002000000_orders.mysql.up.sql": "CREATE TABLE orders (id BIGINT AUTO_INCREMENT);\n",
    "20200101000002000000_orders.cockroach.up.sql": "CREATE TABLE orders (id INT8 PRIMARY KEY);\n",
    "20200101000002000000_orders.down.sql": "DROP TABLE orders;\n",
    # pop's synonym `pg`; outside a transaction with `.autocommit`
    "20200101000003000000_idx.pg.autocommit.up.sql":
        "CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\n",
    "20200101000003000000_idx.autocommit.down.sql": "DROP INDEX CONCURRENTLY orders_user_id_idx;\n",
    # in a transaction: CONCURRENTLY fails there
    "20200101000004000000_email.up.sql": "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n",
    "20200101000004000000_email.down.sql": "DROP INDEX users_email_idx;\n",
    # a dialect pop does not support, and a name pop ignores
    "20200101000005000000_x.oracle.up.sql": "SELECT 1 FROM dual;\n",
    "20200101000005000000_x.down.sql": "SELECT 1;\n",
    "notes.sql": "SELECT 1;\n",
}


def test_pop_variant_choice_order_and_transactions(tmp_path):
    write(tmp_path, POP)
    cands, _ = find_candidates([str(tmp_path)])
    assert [(layout.name, len(files)) for layout, files in assign(cands, "auto")] == [("pop", 14), ("auto", 1)]
    found = discover([str(tmp_path)])
    assert applied(tmp_path, found) == [
        ("20200101000001000000_users.up.sql", "up", True),
        ("20200101000001000000_users.down.sql", "down", True),
        ("20200101000002000000_orders.postgres.up.sql", "up", True),
        ("20200101000002000000_orders.down.sql", "down", True),
        ("20200101000003000000_idx.pg.autocommit.up.sql", "up", False),
        ("20200101000003000000_idx.autocommit.down.sql", "down", False),
        ("20200101000004000000_email.up.sql", "up", True),
        ("20200101000004000000_email.down.sql", "down", True),
        ("20200101000005000000_x.down.sql", "down", True),
        ("notes.sql", "up", None),
    ]
    assert {m.layout for m in found.migrations[:-1]} == {"pop"}
    assert skipped(tmp_path, found) == [
        ("20200101000002000000_orders.cockroach.up.sql", "other-dialect"),
        ("20200101000002000000_orders.mysql.up.sql", "other-dialect"),
        ("20200101000002000000_orders.sqlite.up.sql", "other-dialect"),
        ("20200101000002000000_orders.up.sql", "replaced"),
        ("20200101000005000000_x.oracle.up.sql", "other-dialect"),
    ]
    reasons = {rel(tmp_path, s.path): s.reason for s in found.skipped}
    assert reasons["20200101000002000000_orders.up.sql"] == (
        "generic file: the postgres variant 20200101000002000000_orders.postgres.up.sql replaces it")
    assert "not one pop supports" in reasons["20200101000005000000_x.oracle.up.sql"]


def test_pop_findings_follow_the_transaction_and_the_chosen_variant(tmp_path):
    write(tmp_path, POP)
    found = discover([str(tmp_path)])
    config = LintConfig(select=("concurrent-index-in-transaction", "table-without-primary-key",
                                "layout-problem", "parse-error"))
    got = [(rel(tmp_path, d.path), d.line, d.rule) for d in lint(found.migrations, config, RULES)]
    # Read as golang-migrate (no transaction, every variant applied), the one finding was a
    # parse error in the mysql variant, and CONCURRENTLY in a transaction went unseen.
    assert got == [("20200101000004000000_email.up.sql", 1, "concurrent-index-in-transaction")]


def test_pop_missing_down_is_a_layout_problem(tmp_path):
    write(tmp_path, {"1_a.postgres.up.sql": "SELECT 1;\n", "2_b.up.sql": "SELECT 2;\n",
                     "2_b.down.sql": "SELECT 2;\n"})
    found = discover([str(tmp_path)])
    got = [(rel(tmp_path, d.path), d.message) for d in lint(found.migrations, LintConfig(), RULES)
           if d.rule == "layout-problem"]
    assert got == [("1_a.postgres.up.sql", "pop version 1 has no down migration: popx refuses to start")]


def test_golang_migrate_without_dialect_names_stays_golang_migrate(tmp_path):
    write(tmp_path, {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;", "2_b.c.up.sql": "SELECT 1;"})
    cands, _ = find_candidates([str(tmp_path)])
    assert [layout.name for layout, _ in assign(cands, "auto")] == ["golang-migrate"]
    assert [m.in_transaction for m in discover([str(tmp_path)]).migrations] == [False, False, False]


def test_pop_file_names_as_pop_and_popx_read_them():
    def read(name):
        found = parse(name)
        return None if found is None else (found.version, found.dialect, found.direction, found.autocommit)

    assert read("20190611004000_create_providers.up.sql") == ("20190611004000", "all", "up", False)
    assert read("20190611004000_create_providers.pg.up.sql") == ("20190611004000", "postgres", "up", False)
    assert read("1_x.postgresql.down.sql") == ("1", "postgres", "down", False)
    assert read("1_x.autocommit.up.sql") == ("1", "all", "up", True)
    assert read("1_x.mysql.autocommit.down.sql") == ("1", "mysql", "down", True)
    assert read("1_x.crdb.up.sql") == ("1", "cockroach", "up", False)
    assert read("1_x.sqlite.up.sql") == ("1", "sqlite3", "up", False)
    for ignored in ("x.up.sql", "1_x.sql", "1_x.a.b.up.sql", "1_x.up.fizz", "1_x.Postgres.up.sql"):
        assert read(ignored) is None, ignored
