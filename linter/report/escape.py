"""Control characters out of the text formats.

A migration's bytes reach the reports through its path, the source line under a finding, and
messages that quote names or the parser's error text. A binary file named `.sql`, or a name
holding an escape sequence, would otherwise send raw control characters to a terminal (or a
CI log that renders them): cursor moves, colour, a cleared screen, an OSC-8 link. Every text
format passes what came from a file through `printable`, which writes each C0 control
character (except tab, and newline where the field may span lines), DEL and each C1 control
character as `\\xNN`. JSON and SARIF keep the data as it is: JSON escapes C0 itself.
"""

from __future__ import annotations

from schemalint.lazyre import lazy

# C0 without tab and newline, DEL, C1 (U+0080-U+009F: U+009B is a CSI on some terminals).
_CONTROLS = lazy(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_LINE = lazy(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _hex(match) -> str:
    return f"\\x{ord(match.group()):02x}"


def printable(text: str, one_line: bool = False) -> str:
    """`text` with its control characters written as `\\xNN`; `one_line` escapes newlines
    too, for fields that must stay on one line (a path, a finding's head line). Elsewhere a
    CRLF line end (a help quoting a statement of a CRLF file) is a newline."""
    if text.isprintable():  # the usual case, in C: no control character (nor tab or newline)
        return text
    if one_line:
        return _CONTROLS_LINE().sub(_hex, text)
    return _CONTROLS().sub(_hex, text.replace("\r\n", "\n"))
