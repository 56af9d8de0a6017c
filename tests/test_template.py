"""Templated SQL: rendered before parsing, findings at the original line and column."""

from __future__ import annotations

import subprocess
import sys

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig
from schemalint.discover.layouts import LoadEnv
from schemalint.discover.layouts.base import prepare
from schemalint.discover.template import render
from schemalint.rules import RULES


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


def test_psql_lexer_classes_are_spelled_cheaply_but_mean_the_same():
    # template.py spells [A-Za-z_\x80-\uffff] and friends without a range inside U+0100..U+FFFF
    # (compiling such a range costs 2-5 ms each); the characters they match must not change.
    import re

    from schemalint.discover import template as t

    # The BMP, and astral letters (\w), symbols and the last plane's end.
    codes = [*range(0x10000), *range(0x10000, 0x10100), *range(0x1D400, 0x1D500), *range(0x1F600, 0x1F700),
             *range(0x20000, 0x20100), *range(0x10FF00, 0x110000)]
    every = "".join(map(chr, codes))
    pairs = [
        (t._BMP_NON_ASCII + "+", r"[\x80-\uffff]+"),
        (t._WORD_START + "+", r"[A-Za-z_\x80-\uffff]+"),
        (t._WORD_START + t._WORD_REST, r"[A-Za-z_\x80-\uffff][\w$\x80-\uffff]*"),
        (t._WORD_START + t._TAG_REST, r"[A-Za-z_\x80-\uffff][\w\x80-\uffff]*"),
        ("(?:[\\w$]|(?!\\w)" + t._BMP_NON_ASCII + ")+", r"[\w$\x80-\uffff]+"),
        ("(?:\\w|(?!\\w)" + t._BMP_NON_ASCII + ")+", r"[\w\x80-\uffff]+"),
        (t._OTHER, r"[^'\"$;:/\\\[\]A-Za-z_\x80-\uffff-]+"),
    ]
    for cheap, plain in pairs:
        assert re.sub(cheap, "", every) == re.sub(plain, "", every), (cheap, plain)


def _psql_samples(count: int, seed: int):
    import random

    pieces = ["select", " ", "\n", "E'", "e'a\\'b'", "'", "''", '"', "x", "$$", "$tag$", "$é$", "$1", "a$b",
              "--", "-- c\n", "/*", "*/", "/", "-", "\\", "\\set v 1\n", "\\i f.sql\n", "\\ir g.sql\n", "\\g\n",
              "\\.\n", ":", "::", ":v", ":'v'", ':"v"', ":x", ":e", ":E", ";", "[", "]", "[1:n]", "copy t from ",
              "é", "×", "\u00a0", "😀", "𝐀", "Ⅷ", "1", "1E'x'", "E", "_", "\r\n", "{{", "${x}", ":=", "a:b", "(",
              "\\echo :v\n", "\\unset v\n", " IS ", "\t"]
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))


def test_the_lexer_for_text_without_copy_renders_like_the_full_one(monkeypatch):
    # Without `stdin` in the text, psql rendering skips words and semicolons in runs; what it
    # renders, and where, must be what the word-by-word lexer renders.
    from schemalint.discover import template as t

    values = {"v": "val", "x": "a'b\"c"}
    samples = list(_psql_samples(3000, seed=7)) + [
        ":e'a\\'b' :v", "x::E'a\\'b' :v", "×$tag$ :v $tag$ :v", "😀$$ :v $$", "𝐀$$ :v", "1E'x\\' :v' :v",
        "ab$E'x\\' :v' :v", "E'\\'' :v", "'a'E'\\' :v' :v", ":::E'\\' :v' :v",
    ]
    assert not any("stdin" in s.lower() for s in samples)
    fast = [(t._render_psql(s, values, inc := []).edits, [(i.offset, i.path) for i in inc]) for s in samples]
    monkeypatch.setattr(t, "_PSQL_TOKEN_NO_COPY", t._PSQL_TOKEN)
    full = [(t._render_psql(s, values, inc := []).edits, [(i.offset, i.path) for i in inc]) for s in samples]
    assert fast == full
    # `:e` is the variable e, and the quote after it opens a plain string (a backslash does not
    # escape, so `:v` is inside the string); after `::`, `E'` opens an escape string.
    assert render(":e'a\\'b' :v", values).sql == " e'a\\'b' :v"
    assert render("x::E'a\\'b' :v'", values).sql == "x::E'a\\'b' val'"


