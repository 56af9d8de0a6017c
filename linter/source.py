"""A migration file: its decoded text, line index and the SQL handed to the parser."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class DecodeResult:
    text: str
    # Character offset of the first byte that was not valid UTF-8, if any.
    invalid_at: int | None = None


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
    """Maps character offsets to 1-based (line, column). Lines end at '\\n' (so CRLF works)."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self._text)))
        line = bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line terminator."""
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self._text)
        return self._text[start:end].rstrip("\r")

    def line_start(self, line: int) -> int:
        return self._starts[line - 1]

    @property
    def line_count(self) -> int:
        return len(self._starts)


@dataclass(slots=True, eq=False)
class Migration:
    """One unit of migration SQL, in the order the framework would apply it.

    `sql` is what the parser sees. Layouts that only hide parts of a file (the
    down section of a goose file, meta-commands) blank them out character for
    character so offsets in `sql` equal offsets in `text`; templating that
    changes lengths supplies `to_original`, mapping an offset in `sql` back to
    an offset in `text`.
    """

    path: str
    text: str
    sql: str | None = None
    direction: str = "up"  # "up", "down", "repeatable" or "baseline"
    # Whether the framework wraps this migration in a transaction (None: unknown/no).
    in_transaction: bool | None = None
    to_original: Callable[[int], int] | None = None
    invalid_utf8_at: int | None = None
    # Diagnostics a layout or template renderer produced while preparing `sql`.
    notes: list = field(default_factory=list)
    _lines: LineIndex | None = None

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
    while pos < limit and depth:
        if text.startswith("/*", pos):
            depth, pos = depth + 1, pos + 2
        elif text.startswith("*/", pos):
            depth, pos = depth - 1, pos + 2
        else:
            pos += 1
    return pos
