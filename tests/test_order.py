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
