"""Apply order of plain files (issue 14, class 2): a base file before its suffixed companions."""

from __future__ import annotations

import os
from pathlib import Path

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig
from schemalint.discover.discovery import discover
from schemalint.discover.layouts.base import directory_key, natural_key
from schemalint.rules import RULES


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def order(root: Path, **kwargs) -> list[tuple[str, str]]:
    return [(os.path.relpath(m.path, root).replace(os.sep, "/"), m.direction)
            for m in discover([str(root)], **kwargs).migrations]


def test_base_file_comes_before_its_suffixed_companions(tmp_path):
    # By characters `-` (0x2d) sorts before `.` (0x2e): `users-fks.sql` came first.
    write(tmp_path, {
        "001_users-fks.sql": "SELECT 1;",
        "001_users-constraints.sql": "SELECT 1;",
        "001_users-10.sql": "SELECT 1;",
        "001_users-2.sql": "SELECT 1;",
        "001_users.sql": "SELECT 1;",
        "001_users_b.sql": "SELECT 1;",
        "002_orders.down.sql": "SELECT 1;",
        "002_orders.sql": "SELECT 1;",
        "10_late.sql": "SELECT 1;",
        "9_early.sql": "SELECT 1;",
    })
    assert order(tmp_path, layout="plain") == [
        ("001_users.sql", "up"), ("001_users-2.sql", "up"), ("001_users-10.sql", "up"),
        ("001_users-constraints.sql", "up"), ("001_users-fks.sql", "up"),
        ("001_users_b.sql", "up"), ("002_orders.sql", "up"), ("002_orders.down.sql", "down"),
        ("9_early.sql", "up"), ("10_late.sql", "up"),
    ]


def test_stem_first_in_subdirectories_and_directories_keep_their_order(tmp_path):
    write(tmp_path, {
        "b/x-fks.sql": "SELECT 1;",
        "b/x.sql": "SELECT 1;",
        "a-2/y.sql": "SELECT 1;",
        "a/z.sql": "SELECT 1;",
        "a.sql": "SELECT 1;",
    })
    assert order(tmp_path) == [("a/z.sql", "up"), ("a.sql", "up"), ("a-2/y.sql", "up"),
                               ("b/x.sql", "up"), ("b/x-fks.sql", "up")]


def test_keys_compare_a_file_name_by_its_stem_and_directories_as_before():
    assert natural_key("x.sql") < natural_key("x-fks.sql") < natural_key("x_y.sql")
    assert natural_key("d/x.sql") < natural_key("d/x-2.sql") < natural_key("d/x-10.sql")
    assert natural_key("V1_9.sql") < natural_key("V1_10.sql")
    # A directory's key does not split at its dots: `a-b` stays before `a.b`.
    assert directory_key("/r/a-b") < directory_key("/r/a.b")


def test_companion_file_sees_the_table_of_its_base_file(tmp_path):
    # The foreign key in users-fks.sql is on a table users.sql created earlier: judged as
    # an existing table's change, not as a change to a table the model has not seen.
    write(tmp_path, {
        "001_users.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"
                         "CREATE TABLE users (id bigint PRIMARY KEY, account_id bigint);\n",
        "001_users-fks.sql": "ALTER TABLE users ADD CONSTRAINT users_account_fk "
                             "FOREIGN KEY (account_id) REFERENCES accounts (id);\n",
    })
    found = discover([str(tmp_path)]).migrations
    assert [os.path.basename(m.path) for m in found] == ["001_users.sql", "001_users-fks.sql"]
    config = LintConfig(select=("foreign-key-without-index", "table-without-timestamps"))
    got = [(os.path.basename(d.path), d.line, d.rule) for d in lint(found, config, RULES)]
    # In the old order the foreign key's table was unknown when it was added (no index
    # finding) and `users` was a stub when created (no timestamps finding for it).
    assert got == [("001_users.sql", 1, "table-without-timestamps"),
                   ("001_users.sql", 2, "table-without-timestamps"),
                   ("001_users-fks.sql", 1, "foreign-key-without-index")]


# --- a sqitch tree without sqitch.plan (class 3) -------------------------------------------

