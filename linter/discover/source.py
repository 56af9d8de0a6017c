"""A migration file: its decoded text, line index and the SQL handed to the parser."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

from schemalint.records import Record

UTF8_BOM = b"\xef\xbb\xbf"


class DecodeResult(Record):
    __slots__ = ("invalid_at", "text")
    _fields = ("text", "invalid_at")

    def __init__(self, text: str, invalid_at: int | None = None) -> None:
        self.text = text
        # Character offset of the first byte that was not valid UTF-8, if any.
        self.invalid_at = invalid_at

def decode_bytes(data: bytes) -> DecodeResult:
    """Decode a migration file.

    A UTF-8 BOM is dropped (PostgreSQL's own `psql -f` ignores it too) so that
    line 1, column 1 is the first real character. Bytes that are not UTF-8 are
    replaced with U+FFFD and the position of the first one is returned so the
    engine can report an `invalid-encoding` finding; the rest of the file is
    still linted.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return DecodeResult(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        return DecodeResult(data.decode("utf-8", errors="replace"), invalid_at=len(prefix))


class LineIndex:
    """Maps character offsets to 1-based (line, column). Lines end at '\\n' (so CRLF works).

    The line starts are found on the first lookup: discovery makes one index per file (shared
    by the file's sections), and a file without findings never needs it."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: list[int] | None = None

    def _build(self) -> list[int]:
        # Line i + 1 starts after line i and its "\n": a running sum of (length + 1), all
        # in C (no Python loop per line).
        starts = list(accumulate(map((1).__add__, map(len, self._text.split("\n"))), initial=0))
        starts.pop()
        self._starts = starts
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        starts = self._starts
        if starts is None:
            starts = self._build()
        offset = max(0, min(offset, len(self._text)))
        line = bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line terminator."""
        starts = self._starts
        if starts is None:
            starts = self._build()
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self._text)
        return self._text[start:end].rstrip("\r")

    def line_start(self, line: int) -> int:
        starts = self._starts
        if starts is None:
            starts = self._build()
        return starts[line - 1]

    @property
    def line_count(self) -> int:
        starts = self._starts
        if starts is None:
            starts = self._build()
        return len(starts)


class Migration:
    """One unit of migration SQL, in the order the framework would apply it.

    `sql` is what the parser sees. Layouts that only hide parts of a file (the
    down section of a goose file, meta-commands) blank them out character for
    character so offsets in `sql` equal offsets in `text`; templating that
    changes lengths supplies `to_original`, mapping an offset in `sql` back to
    an offset in `text`.

    Equality is identity: two migrations with the same text are still two files.
    """

    __slots__ = ("_lines", "direction", "in_transaction", "invalid_utf8_at", "layout", "notes", "path", "sql",
                 "template", "text", "to_original")

    def __init__(self, path: str, text: str, sql: str | None = None, direction: str = "up",
                 in_transaction: bool | None = None, to_original: Callable[[int], int] | None = None,
                 invalid_utf8_at: int | None = None, notes: list | None = None,
                 _lines: LineIndex | None = None, layout: str = "", template=None) -> None:
        self.path = path
        self.text = text
        self.sql = sql  # None: the parser sees `text`
        self.direction = direction  # "up", "down", "repeatable" or "baseline"
        # Whether the framework wraps this migration in a transaction (None: unknown/no).
        self.in_transaction = in_transaction
        self.to_original = to_original
        self.invalid_utf8_at = invalid_utf8_at
        # Diagnostics a layout or template renderer produced while preparing `sql`.
        self.notes = [] if notes is None else notes
        self._lines = _lines
        self.layout = layout  # the layout that read it ("" for a migration made in memory)
        # What rendering did (schemalint.discover.template.TemplateUse), None: not rendered.
        self.template = template

    def __repr__(self) -> str:
        return (f"Migration(path={self.path!r}, text={self.text!r}, sql={self.sql!r}, "
                f"direction={self.direction!r}, in_transaction={self.in_transaction!r}, "
                f"to_original={self.to_original!r}, invalid_utf8_at={self.invalid_utf8_at!r}, "
                f"notes={self.notes!r}, _lines={self._lines!r}, layout={self.layout!r}, "
                f"template={self.template!r})")

    @property
    def parse_text(self) -> str:
        return self.text if self.sql is None else self.sql

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    @property
    def folds_into_model(self) -> bool:
        return self.direction != "down"


def block_comment_end(text: str, start: int, limit: int | None = None) -> int:
    """The offset just past the `/* ... */` comment opening at `start`. SQL block comments
    nest (`/* a /* b */ c */` is one comment); an unterminated one runs to `limit`."""
    limit = len(text) if limit is None else limit
    depth, pos = 1, start + 2
    find = text.find
    # Jump from marker to marker (str.find) rather than step through the comment; a marker
    # that starts before `limit` counts even if it ends after it, and "/*/" opens, then
    # the "*/" that overlaps it does not close.
    while pos < limit:
        opening = find("/*", pos, limit + 1)
        closing = find("*/", pos, limit + 1)
        if closing == -1:
            if opening == -1:
                return limit
            depth, pos = depth + 1, opening + 2
        elif opening != -1 and opening < closing:
            depth, pos = depth + 1, opening + 2
        else:
            depth, pos = depth - 1, closing + 2
            if not depth:
                return pos
    return pos
