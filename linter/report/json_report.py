"""`--format json`: a versioned document. Lines and columns are 1-based; columns count characters.

Schema version 1:
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


def document(result) -> dict:
    diags = []
    for d in result.diagnostics:
        item = d.to_dict()
        item["url"] = DOCS_URL.format(name=d.rule)
        if d.fix is not None:
            item["fix"] = {
                "description": d.fix.description,
                "safe": d.fix.safe,
                "edits": [{"start": e.start, "end": e.end, "text": e.text} for e in d.fix.edits],
            }
        diags.append(item)
    return {"version": VERSION, "diagnostics": diags, "summary": result.summary()}


def render(result) -> str:
    return dumps_indent2(document(result), end="\n")  # == json.dumps(indent=2, ensure_ascii=False) + "\n"
