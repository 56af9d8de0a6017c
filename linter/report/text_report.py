"""`--format text`: path:line:col, severity, code and rule, message, the source line with
the span underlined, then the help. Colour only when asked (the CLI decides: TTY, NO_COLOR)."""

from __future__ import annotations

from schemalint.diagnostics.rule import DOCS_URL
from schemalint.discover.source import LineIndex

_COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def render(result) -> str:
    color = result.color
    out: list[str] = []
    indexes: dict[str, LineIndex] = {}
    for d in result.diagnostics:
        sev = str(d.severity)
        head = (
            f"{_paint(f'{d.path}:{d.line}:{d.column}', _BOLD, color)}: "
            f"{_paint(sev, _COLORS[sev], color)} {d.code} [{d.rule}] {d.message}"
        )
        out.append(head)
        text = result.sources.get(d.path)
        if text is not None and d.line >= 1:
            index = indexes.get(d.path) or indexes.setdefault(d.path, LineIndex(text))
            if d.line <= index.line_count:
                src = index.line_text(d.line).expandtabs(1)
                gutter = f"{d.line:>5} | "
                out.append(gutter + src)
                last_col = d.end_column if d.end_line == d.line else len(src) + 1
                width = max(1, last_col - d.column)
                marker = " " * (d.column - 1) + "^" * min(width, max(1, len(src) - d.column + 1))
                out.append(" " * (len(gutter) - 2) + "| " + _paint(marker, _COLORS[sev], color))
        if d.help:
            lines = d.help.rstrip().splitlines()
            out.append(f"  help: {lines[0]}")
            out.extend(f"        {line}" if line else "" for line in lines[1:])
        out.append(_paint(f"  see: {DOCS_URL.format(name=d.rule)}", _DIM, color))
        out.append("")
    s = result.summary()
    verdict = "failed" if s["failed"] else "passed"
    out.append(
        f"{s['files']} file(s), {s['statements']} statement(s) checked: "
        f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info — "
        f"{verdict} (fail on: {s['fail_on']})"
    )
    return "\n".join(out) + "\n"
