"""`--format text`: path:line:col, severity, code and rule, message, the source line with
the span underlined, then the help. Colour only when asked (the CLI decides:
`commands.common.use_color`). Text from the files goes through `escape.printable`."""

from __future__ import annotations

from schemalint.diagnostics.rule import DOCS_URL
from schemalint.discover.source import LineIndex
from schemalint.report.escape import printable

COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def head(d, color: bool) -> str:
    """`path:line:col: severity CODE [rule] message`, on one line."""
    sev = str(d.severity)
    return (f"{paint(f'{printable(d.path, True)}:{d.line}:{d.column}', BOLD, color)}: "
            f"{paint(sev, COLORS[sev], color)} {d.code} [{d.rule}] {printable(d.message, True)}")


def _snippet(src: str, d) -> tuple[str, str]:
    """The source line as shown, and the marker under the finding's span."""
    src = src.expandtabs(1)
    col = d.column - 1
    last_col = d.end_column if d.end_line == d.line else len(src) + 1
    width = min(max(1, last_col - d.column), max(1, len(src) - col))
    if src.isprintable():
        return src, " " * col + "^" * width
    # Escaped characters are wider than one column: the marker follows them.
    before = printable(src[:col])
    span = printable(src[col:col + width])
    return printable(src), " " * (len(before) + max(0, col - len(src))) + "^" * max(1, len(span))


def render(result) -> str:
    color = result.color
    out: list[str] = []
    indexes: dict[str, LineIndex] = {}
    for d in result.diagnostics:
        sev = str(d.severity)
        out.append(head(d, color))
        text = result.sources.get(d.path)
        if text is not None and d.line >= 1:
            index = indexes.get(d.path) or indexes.setdefault(d.path, LineIndex(text))
            if d.line <= index.line_count:
                src, marker = _snippet(index.line_text(d.line), d)
                gutter = f"{d.line:>5} | "
                out.append(gutter + src)
                out.append(" " * (len(gutter) - 2) + "| " + paint(marker, COLORS[sev], color))
        if d.help:
            lines = printable(d.help.rstrip()).splitlines()
            out.append(f"  help: {lines[0]}")
            out.extend(f"        {line}" if line else "" for line in lines[1:])
        out.append(paint(f"  see: {DOCS_URL.format(name=d.rule)}", _DIM, color))
        out.append("")
    out.append(result.summary_line())
    return "\n".join(out) + "\n"
