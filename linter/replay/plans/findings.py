"""The plan stage's results as Diagnostics at the query's file:line:col, each naming the
migration statement it is blamed on (in the message, and as a related location:
`extra["related"]`, which SARIF writes as relatedLocations)."""

from __future__ import annotations

from schemalint.diagnostics.query_rules import QUERY_FAILED, QUERY_PLAN_REGRESSION, QUERY_SEQ_SCAN
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.parse.statements import fingerprint


def _diag(rule, r, message: str, blame, advice=None):
    q = r.query
    help = rule.instead if advice is None else f"{advice.describe()}. {rule.instead}"
    d = make_diagnostic(rule, q.source, q.start, q.end, message, help)
    d.source = "replay"
    d.fingerprint = fingerprint(q.sql)
    d.extra["query"] = q.name  # markdown_report: a section per query
    if blame is not None:
        d.extra["related"] = [{"path": blame.trace.path, "line": blame.trace.line,
                               "message": "the migration statement blamed"}]
    return d


def _since(blame) -> str:
    return f" since {blame.describe()}" if blame is not None else ""


def plan_findings(results: list, seq_scan_rows: int) -> list:
    out = []
    for r in results:
        name = f"`{r.query.name}`"
        if r.after is None:
            continue
        if not r.after.ok:
            if r.base is not None and not r.base.ok:
                message = f"{name} does not plan, at the base either: {r.after.error}"
            elif r.failed_blame is not None:
                message = f"{name} no longer plans{_since(r.failed_blame)}: {r.after.error}"
            else:
                message = f"{name} does not plan after the migrations: {r.after.error}"
            out.append(_diag(QUERY_FAILED, r, message, r.failed_blame))
            continue
        if r.regression:
            out.append(_diag(QUERY_PLAN_REGRESSION, r,
                             f"{name} plans worse{_since(r.regression_blame)}: {r.regression}; "
                             f"{r.base.summary()} -> {r.after.summary()}",
                             r.regression_blame, r.advice))
        if r.seq_scans:
            tables = ", ".join(f"`{t}` (~{rows:,.0f} rows)" for t, rows in r.seq_scans.items())
            already = (" (as at the base)" if r.seq_blame is None and r.base is not None
                       and r.base.ok else _since(r.seq_blame))
            out.append(_diag(QUERY_SEQ_SCAN, r,
                             f"{name} reads {tables} with a sequential scan{already}; the "
                             f"threshold is {seq_scan_rows:,} estimated rows",
                             r.seq_blame, None if r.regression else r.advice))
    return out
