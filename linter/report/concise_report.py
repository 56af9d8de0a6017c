"""`--format concise`: one line per finding, `path:line:col: severity CODE [rule] message` (the
text format's first line, which editors' error parsers read), then the summary line."""

from __future__ import annotations

from schemalint.report.text_report import head


def render(result) -> str:
    color = result.color
    out = [head(d, color) for d in result.diagnostics]
    out.append(result.summary_line())
    return "\n".join(out) + "\n"