def test_block_comments_nest_and_may_end_past_the_limit():
    from schemalint.discover.source import block_comment_end

    def stepwise(text, start, limit):
        depth, pos = 1, start + 2
        while pos < limit and depth:
            if text.startswith("/*", pos):
                depth, pos = depth + 1, pos + 2
            elif text.startswith("*/", pos):
                depth, pos = depth - 1, pos + 2
            else:
                pos += 1
        return pos

    texts = ["/* a */ b", "/* a /* b */ c */ d", "/*/ x */", "/* */*/", "/* a", "/* a /* b */", "/**/", "/*/**/*/x",
             "/* x *", "/* x */* y"]
    for text in texts:
        for limit in range(len(text) + 2):
            assert block_comment_end(text, 0, limit) == stepwise(text, 0, limit), (text, limit)
        assert block_comment_end(text, 0) == stepwise(text, 0, len(text))


def test_go_template_function_calls_use_the_configured_value():
    # ory's templates: `{{ index .Options "Namespace" }}` rendered as the schema `index`.
    text = ('CREATE INDEX identities_email ON {{ index .Options "Namespace" }}.identities (email);\n'
            'CREATE INDEX sessions_user ON {{ printf "%s" .Schema }}.sessions (user_id);\n'
            "CREATE INDEX events_at ON {{ var('schema') }}.events (at);\n")
    (mig,), diags = check(text, {"Namespace": "auth", "Schema": "app", "schema": "analytics"})
    assert [line.split() for line in mig.sql.splitlines()] == [
        ["CREATE", "INDEX", "identities_email", "ON", "auth", ".identities", "(email);"],
        ["CREATE", "INDEX", "sessions_user", "ON", "app", ".sessions", "(user_id);"],
        ["CREATE", "INDEX", "events_at", "ON", "analytics", ".events", "(at);"]]
    messages = [d.message for d in diags if d.rule == "create-index-non-concurrently"]
    assert ["`auth.identities`" in messages[0], "`app.sessions`" in messages[1],
            "`analytics.events`" in messages[2]] == [True, True, True]
    assert at(diags, "create-index-non-concurrently") == [(1, 34), (2, 31), (3, 27)]  # the template
    assert mig.template.kinds == ["go/jinja"]
    assert mig.template.placeholders == {"Namespace": "config", "Schema": "config", "schema": "config"}


def test_go_template_map_entry_by_its_full_path_and_unset_values_by_their_key():
    text = 'CREATE TABLE {{ index .Options "Namespace" }}.t (a int);\n'
    (mig,), _ = check(text, {"Options.Namespace": "tenant"})
    assert mig.sql.startswith("CREATE TABLE tenant ")
    (mig,), _ = check(text)
    # Without a value: an identifier made of the key, not of the function's name.
    assert mig.sql.startswith("CREATE TABLE Namespace ")
    assert mig.template.placeholders == {"Namespace": "unset"}


def test_template_use_records_kinds_and_where_each_value_came_from():
    text = "\\set owner app\nALTER TABLE ${schema}.t OWNER TO :owner;\nSELECT :'missing';\n{% if x %}{% endif %}\n"
    rendered = render(text, {"schema": "s"})
    assert rendered.use.kinds == ["psql", "flyway", "go/jinja"]
    assert rendered.use.placeholders == {"owner": "set", "missing": "unset", "schema": "config"}
    assert render("SELECT 1;\n") is None
