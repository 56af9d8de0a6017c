"""What a CREATE TABLE that does not parse still tells: the table's name, and the column
definitions and constraints that parse on their own.

Without it the table stays unknown, and every later statement on it is judged as on a table
older than the history (a plain CREATE INDEX on it, a NOT NULL column added to it ...). The
statement fails to parse, so PostgreSQL would reject it too; but the history was written to
run, and the likeliest story is a typo our parser and the author's server read differently
(a newer keyword, a dialect construct): the table is taken as created in that file.
"""

from __future__ import annotations

import re

from schemalint.lazyre import lazy
from schemalint.parse.statements import (
    Statement,
    migration_offsets,
    parse_sql,
    shift_locations,
    split_statements,
)

_IDENT = r'(?:"(?:[^"]|"")*"|[^\s."(),;]+)'
# The head of a CREATE TABLE, up to its opening parenthesis.
_HEAD = lazy(
    rf"\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?"
    rf"(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_IDENT}(?:\s*\.\s*{_IDENT})*)\s*\(",
    re.I | re.S,
)
_PROBE = "CREATE TABLE _ ("


def with_recovered(model, migration, result):
    """The statements of `result` (a parse of `migration` with errors), folding into
    `model`, just before the statement that follows it, each CREATE TABLE recovered from a
    piece that failed to parse. Rules never see the recovered statements."""
    pending = recovered_creates(migration, result)
    statements = result.statements
    if not pending:
        yield from statements
        return
    for stmt in statements:
        while pending and pending[0].start < stmt.start:
            model.fold(pending.pop(0))
        yield stmt
    for rec in pending:
        model.fold(rec)


def recovered_creates(migration, result) -> list[Statement]:
    """A CreateStmt for each failed piece of `migration` that opens as a CREATE TABLE: its
    name, persistence and IF NOT EXISTS, and the table elements that parse alone, with
    locations in the file's parsed text (so the model's sites point into the file)."""
    offsets = migration_offsets(migration)
    text = migration.parse_text
    original = offsets.original
    failed = sorted(e.start for e in result.errors)
    if not failed:
        return []
    out: list[Statement] = []
    byte_of = _ByteOffsets(text)
    previous = {s.start: s.index for s in result.statements}
    starts = sorted(previous)
    for start, end in split_statements(text):
        lo, hi = original(start), original(end)
        if not any(lo <= pos <= hi for pos in failed):
            continue
        node = _recover(text, start, end, byte_of)
        if node is None:
            continue
        before = [s for s in starts if s < lo]
        index = previous[before[-1]] + 0.5 if before else -0.5
        out.append(Statement(migration, index, "CreateStmt", node, lo, hi, offsets,
                             _sql_start=start, _sql_end=end))
    return out


def _recover(text: str, start: int, end: int, byte_of) -> dict | None:
    m = _HEAD().match(text, start, end)
    if m is None:
        return None
    head = _parse_one(m.group(1) + " ()")
    if head is None or "CreateStmt" not in head:
        return None
    node = head["CreateStmt"]
    shift_locations(node, byte_of(m.start(1)))
    node["tableElts"] = elements = []
    for a, b in _elements(text, m.end(), end):
        elem = _parse_one(_PROBE + text[a:b] + ")")
        if elem is not None and "CreateStmt" in elem and elem["CreateStmt"].get("tableElts"):
            item = elem["CreateStmt"]["tableElts"][0]
            shift_locations(item, byte_of(a) - len(_PROBE))
            elements.append(item)
        else:
            name = re.match(_IDENT, text[a:b])
            if name and not _KEYWORD_START().match(text, a, b):
                colname = name.group(0)
                colname = colname[1:-1].replace('""', '"') if colname.startswith('"') else colname.lower()
                elements.append({"ColumnDef": {"colname": colname, "location": byte_of(a)}})
    return node


# Table elements that are not column definitions.
_KEYWORD_START = lazy(r"(?:CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE|LIKE)\b", re.I)


def _elements(text: str, pos: int, end: int) -> list[tuple[int, int]]:
    """The top-level comma-separated spans between the table's parentheses (to its closing
    parenthesis, or the end of the piece when it has none), stripped of spaces."""
    out = []
    depth, start, i = 0, pos, pos
    while i < end:
        c = text[i]
        if c in "'\"":
            close = text.find(c, i + 1, end)
            while close != -1 and text.startswith(c, close + 1):
                close = text.find(c, close + 2, end)
            i = end if close == -1 else close + 1
            continue
        if text.startswith("--", i):
            nl = text.find("\n", i, end)
            i = end if nl == -1 else nl + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                end = i
                break
            depth -= 1
        elif c == "," and depth == 0:
            out.append((start, i))
            start = i + 1
        i += 1
    out.append((start, end))
    spans = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
    return spans


def _parse_one(sql: str) -> dict | None:
    statements, errors = parse_sql(sql)
    if errors or len(statements) != 1:
        return None
    kind, node, _, _ = statements[0]
    return {kind: node}


class _ByteOffsets:
    """Character offset -> UTF-8 byte offset in `text`, for increasing offsets (node
    locations are byte offsets)."""

    def __init__(self, text: str) -> None:
        self.text, self.ascii = text, text.isascii()
        self.char = self.byte = 0

    def __call__(self, char: int) -> int:
        if self.ascii:
            return char
        if char < self.char:
            self.char = self.byte = 0
        self.byte += len(self.text[self.char:char].encode("utf-8"))
        self.char = char
        return self.byte
