"""`--format github`: GitHub Actions workflow commands, which GitHub turns into annotations on
the pull request's diff; plus, when `$GITHUB_STEP_SUMMARY` is set, the whole report in
Markdown appended to the job summary, because GitHub shows only the first ten error and ten
warning annotations of a step.

Escaping follows GitHub's runner: in the message `%`, CR and LF are percent-encoded; in
property values `:` and `,` as well. Other control characters from the files are written as
`\\xNN` first (`escape.printable`): the runner would print them raw into the log. `col`/`endColumn` are 1-based and inclusive there, so the
end is the last character of the span (`Diagnostic.end_column` is exclusive).
"""

from __future__ import annotations

from collections.abc import Mapping

from schemalint.diagnostics.rule import DOCS_URL
from schemalint.report import artifact_path
from schemalint.report.escape import printable
from schemalint.report.markdown_report import render as markdown

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(result, d) -> str:
    props = {"file": printable(artifact_path(result, d.path), True), "line": str(max(1, d.line)),
             "col": str(max(1, d.column))}
    end_line = max(d.end_line, d.line)
    props["endLine"] = str(end_line)
    if end_line == d.line:
        props["endColumn"] = str(max(d.column, d.end_column - 1))
    props["title"] = f"{d.code} {d.rule}"
    body = printable(d.message, True)
    if d.help:
        body += "\n\n" + printable(d.help.rstrip())
    body += "\n\nSee " + DOCS_URL.format(name=d.rule)
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{_COMMANDS[str(d.severity)]} {head}::{escape_data(body)}"


def render(result) -> str:
    out = [annotation(result, d) for d in result.diagnostics]
    out.append(f"schemalint: {result.summary_line()}")
    return "\n".join(out) + "\n"


def after_render(result, environ: Mapping[str, str]) -> None:
    """Append the Markdown report to the job summary file when running in GitHub Actions."""
    path = environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(markdown(result) + "\n")
