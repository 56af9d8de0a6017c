"""The plan stage in the replay report: text (each query's plan, before -> after), Markdown
(a collapsed section per query, for a pull request comment) and JSON (both plans whole)."""

from __future__ import annotations


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def base_text(stage) -> str:
    if stage.base is None:
        return "no base"
    if stage.base >= len(stage.ups):
        return "base: after the last migration (nothing changed since the base)"
    return f"base: before {stage.ups[stage.base].path}"


def _change(r) -> str:
    if r.base is None or not r.changed:
        return ("unchanged: " if r.base is not None else "") + r.after.summary()
    return f"{r.base.summary()} -> {r.after.summary()}"


def _blamed(r):
    return r.regression_blame or r.failed_blame or r.seq_blame


def _named(q) -> bool:
    """Whether the query has a `-- name:` (an unnamed one is named by its path:line)."""
    return q.name != f"{q.path}:{q.line}"


def _where(q) -> str:
    return f"{q.path}:{q.line} {q.name}" if _named(q) else q.name


def text_lines(stage) -> list[str]:
    out = ["", f"queries ({len(stage.results)}; {base_text(stage)}; planned in "
                f"{stage.elapsed_ms / 1000:.2f} s):"]
    for r in stage.results:
        q = r.query
        out.append(f"  {_where(q)}: {_change(r)}")
        blame = _blamed(r)
        if blame is not None:
            out.append(f"      blamed: {blame.describe()}")
        if r.advice is not None:
            out.append(f"      advice: {r.advice.describe()}")
    out += [f"  note: {n}" for n in stage.notes]
    return out


def markdown_lines(stage) -> list[str]:
    out = ["", "### Queries", "", f"{len(stage.results)} quer{'y' if len(stage.results) == 1 else 'ies'}"
           f" planned; {base_text(stage)}."]
    out += [f"- {_md(n)}" for n in stage.notes]
    for r in stage.results:
        q = r.query
        flag = " ⚠️" if r.regression or r.seq_scans or not r.after.ok else ""
        where = f" ({q.path}:{q.line})" if _named(q) else ""
        out += ["", "<details>", f"<summary><code>{q.name}</code>{where}{flag}: "
                f"{_html(_change(r))}</summary>", "", "```sql", q.sql, "```", ""]
        if r.base is not None:
            out.append(f"- base: {_md(r.base.summary())}")
        out.append(f"- after: {_md(r.after.summary())}")
        blame = _blamed(r)
        if blame is not None:
            out.append(f"- blamed: {_md(blame.describe())}")
        if r.advice is not None:
            out.append(f"- advice: {_md(r.advice.describe())}")
        out += ["", "</details>"]
    return out


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def document(stage) -> dict:
    return {"base": None if stage.base is None or stage.base >= len(stage.ups)
            else stage.ups[stage.base].path,
            "plan_ms": round(stage.elapsed_ms, 1), "notes": stage.notes,
            "results": [r.to_dict() for r in stage.results]}
