"""LSP positions <-> schemalint's character offsets.

schemalint counts characters (code points) from the start of a file; an LSP position is a
line and a count of code units within it, UTF-16 unless the client and server agreed on
UTF-8 or UTF-32 (`positionEncoding`, LSP 3.17). A character outside the Basic Multilingual
Plane is two UTF-16 units, and up to four UTF-8 ones. LSP lines end at "\\n", "\\r\\n" or a lone
"\\r" (schemalint's LineIndex knows only "\\n", so positions are computed here from offsets,
never from a finding's line and column).
"""

from __future__ import annotations

import re
from bisect import bisect_right

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"

_LINE_END = re.compile(r"\r\n|\r|\n")


def _utf16_units(s: str) -> int:
    # "surrogatepass": a client may send a lone surrogate (JSON allows "\ud800"); it counts one.
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _utf8_units(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


_UNITS = {UTF16: _utf16_units, UTF8: _utf8_units, UTF32: len}


class PositionMap:
    """Converts between character offsets into `text` and (line, unit) positions."""

    __slots__ = ("_starts", "_units", "text")

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self._units = _UNITS.get(encoding, _utf16_units)
        self._starts = [0, *(m.end() for m in _LINE_END.finditer(text))]

    def _line_end(self, line: int) -> int:
        """The offset where `line`'s text ends, before its line terminator."""
        if line + 1 < len(self._starts):
            end = self._starts[line + 1]
            return end - (2 if self.text.startswith("\r\n", end - 2) else 1)
        return len(self.text)

    def position(self, offset: int) -> tuple[int, int]:
        """The (0-based line, code units) of a character offset; an offset inside a line
        terminator is the end of its line."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        offset = min(offset, self._line_end(line))
        return line, self._units(self.text[start:offset])

    def offset(self, line: int, character: int) -> int:
        """The character offset of an LSP position. Past the end of a line is its end (as LSP
        says); past the last line is the end of the text; a position inside a character (the
        second UTF-16 unit of an astral character) is that character's start."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self.text)
        start, end = self._starts[line], self._line_end(line)
        if character <= 0:
            return start
        units, count = self._units, 0
        if units is len:
            return min(start + character, end)
        for i in range(start, end):
            count += units(self.text[i])
            if count > character:
                return i
            if count == character:
                return i + 1
        return end

