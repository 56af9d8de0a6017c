"""The lock report: text (a table per migration), Markdown (for a PR comment) and JSON.

JSON schema version 2 (documented in docs/replay.md):
{"version": 2, "server_version", "backend",
 "statements": [{"path", "line", "sql", "status", "duration_ms", "estimate_ms"?,
                 "in_transaction", "lock_timeout",
                 "locks": [{"relation", "kind", "mode", "held_ms", "held_estimate_ms"?,
                            "blocks", "observed_blocks"?, "pre_existing"}],
                 "rewrites": [{"relation", "kind"}],
                 "changes": [{"table", "object", "name", "change", "definition", "before"?}],
                 "error"}],
 "not_run": [{"path", "line", "end_line", "statements"}], "stopped",
 "roundtrips": [{"up", "down", "differences", "error"}],
 "mismatches": [{"path", "line", "relation", "predicted", "observed"}] | null,
 "seeded": {table: rows}, "seeding": [{"table", "rows", "after"}], "seed_problems": [...],
 "bookkeeping": {framework: [table, ...]}, "notes": [...], "untraced_migrations", "total_ms",
 "queries"?: {"base", "notes", "results": [...]} (with a workload: docs/queries.md),
 "diagnostics": [same objects as `schemalint check --format json`]}

Version 1 listed every statement that did not run, with its SQL, in "statements"; version 2
counts them per file in "not_run" (a 50 MB file that fails at its first line no longer
repeats itself in the report) and the JSON is written statement by statement.
"""

from __future__ import annotations

import json
from itertools import groupby

from schemalint.diagnostics.rule import DOCS_URL
from schemalint.replay.plans import render as plans
from schemalint.replay.trace import NotRun, ReplayReport, StatementTrace

VERSION = 2
FORMATS = ("text", "markdown", "json")


def _sql_line(sql: str, width: int = 60) -> str:
    one = " ".join(sql.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _lock_text(lk) -> str:
    text = f"{lk.mode} {lk.relation.name} ({lk.relation.kind}) held {_ms(lk.held_ms)} ms"
    if lk.held_estimate_ms is not None:
        text += f" (~{_ms(lk.held_estimate_ms)} ms in production)"
    text += f", blocks {'+'.join(lk.blocks) or 'nothing'}"
    if lk.observed is not None:
        seen = [k for k in ("reads", "writes") if lk.observed.get(k)]
        text += f"; probe: {'+'.join(seen) + ' blocked' if seen else 'nothing blocked'}"
    if not lk.pre_existing:
        text += " [new]"
    return text


def _status(t: StatementTrace) -> str:
    if t.status == "failed":
        return "FAILED"
    if t.status == "not_run":
        return "not run"
    if t.status == "skipped":
        return "skipped"  # not sent: see the replay-skipped-cluster-statement finding
    return f"{_ms(t.duration_ms)} ms" + (f" (~{_ms(t.estimate_ms)} ms est.)" if t.estimate_ms is not None else "")


def _header(report: ReplayReport) -> list[str]:
    lines = [f"PostgreSQL {report.server_version} ({report.backend} backend); "
             f"{report.untraced_migrations} migration(s) applied untraced first; "
             f"total {report.total_ms / 1000:.2f} s"]
    for framework, tables in report.bookkeeping.items():
        lines.append(f"created {framework}'s own table(s) first: {', '.join(tables)}")
    lines += report.notes
    # Each table right after the migration that created it.
    lines += [f"seeded {s.table}: {s.rows} row(s), after {s.after}" for s in report.seeding]
    if report.rows_requested and not report.seeding and not report.seed_problems:
        lines.append("seeded nothing: no migration created a table to fill")
    lines += [f"seeding: {p}" for p in report.seed_problems]
    if report.stopped:
        lines.append(f"stopped at {report.stopped}")
    if report.production_rows:
        lines.append("estimates at production size are linear extrapolations from the seeded "
                     "row counts (--stats)")
    return lines


def _entries(report: ReplayReport):
    """The statement traces with the NotRun counts in replay order."""
    pending = iter(report.not_run)
    nxt = next(pending, None)
    for i, t in enumerate(report.statements):
        while nxt is not None and nxt.seq <= i:
            yield nxt
            nxt = next(pending, None)
        yield t
    while nxt is not None:
        yield nxt
        nxt = next(pending, None)


def render_text(report: ReplayReport) -> str:
    out = _header(report)
    for path, group in groupby(_entries(report), key=lambda t: t.path):
        out += ["", f"== {path}"]
        for t in group:
            if isinstance(t, NotRun):
                out.append(f"{t.line:>5}  {'':>2}  {'not run':>12}  {t.describe()}")
                continue
            tx = "tx" if t.in_transaction else "  "
            out.append(f"{t.line:>5}  {tx}  {_status(t):>12}  {_sql_line(t.sql)}")
            for lk in t.locks:
                out.append(f"{'':>22}lock  {_lock_text(lk)}")
            for r in t.rewrites:
                out.append(f"{'':>22}REWRITE {r.kind} {r.name}")
            for c in t.changes:
                out.append(f"{'':>22}{c.describe()}")
            if t.error:
                out.append(f"{'':>22}error: {t.error}")
    for rt in report.roundtrips:
        verdict = "ok" if not (rt.differences or rt.error) else "MISMATCH"
        out += ["", f"roundtrip {rt.up_path} / {rt.down_path}: {verdict}"]
        out += [f"    {d}" for d in rt.differences]
        if rt.error:
            out.append(f"    {rt.error}")
    if report.mismatches:
        out += ["", "static lock table vs observed:"]
        out += [f"    {m.path}:{m.line} {m.relation}: predicted {m.predicted or 'nothing'}, "
                f"observed {m.observed or 'nothing'}" for m in report.mismatches]
    if report.plans is not None:
        out += plans.text_lines(report.plans)
    if report.diagnostics:
        out += ["", "findings:"]
        for d in report.diagnostics:
            out.append(f"{d.path}:{d.line}:{d.column}: {d.severity} {d.code} [{d.rule}] {d.message}")
    out.append("")
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: ReplayReport) -> str:
    out = ["## schemalint replay", ""] + [f"- {line}" for line in _header(report)]
    if report.diagnostics:
        out += ["", "### Findings", ""]
        for d in report.diagnostics:
            out.append(f"- **{d.severity}** [`{d.code} {d.rule}`]({DOCS_URL.format(name=d.rule)}) "
                       f"`{d.path}:{d.line}`: {_md_cell(d.message)}")
    for path, group in groupby(_entries(report), key=lambda t: t.path):
        out += ["", f"### `{path}`", "", "| line | statement | time | locks | rewrites |",
                "|---:|---|---:|---|---|"]
        for t in group:
            if isinstance(t, NotRun):
                out.append(f"| {t.line} | {t.describe()} | not run |  |  |")
                continue
            locks = "<br>".join(_md_cell(_lock_text(lk)) for lk in t.locks)
            if t.error:
                locks = (locks + "<br>" if locks else "") + "**error:** " + _md_cell(t.error)
            rewrites = ", ".join(f"{r.kind} `{r.name}`" for r in t.rewrites)
            out.append(f"| {t.line} | `{_md_cell(_sql_line(t.sql, 50))}` | {_status(t)} | "
                       f"{locks} | {rewrites} |")
    for rt in report.roundtrips:
        if rt.differences or rt.error:
            out += ["", f"### Round trip `{rt.up_path}` / `{rt.down_path}`", ""]
            out += [f"- {_md_cell(d)}" for d in rt.differences]
            if rt.error:
                out.append(f"- {_md_cell(rt.error)}")
    if report.mismatches:
        out += ["", "### Static lock table vs observed", "", "| where | relation | predicted | observed |",
                "|---|---|---|---|"]
        out += [f"| `{m.path}:{m.line}` | `{m.relation}` | {m.predicted or '-'} | {m.observed or '-'} |"
                for m in report.mismatches]
    if report.plans is not None:
        out += plans.markdown_lines(report.plans)
    out.append("")
    return "\n".join(out)


