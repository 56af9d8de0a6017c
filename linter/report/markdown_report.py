"""`--format markdown`: a pull-request comment (also the GitHub job summary): a summary
table, then the findings grouped per file in collapsible sections, each with its help.
Control characters from the files are written as `\\xNN` (`escape.printable`)."""

from __future__ import annotations

from html import escape

from schemalint.diagnostics.rule import DOCS_URL
from schemalint.report.escape import printable

# Where the findings begin after the schema changes: the GitHub Action keeps what comes
# before when the whole is too long for a comment.
FINDINGS_MARK = "<!-- schemalint-findings -->"
_ICONS = {"error": ":x:", "warning": ":warning:", "info": ":information_source:"}
# Sections start open while the report stays short enough to read in a comment.
_OPEN_LIMIT = 20


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _counts_text(counts: dict) -> str:
    parts = [_plural(counts[k], k) for k in ("error", "warning", "info") if counts[k]]
    return ", ".join(parts) if parts else "no findings"


def _cell(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ")


def render(result) -> str:
    s = result.summary()
    counts = result.counts()
    verdict = "failed" if s["failed"] else "passed"
    out = [
        f"### schemalint: {_counts_text(counts)} — {verdict}",
        "",
        "| | |",
        "|---|---:|",
        f"| {_ICONS['error']} errors | {counts['error']} |",
        f"| {_ICONS['warning']} warnings | {counts['warning']} |",
        f"| {_ICONS['info']} infos | {counts['info']} |",
        f"| files checked | {s['files']} |",
        f"| statements checked | {s['statements']} |",
        f"| fails on | {s['fail_on']} |",
    ]
    out += [f"| hidden by {what} | {n} |" for n, what in (
        (s["baselined"], "the baseline"), (s["suppressed"], "suppression comments")) if n]
    review = result.extra.get("schema_review")
    if review:  # check --changed-since: the branch's schema changes (commands/review.py)
        out += ["", review.rstrip("\n"), "", FINDINGS_MARK]
    # A section per file; the query-plan gate's findings, a section per query of the file.
    by_path: dict[tuple[str, str | None], list] = {}
    for d in result.diagnostics:
        by_path.setdefault((d.path, d.extra.get("query") if d.extra else None), []).append(d)
    is_open = " open" if len(result.diagnostics) <= _OPEN_LIMIT else ""
    for (path, query), found in by_path.items():
        file_counts = {k: sum(1 for d in found if str(d.severity) == k)
                       for k in ("error", "warning", "info")}
        named = f" query <code>{escape(printable(query, True))}</code>" if query else ""
        out += [
            "",
            f"<details{is_open}><summary><code>{escape(printable(path, True))}</code>{named}: "
            f"{_counts_text(file_counts)}</summary>",
            "",
        ]
        for d in found:
            sev = str(d.severity)
            out.append(
                f"- {_ICONS[sev]} **{sev}** line {d.line}, column {d.column}: {_cell(d.message)} "
                f"([{d.code} {d.rule}]({DOCS_URL.format(name=d.rule)}))"
            )
            if d.help:
                out += ["", "  ```text", *(f"  {line}".rstrip()
                                           for line in printable(d.help.rstrip()).splitlines()),
                        "  ```"]
            out.append("")
        out.append("</details>")
    return "\n".join(out) + "\n"
