"""`check --statistics`: how many findings each rule made, instead of the findings (like
`ruff --statistics`): a table for people (`--format text` or `concise`), a document for
scripts (`--format json`)."""

from __future__ import annotations

import json

from schemalint.records import Record


class Row(Record):
    __slots__ = ("code", "count", "fixable", "rule")

    def __init__(self, code: str, rule: str, count: int, fixable: int) -> None:
        self.code = code
        self.rule = rule
        self.count = count
        self.fixable = fixable  # how many of them `--fix` repairs


def rows(result, unsafe_fixes: bool = False) -> list[Row]:
    """One row per rule, the most frequent first (then by code). A finding is fixable when
    `--fix` would apply its fix: a safe one, or any with `--unsafe-fixes`."""
    by_code: dict[str, Row] = {}
    for d in result.diagnostics:
        row = by_code.get(d.code)
        if row is None:
            row = by_code[d.code] = Row(d.code, d.rule, 0, 0)
        row.count += 1
        if d.fix is not None and (d.fix.safe or unsafe_fixes):
            row.fixable += 1
    return sorted(by_code.values(), key=lambda r: (-r.count, r.code))


def render(result, fmt: str, unsafe_fixes: bool = False) -> str:
    table = rows(result, unsafe_fixes)
    if fmt == "json":
        doc = {"version": 1,
               "statistics": [{"code": r.code, "rule": r.rule, "count": r.count,
                               "fixable": r.fixable} for r in table],
               "summary": result.summary()}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    out = []
    if table:
        count_width = len(str(table[0].count))
        code_width = max(len(r.code) for r in table)
        out = [f"{r.count:>{count_width}}  {r.code:<{code_width}}  "
               f"{'[*]' if r.fixable else '[ ]'} {r.rule}" for r in table]
        fixable = sum(r.fixable for r in table)
        if fixable:
            flag = "--fix --unsafe-fixes" if unsafe_fixes else "--fix"
            out.append(f"[*] {fixable} fixable with `schemalint check {flag}`")
    out.append(result.summary_line())
    return "\n".join(out) + "\n"
