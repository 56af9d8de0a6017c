"""Templated SQL: rendered before parsing, findings at the original line and column."""

from __future__ import annotations

import subprocess
import sys

from schemalint.config import LintConfig
from schemalint.engine import lint
from schemalint.layouts import LoadEnv
from schemalint.layouts.base import prepare
from schemalint.rules import RULES
from schemalint.template import render


def check(text: str, values=None, path: str = "m.sql", select=("ALL",)):
    migrations = prepare(path, text, LoadEnv(placeholders=values or {}))
    return migrations, lint(migrations, LintConfig(select=tuple(select)), RULES)


def at(diags, rule):
    return [(d.line, d.column) for d in diags if d.rule == rule]


def test_plain_sql_is_not_rendered():
    text = "CREATE TABLE t (a int DEFAULT 1::int, b text CHECK (b ~ '^\\d+$'));\n"
    assert render("SELECT a::text, x := 1;") is None
    (mig,), diags = check(text)
    assert mig.sql is None or mig.sql == text
    assert not at(diags, "parse-error")


def test_psql_variables_set_and_interpolated_with_positions_kept():
    text = (
        "\\set schema 'a_really_long_schema_name'\n"
        "\\set owner app\n"
        "\\echo creating :schema\n"
        "CREATE INDEX i ON :schema.orders (c); ALTER TABLE t OWNER TO :\"owner\";\n"
        "COMMENT ON TABLE t IS :'schema'; CREATE INDEX j ON orders (c);\n"
    )
    (mig,), diags = check(text)
    assert "CREATE INDEX i ON a_really_long_schema_name.orders" in mig.sql
    assert "'a_really_long_schema_name'" in mig.sql and '"app"' in mig.sql
    assert not at(diags, "parse-error")
    # Both findings at their place in the file, the second after a length-changing substitution.
    assert at(diags, "create-index-non-concurrently") == [(4, 19), (5, 52)]


def test_unknown_placeholders_render_to_something_parseable():
    text = (
        "CREATE SCHEMA :schema;\n"
        "CREATE TABLE :\"schema\".t (a int DEFAULT :'dflt');\n"
        "COMMENT ON TABLE t IS ${comment};\n"
        "SELECT arr[1:n], arr[lo:hi], x::int FROM ${flyway:defaultSchema}.tbl;\n"
        "CREATE INDEX i ON {{ .Schema }}.orders (c);\n"
    )
    (mig,), diags = check(text)
    assert not at(diags, "parse-error"), mig.sql
    assert "arr[lo:hi]" in mig.sql  # a slice, not a variable
    assert at(diags, "create-index-non-concurrently") == [(5, 19)]


def test_psql_meta_commands_and_copy_data_are_skipped():
    text = (
        "\\connect mydb\n"
        "\\c other\n"
        "\\pset format unaligned\n"
        "SELECT 1 \\gset\n"
        "SELECT :'x' \\g\n"
        "COPY t (a, b) FROM stdin;\n"
        "1\tthis is not SQL; DROP TABLE x\n"
        "\\.\n"
        "\\copy t from stdin\n"
        "2\tnot sql either\n"
        "\\.\n"
        "\\copy t to 'out.csv' csv\n"
        "\\if :flag\n"
        "CREATE INDEX i ON t (a);\n"
        "\\endif\n"
    )
    (mig,), diags = check(text)
    assert not at(diags, "parse-error"), mig.sql
    assert at(diags, "create-index-non-concurrently") == [(14, 19)]
    assert "DROP" not in mig.sql and "not sql either" not in mig.sql


def test_psql_include_is_followed_in_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "tables.sql").write_text("CREATE TABLE big (a int);\n")
    main = tmp_path / "main.sql"
    main.write_text("\\ir sub/tables.sql\nCREATE INDEX i ON big (a);\n\\i missing.sql\n")
    proc = subprocess.run([sys.executable, "-m", "schemalint", "check", "--select", "ALL", str(main)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert "parse-error" not in proc.stdout
    # The included file was linted (its table has no timestamps) before the index on it.
    assert proc.stdout.index("tables.sql") < proc.stdout.index("main.sql")


def test_jinja_and_go_templates():
    text = (
        "{# a jinja comment #}\n"
        "{% if target == 'prod' %}\n"
        "CREATE INDEX i ON {{ schema }}.orders (c);\n"
        "{% endif %}\n"
        "{{ if .Prod }}CREATE INDEX j ON {{ .Schema }}.orders (c);{{ end }}\n"
        "SELECT '{{1,2},{3,4}}'::int[], '{{1,2}}'::int[];\n"
    )
    (mig,), diags = check(text, {"schema": "s"})
    assert not at(diags, "parse-error"), mig.sql
    assert at(diags, "create-index-non-concurrently") == [(3, 19), (5, 33)]
    assert "'{{1,2},{3,4}}'" in mig.sql


def test_findings_after_a_longer_value_keep_their_original_column():
    text = "CREATE TABLE ${s}.x (a int); CREATE INDEX i ON orders (a);\n"
    (_,), short = check(text, {"s": "q"})
    (_,), long = check(text, {"s": "a" * 200})
    assert at(short, "create-index-non-concurrently") == at(long, "create-index-non-concurrently") == [(1, 48)]


def test_sqlfluff_is_never_imported_for_plain_files(tmp_path):
    f = tmp_path / "a.sql"
    f.write_text("CREATE TABLE t (a int);\n")
    code = (f"import sys; from schemalint.cli import main; main(['check', '--fail-on', 'never', {str(f)!r}]); "
            "print('sqlfluff' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")
