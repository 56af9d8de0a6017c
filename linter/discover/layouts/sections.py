"""Layouts whose files hold an up and a down section: goose and dbmate."""

from __future__ import annotations

import re

from schemalint.diagnostics.engine_rules import LAYOUT_PROBLEM
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.discover.layouts.base import STRING, Candidate, Layout, LoadEnv, sections
from schemalint.discover.source import Migration, decode_bytes
from schemalint.lazyre import lazy

# goose reads annotations from comment lines: `-- +goose Up`, `-- +goose Down`,
# `-- +goose StatementBegin` / `StatementEnd`, `-- +goose NO TRANSACTION`, `-- +goose ENVSUB ON`.
GOOSE_MARK = lazy(r"^[ \t]*--[ \t]*\+goose[ \t]+(?P<cmd>[^\r\n]*?)[ \t]*\r?$", re.M | re.I)
# "+goose" in any case, found at C speed (a literal first character) where GOOSE_MARK, which
# starts with `^`, would be tried at every position of the file.
_GOOSE_WORD = lazy(r"\+goose", re.I)
# dbmate: `-- migrate:up [transaction:false]` / `-- migrate:down [transaction:false]`.
DBMATE_MARK = lazy(r"^[ \t]*--[ \t]*migrate:(?P<dir>up|down)\b(?P<opts>[^\r\n]*)$", re.M)
_DBMATE_NO_TX = lazy(r"\btransaction:false\b")
_DBMATE_WORD = lazy("migrate:")


def _line_marks(text: str, word: lazy, mark: lazy):
    """mark().finditer(text), the same matches, when every match of `mark` is one line (from
    its start) that holds a match of `word`: only those lines are tried."""
    search = word().search
    match = mark().match
    pos = 0
    while True:
        hit = search(text, pos)
        if hit is None:
            return
        m = match(text, text.rfind("\n", 0, hit.start()) + 1)
        if m is not None:
            yield m
        line_end = text.find("\n", hit.end())
        if line_end == -1:
            return
        pos = line_end + 1


def goose_marks(text: str):
    return _line_marks(text, _GOOSE_WORD, GOOSE_MARK)


def dbmate_marks(text: str):
    return _line_marks(text, _DBMATE_WORD, DBMATE_MARK)


def _note(path: str, text: str, message: str):
    return make_diagnostic(LAYOUT_PROBLEM, Migration(path=path, text=text), 0, 0, message,
                           help="Add the framework's up/down markers to this file.")


def _spaces_but_cr(text: str) -> str:
    if "\r" not in text and "\n" not in text:
        return " " * len(text)
    return "".join(c if c in "\r\n" else " " for c in text)


def _has_content(text: str, start: int, end: int) -> bool:
    return start < end and not text[start:end].isspace()


class GooseLayout(Layout):
    name = "goose"
    description = "-- +goose Up / Down sections, StatementBegin/End blocks, NO TRANSACTION"
    transaction = True  # goose runs each migration in a transaction unless NO TRANSACTION
    # goose splits the file with its SQL parser (StatementBegin/End keep a block whole) and
    # runs each statement with its own ExecContext: STATEMENTS.

    @staticmethod
    def sniff(text: str) -> bool:
        return "+goose" in text and next(goose_marks(text), None) is not None

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        return goose_sections(cand.path, decoded.text, env, decoded.invalid_at)


def goose_sections(path: str, text: str, env: LoadEnv, invalid_at: int | None = None) -> list[Migration]:
    in_tx = True
    marks: list[tuple[int, int, str]] = []  # (line start, line end, "up"/"down")
    ends: list[tuple[int, int]] = []  # StatementEnd lines, turned into a statement terminator
    for m in goose_marks(text):
        cmd = " ".join(m.group("cmd").lower().split())
        if cmd == "up":
            marks.append((m.start(), m.end(), "up"))
        elif cmd == "down":
            marks.append((m.start(), m.end(), "down"))
        elif cmd == "no transaction":
            in_tx = False
        elif cmd == "statementend":
            # goose sends a StatementBegin/End block as one statement even without a final ';'.
            ends.append(m.span())
    sql_text = text
    if ends:
        parts, pos = [], 0
        for start, end in ends:  # in order, on lines of their own
            rest = text[start + 1:end]
            parts += [text[pos:start], ";", _spaces_but_cr(rest)]
            pos = end
        parts.append(text[pos:])
        sql_text = "".join(parts)
    if not marks:
        notes = [_note(path, text, "no `-- +goose Up` annotation: goose would refuse this file; "
                                   "it was checked as one up migration")]
        return sections(path, text, [(0, len(text), "up", in_tx)], env, invalid_at, notes, sql_text)
    spans = []
    for i, (_, line_end, direction) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        if direction == "up" or _has_content(sql_text, line_end, end):
            spans.append((line_end, end, direction, in_tx))
    return sections(path, text, spans or [(0, 0, "up", in_tx)], env, invalid_at, None, sql_text)


class DbmateLayout(Layout):
    name = "dbmate"
    description = "-- migrate:up / -- migrate:down sections, transaction:false"
    transaction = True  # dbmate wraps each section in a transaction unless transaction:false
    # dbmate runs a section with one Exec of its whole text (lib/pq: one query string), in a
    # transaction or, with transaction:false, as an implicit transaction block of its statements.
    sends = STRING

    @staticmethod
    def sniff(text: str) -> bool:
        return "migrate:" in text and next(dbmate_marks(text), None) is not None

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        return dbmate_sections(cand.path, decoded.text, env, decoded.invalid_at)


def dbmate_sections(path: str, text: str, env: LoadEnv, invalid_at: int | None = None) -> list[Migration]:
    marks = list(dbmate_marks(text))
    if not marks:
        notes = [_note(path, text, "no `-- migrate:up` marker: dbmate would refuse this file; "
                                   "it was checked as one up migration")]
        return sections(path, text, [(0, len(text), "up", True)], env, invalid_at, notes)
    spans = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        direction = m.group("dir")
        if direction == "up" or _has_content(text, m.end(), end):
            spans.append((m.end(), end, direction, not _DBMATE_NO_TX().search(m.group("opts"))))
    return sections(path, text, spans, env, invalid_at)
