"""`--format json`: a versioned document. Lines and columns are 1-based; columns count characters.

Schema version 1 (the JSON Schema is `linter/report.schema.json`, shipped in the package):
{"version": 1,
 "diagnostics": [{"code", "rule", "severity", "path", "line", "column",
                  "end_line", "end_column", "message", "help", "url"}],
 "summary": {"files", "statements", "diagnostics", "error", "warning", "info",
             "fail_on", "failed"}}
"""

from __future__ import annotations

from ..jsonfast import dumps_indent2
from ..rule import DOCS_URL

VERSION = 1


def item(d) -> dict:
    """One finding as it appears in the document."""
    out = d.to_dict()
    out["url"] = DOCS_URL.format(name=d.rule)
    if d.fix is not None:
        out["fix"] = {
            "description": d.fix.description,
            "safe": d.fix.safe,
            "edits": [{"start": e.start, "end": e.end, "text": e.text} for e in d.fix.edits],
        }
    return out


def document(result) -> dict:
    return {"version": VERSION, "diagnostics": [item(d) for d in result.diagnostics],
            "summary": result.summary()}


def render(result) -> str:
    """`json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"`, written one finding
    at a time so that the document is never held as dicts (tests/test_jsonfast.py checks
    that the two agree)."""
    items = [dumps_indent2(item(d), nl="\n    ") for d in result.diagnostics]
    body = "[\n    " + ",\n    ".join(items) + "\n  ]" if items else "[]"
    del items
    summary = dumps_indent2(result.summary(), nl="\n  ")
    return f'{{\n  "version": {VERSION},\n  "diagnostics": {body},\n  "summary": {summary}\n}}\n'