SQITCH_TREE = {
    "deploy/10_orders.sql": "BEGIN;\nCREATE TABLE orders (id bigint, customer_id bigint);\nCOMMIT;\n",
    "deploy/2_customers.sql": "BEGIN;\nCREATE TABLE customers (id bigint PRIMARY KEY);\nCOMMIT;\n",
    "deploy/10_orders-idx.sql": "BEGIN;\nCREATE INDEX orders_customer ON orders (customer_id);\nCOMMIT;\n",
    "revert/10_orders.sql": "BEGIN;\nDROP TABLE orders;\nCOMMIT;\n",
    "revert/2_customers.sql": "BEGIN;\nDROP TABLE customers;\nCOMMIT;\n",
    "verify/10_orders.sql": "SELECT id, customer_id FROM orders WHERE FALSE;\n",
    "verify/2_customers.sql": "SELECT id FROM customers WHERE FALSE;\n",
}


def test_sqitch_tree_without_plan_is_sqitch_in_name_order(tmp_path):
    write(tmp_path, {**SQITCH_TREE, "README.sql": "SELECT 1;\n"})
    found = discover([str(tmp_path)])
    assert order(tmp_path) == [
        ("deploy/2_customers.sql", "up"), ("revert/2_customers.sql", "down"),
        ("deploy/10_orders.sql", "up"), ("revert/10_orders.sql", "down"),
        ("deploy/10_orders-idx.sql", "up"), ("README.sql", "up"),
    ]
    assert [m.layout for m in found.migrations] == ["sqitch"] * 5 + ["plain"]
    assert {m.in_transaction for m in found.migrations[:5]} == {False}
    assert [(os.path.relpath(s.path, tmp_path), s.kind) for s in found.skipped] == [
        ("verify/2_customers.sql", "verify-script"), ("verify/10_orders.sql", "verify-script")]
    # The missing plan is reported once, on the first script.
    problems = [(os.path.relpath(d.path, tmp_path), d.line, d.rule)
                for d in lint(found.migrations, LintConfig(select=("layout-problem",)), RULES)]
    assert problems == [("deploy/2_customers.sql", 1, "layout-problem")]
    message = found.migrations[0].notes[0].message
    assert message.startswith("no sqitch.plan in ") and "name order" in message


def test_sqitch_tree_without_plan_reverts_are_down_and_verify_is_not_linted(tmp_path):
    write(tmp_path, SQITCH_TREE)
    found = discover([str(tmp_path)]).migrations
    config = LintConfig(select=("drop-table", "table-without-primary-key", "create-index-non-concurrently",
                                "layout-problem"))
    got = [(os.path.relpath(d.path, tmp_path), d.line, d.rule) for d in lint(found, config, RULES)]
    # Read as plain, revert/ ran as up migrations: two drop-table findings, and the tables
    # were gone from the schema (no table-without-primary-key on orders).
    assert got == [("deploy/2_customers.sql", 1, "layout-problem"),
                   ("deploy/10_orders.sql", 2, "table-without-primary-key"),
                   ("deploy/10_orders-idx.sql", 2, "create-index-non-concurrently")]


def test_explicit_sqitch_layout_without_plan_and_a_nested_tree(tmp_path):
    write(tmp_path, {f"db/{k}": v for k, v in SQITCH_TREE.items()})
    for layout in ("sqitch", "auto"):
        found = discover([str(tmp_path)], layout=layout)
        assert [(os.path.relpath(m.path, tmp_path), m.direction) for m in found.migrations] == [
            ("db/deploy/2_customers.sql", "up"), ("db/revert/2_customers.sql", "down"),
            ("db/deploy/10_orders.sql", "up"), ("db/revert/10_orders.sql", "down"),
            ("db/deploy/10_orders-idx.sql", "up")]
        assert len(found.skipped) == 2


def test_a_deploy_directory_alone_is_not_a_sqitch_tree(tmp_path):
    write(tmp_path, {"deploy/1_a.sql": "SELECT 1;", "deploy/2_b.sql": "SELECT 1;"})
    found = discover([str(tmp_path)])
    assert [m.layout for m in found.migrations] == ["plain", "plain"]
    assert not found.migrations[0].notes


def test_sqitch_with_plan_skips_verify_and_scripts_outside_the_plan(tmp_path):
    write(tmp_path, {
        "sqitch.plan": "%project=x\n\na 2024-01-01T00:00:00Z Ann <a@example.com>\n",
        "deploy/a.sql": "SELECT 1;", "revert/a.sql": "SELECT 1;", "verify/a.sql": "SELECT 1;",
        "deploy/old.sql": "SELECT 1;",
    })
    found = discover([str(tmp_path)])
    assert order(tmp_path) == [("deploy/a.sql", "up"), ("revert/a.sql", "down")]
    assert [(os.path.relpath(s.path, tmp_path), s.kind) for s in found.skipped] == [
        ("deploy/old.sql", "not-in-plan"), ("verify/a.sql", "verify-script")]
