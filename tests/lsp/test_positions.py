"""LSP positions from schemalint's character offsets and back (linter/lsp/positions.py), and
the file a URI names."""

from __future__ import annotations

import os

import pytest

from schemalint.lsp.positions import UTF8, UTF16, UTF32, PositionMap

pytest.importorskip("lsprotocol")  # features.py (path_of) needs it: the `lsp` extra

from schemalint.lsp.features import path_of  # noqa: E402

# "é" is one unit in UTF-16 and UTF-32, two in UTF-8; "😀" (U+1F600, outside the Basic
# Multilingual Plane) is two UTF-16 units (a surrogate pair) and four UTF-8 bytes.
TEXT = "-- é😀\nCREATE INDEX i ON orders (id);\r\nSELECT 1;\rSELECT '😀', 2;"


def _units(s: str, encoding: str) -> int:
    if encoding == UTF16:
        return len(s.encode("utf-16-le")) // 2
    return len(s.encode("utf-8")) if encoding == UTF8 else len(s)


@pytest.mark.parametrize("encoding", [UTF16, UTF8, UTF32])
def test_every_offset_maps_to_its_line_and_units_and_back(encoding):
    positions = PositionMap(TEXT, encoding)
    lines = ["-- é😀", "CREATE INDEX i ON orders (id);", "SELECT 1;", "SELECT '😀', 2;"]
    starts = [0, 6, 38, 48]  # after "\n", "\r\n" and a lone "\r"
    for line, (start, text) in enumerate(zip(starts, lines)):
        for col in range(len(text) + 1):
            offset = start + col
            assert positions.position(offset) == (line, _units(text[:col], encoding))
            assert positions.offset(line, _units(text[:col], encoding)) == offset


def test_astral_characters_count_two_utf16_units():
    positions = PositionMap("😀x", UTF16)
    assert positions.position(1) == (0, 2)
    assert positions.offset(0, 2) == 1
    # The second unit of the surrogate pair is inside the character: its start.
    assert positions.offset(0, 1) == 0
    assert PositionMap("😀x", UTF8).position(1) == (0, 4)
    assert PositionMap("😀x", UTF32).position(1) == (0, 1)


def test_positions_outside_the_text_are_clamped():
    positions = PositionMap("ab\r\ncd", UTF16)
    assert positions.position(-3) == (0, 0)
    assert positions.position(99) == (1, 2)
    assert positions.position(3) == (0, 2)  # inside "\r\n": the end of line 0
    assert positions.offset(0, 99) == 2  # past the end of a line: its end
    assert positions.offset(5, 0) == 6  # past the last line: the end of the text
    assert positions.offset(-1, 4) == 0
    assert PositionMap("", UTF16).position(0) == (0, 0)
    assert PositionMap("a\n", UTF16).position(2) == (1, 0)


def test_a_lone_surrogate_from_the_client_counts_one_unit():
    positions = PositionMap("\ud800x", UTF16)
    assert positions.position(1) == (0, 1)
    assert PositionMap("\ud800x", UTF8).position(1) == (0, 3)


@pytest.mark.skipif(os.name == "nt", reason="POSIX paths")
def test_path_of_decodes_file_uris():
    assert path_of("file:///tmp/a%20b/%C3%A9%23.sql") == "/tmp/a b/é#.sql"
    assert path_of("file://localhost/tmp/x.sql") == "/tmp/x.sql"
    assert path_of("untitled:Untitled-1") is None


def test_a_byte_order_mark_kept_by_the_editor_shifts_the_first_line(tmp_path, monkeypatch):
    from lsprotocol import types as lsp

    from schemalint.lsp.features import Document
    from schemalint.lsp.lint import DocumentChecker

    monkeypatch.chdir(tmp_path)
    text = "\ufeffCREATE INDEX i ON orders (id);\n"  # schemalint drops the mark, as check does
    doc = Document("untitled:x", 1, DocumentChecker(no_config=True).check(None, text), UTF16)
    finding = next(d for d in doc.lsp_diagnostics if d.code == "SL101")
    assert finding.range.start == lsp.Position(0, text.index("orders"))
    fix = doc.code_actions(finding.range, [lsp.CodeActionKind.QuickFix.value], versioned=False)
    at = lsp.Position(0, text.index(" i ON"))
    assert fix[0].edit.changes["untitled:x"] == [lsp.TextEdit(lsp.Range(at, at), " CONCURRENTLY")]
