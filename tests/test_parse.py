"""Positions: byte offsets from libpg_query become 1-based line/column in characters."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemalint.discover.source import Migration, decode_bytes
from schemalint.parse.statements import parse_migration, split_statements
from tests.helpers import lint_sql


def _parse(text: str):
    return parse_migration(Migration(path="m.sql", text=text))


def test_statement_spans_skip_leading_comments_and_exclude_semicolon():
    text = "-- a comment\n/* block /* nested */ */\n  CREATE TABLE t (a int);\nSELECT 1"
    stmts = _parse(text).statements
    assert [s.text for s in stmts] == ["CREATE TABLE t (a int)", "SELECT 1"]
    assert [s.kind for s in stmts] == ["CreateStmt", "SelectStmt"]


@pytest.mark.parametrize(
    "prefix",
    ["", "-- 日本語のコメント\n", "SELECT 'émoji 🎉 ünïcode';\n", "\t\t"],
    ids=["ascii", "cjk-comment", "emoji-literal", "tabs"],
)
def test_node_positions_are_characters_after_non_ascii_text(prefix):
    text = prefix + "CREATE INDEX i ON orders (customer_id);"
    diags = [d for d in lint_sql(text, select=("create-index-non-concurrently",))]
    assert len(diags) == 1
    line = prefix.count("\n") + 1
    col = len(prefix.rsplit("\n", 1)[-1]) + len("CREATE INDEX i ON ") + 1
    assert (diags[0].line, diags[0].column) == (line, col)
    assert (diags[0].end_line, diags[0].end_column) == (line, col + len("orders"))


def test_bom_is_dropped_and_crlf_lines_count_once():
    raw = "\ufeff-- première\r\nSELECT 1;\r\nCREATE INDEX i ON orders (c);\r\n".encode("utf-8")
    decoded = decode_bytes(raw)
    assert decoded.invalid_at is None and not decoded.text.startswith("\ufeff")
    diags = lint_sql(decoded.text, select=("create-index-non-concurrently",))
    assert [(d.line, d.column, d.end_column) for d in diags] == [(3, 19, 25)]


def test_invalid_utf8_is_replaced_and_located():
    decoded = decode_bytes(b"SELECT 1;\nSELECT '\xff';\n")
    assert decoded.invalid_at == len("SELECT 1;\nSELECT '")
    assert "\ufffd" in decoded.text


def test_syntax_error_is_located_and_other_statements_still_checked():
    text = ("CREATE INDEX a ON t (x);\n"
            "CREATE TABEL oops (id int);\n"
            "SELECT 'ü';  CREATE INDEX b ON t (y);\n")
    diags = lint_sql(text, select=("create-index-non-concurrently",))
    got = [(d.rule, d.line, d.column) for d in diags]
    assert got == [
        ("create-index-non-concurrently", 1, 19),
        ("parse-error", 2, 8),
        ("create-index-non-concurrently", 3, 32),
    ]
    assert "syntax error at or near \"TABEL\"" in diags[1].message


def test_syntax_error_after_non_ascii_points_at_the_right_character():
    text = "SELECT 'ééé';\nSELECT 'ü' FROM WHERE;\n"
    (err,) = [d for d in lint_sql(text) if d.rule == "parse-error"]
    assert (err.line, err.column) == (2, 17)


def test_unterminated_statement_at_end_of_file():
    (err,) = [d for d in lint_sql("SELECT 1;\nSELECT (1,\n") if d.rule == "parse-error"]
    assert err.line == 2


def test_function_body_with_begin_atomic_survives_recovery():
    text = (
        "CREATE TABEL broken (a int);\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\n"
        "CREATE INDEX i ON t (a);\n"
    )
    diags = lint_sql(text, select=("create-index-non-concurrently",))
    assert [(d.rule, d.line) for d in diags] == [
        ("parse-error", 1),
        ("create-index-non-concurrently", 7),
    ]


def test_split_statements_respects_quotes_comments_and_dollar_quotes():
    text = "a ';' ; b $x$ ; $x$ ; c /* ; /* ; */ */ ; d \"q;\" ; e -- ;\n;"
    pieces = [text[s:e].strip() for s, e in split_statements(text)]
    assert pieces == ["a ';'", "b $x$ ; $x$", "c /* ; /* ; */ */", 'd "q;"', "e -- ;"]


def test_empty_and_comment_only_files():
    assert _parse("").statements == []
    assert _parse("-- nothing here\n").statements == []
    assert lint_sql("   \n") == []


@given(st.text(alphabet=st.sampled_from("ab;\n é€😀ßΩ顧"), max_size=60))
@settings(max_examples=300, deadline=None)
def test_offset_map_agrees_with_encoding(text):
    """Every character boundary's UTF-8 byte offset maps back to its character offset,
    across runs of 2-, 3- and 4-byte characters, mixed or not."""
    from schemalint.parse.statements import OffsetMap

    offsets = OffsetMap(text)
    for i in range(len(text) + 1):
        assert offsets.char_of_byte(len(text[:i].encode("utf-8"))) == i


def test_parse_and_result_share_one_offset_map():
    """parse_migration builds a file's byte->character tables once: parse_sql builds them
    in the map build_result then gives the statements."""
    from schemalint.parse import statements as parse_mod

    built = []
    real = parse_mod.OffsetMap._build

    def counting(self):
        built.append(self.text)
        return real(self)

    mig = Migration(path="001.sql", text="SELECT 'é';\nSELECT 'ü';\n")
    parse_mod.OffsetMap._build = counting
    try:
        first, second = parse_migration(mig).statements
    finally:
        parse_mod.OffsetMap._build = real
    assert built == [mig.text]
    assert first._offsets is second._offsets
    assert (second.start, second.end) == (12, 22)