def _diagnostics(report: ReplayReport) -> list[dict]:
    out = []
    for d in report.diagnostics:
        item = d.to_dict()
        item["url"] = DOCS_URL.format(name=d.rule)
        out.append(item)
    return out


def document(report: ReplayReport) -> dict:
    return {
        "version": VERSION,
        "server_version": report.server_version,
        "backend": report.backend,
        "statements": [t.to_dict() for t in report.statements],
        **_tail(report),
    }


def _tail(report: ReplayReport) -> dict:
    return {
        "not_run": [n.to_dict() for n in report.not_run],
        "stopped": report.stopped,
        "roundtrips": [rt.to_dict() for rt in report.roundtrips],
        "mismatches": None if report.mismatches is None else [m.to_dict() for m in report.mismatches],
        "seeded": report.seeded,
        "seeding": [s.to_dict() for s in report.seeding],
        "seed_problems": report.seed_problems,
        "bookkeeping": report.bookkeeping,
        "notes": report.notes,
        "untraced_migrations": report.untraced_migrations,
        "total_ms": round(report.total_ms, 1),
        **({"queries": plans.document(report.plans)} if report.plans is not None else {}),
        "diagnostics": _diagnostics(report),
    }


def _json_chunks(report: ReplayReport):
    """The JSON document piece by piece, one statement at a time: the same text as
    `json.dumps(document(report), indent=2)` without the whole document in memory."""
    def dumps(value, level: int) -> str:
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)

    yield "{\n"
    yield f'  "version": {VERSION},\n  "server_version": {dumps(report.server_version, 1)},\n'
    yield f'  "backend": {dumps(report.backend, 1)},\n'
    if report.statements:
        yield '  "statements": [\n'
        last = len(report.statements) - 1
        for i, t in enumerate(report.statements):
            yield "    " + dumps(t.to_dict(), 2) + (",\n" if i < last else "\n")
        yield "  ],\n"
    else:
        yield '  "statements": [],\n'
    tail = _tail(report)
    last_key = next(reversed(tail))
    for key, value in tail.items():
        yield f"  {json.dumps(key)}: {dumps(value, 1)}" + (",\n" if key != last_key else "\n")
    yield "}\n"


def render_json(report: ReplayReport) -> str:
    return "".join(_json_chunks(report))


def render(fmt: str, report: ReplayReport) -> str:
    return {"text": render_text, "markdown": render_markdown, "json": render_json}[fmt](report)


def write(fmt: str, report: ReplayReport, out) -> None:
    """Write the report to `out`; JSON as it is produced, statement by statement."""
    if fmt == "json":
        for chunk in _json_chunks(report):
            out.write(chunk)
    else:
        out.write(render(fmt, report))
