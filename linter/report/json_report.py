"""`--format json`: a versioned document. Lines and columns are 1-based; columns count characters.

Schema version 1 (the JSON Schema is `linter/report.schema.json`, shipped in the package):
{"version": 1,
 "diagnostics": [{"code", "rule", "severity", "path", "line", "column",
                  "end_line", "end_column", "message", "help", "url",
                  "related"?: [{"path", "line", "message"}]}],
 "summary": {"files", "statements", "diagnostics", "error", "warning", "info",
             "fail_on", "failed", "layouts": [{"directory", "layout", "files", "skipped"}]}}
`layouts` (the layout of each directory, as `schemalint plan` shows it) is in the JSON
report only; the other formats' summaries are unchanged. `related` (where else a finding
points: the query-plan gate's blamed migration statement, SARIF's relatedLocations) is
present only on findings that have one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring as _enc  # the C escaper, as json.dumps uses

from schemalint.diagnostics import Severity
from schemalint.diagnostics.rule import DOCS_URL

VERSION = 1


def item(d) -> dict:
    """One finding as it appears in the document."""
    out = d.to_dict()
    out["url"] = DOCS_URL.format(name=d.rule)
    if d.extra and d.extra.get("replay") and d.source != "replay":
        # What `--replay` measured of this finding's hazard (check/confirm.py).
        out["replay"] = d.extra["replay"]
    if d.extra and d.extra.get("related"):
        out["related"] = [{"path": r["path"], "line": max(1, r["line"]), "message": r["message"]}
                          for r in d.extra["related"]]
    if d.fix is not None:
        out["fix"] = {
            "description": d.fix.description,
            "safe": d.fix.safe,
            "edits": [{"start": e.start, "end": e.end, "text": e.text} for e in d.fix.edits],
        }
    return out


def summary(result) -> dict:
    """The result's summary, with the layout of each directory when the run discovered any."""
    out = result.summary()
    layouts = result.extra.get("layouts")
    if layouts is not None:
        out["layouts"] = layouts
    return out


def document(result) -> dict:
    return {"version": VERSION, "diagnostics": [item(d) for d in result.diagnostics],
            "summary": summary(result)}


def render(result) -> str:
    """`json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"`, written one finding
    at a time so that the document is never held as dicts (tests/report/test_json_report.py
    checks that the two agree)."""
    return "".join(render_pieces(result))


# Findings per piece `render_pieces` yields: ~300 KB of text.
_PIECE = 400


def render_pieces(result) -> Iterator[str]:
    """`render(result)` in pieces, for writing to a stream: the whole document of 40,000
    findings (a 30 MB string, twice that as UCS-2 when a message holds a non-ASCII character,
    plus its UTF-8 copy on write) would otherwise be in memory at once, at the end of a run."""
    diagnostics = result.diagnostics
    yield f'{{\n  "version": {VERSION},\n  "diagnostics": '
    if not diagnostics:
        yield "[]"
    else:
        memo: dict = {}
        for i in range(0, len(diagnostics), _PIECE):
            items = [_item_text(d, memo) for d in diagnostics[i:i + _PIECE]]
            yield ("[\n    " if i == 0 else ",\n    ") + ",\n    ".join(items)
        yield "\n  ]"
    text = _dumps(summary(result), "\n  ")
    yield f',\n  "summary": {text}\n}}\n'


def _dumps(obj, nl: str) -> str:
    """`obj` as `json.dumps(indent=2)` writes it at the level whose newline and indentation
    are `nl` (`json.dumps` escapes newlines inside strings: each one left is a line break)."""
    return json.dumps(obj, indent=2, ensure_ascii=False).replace("\n", nl)


_NL = "\n    "  # a finding sits at the third level of the document
_I = _NL + "  "
_I2 = _I + "  "
_I3 = _I2 + "  "
_I4 = _I3 + "  "
_SEVERITY = {sev: _enc(str(sev)) for sev in Severity}


def _item_text(d, memo: dict) -> str:
    """`_dumps(item(d), _NL)` for the usual finding (plain str and int fields) written as
    f-strings: `json.dumps` with `indent` runs its pure-Python encoder, and a report of
    40,000 findings spent most of its time building and walking each finding's dict.
    Anything else takes the general path."""
    code, rule, path, message, help_ = d.code, d.rule, d.path, d.message, d.help
    line, column, end_line, end_column = d.line, d.column, d.end_line, d.end_column
    severity = _SEVERITY.get(d.severity) if type(d.severity) is Severity else None
    fix = d.fix
    fix_text = "" if fix is None else _fix_text(fix)
    extra = d.extra
    if (severity is None or fix_text is None
            or (extra and ((d.source != "replay" and "replay" in extra) or extra.get("related")))
            or type(code) is not str or type(rule) is not str
            or type(path) is not str or type(message) is not str or type(help_) is not str
            or type(line) is not int or type(column) is not int or type(end_line) is not int
            or type(end_column) is not int):
        return _dumps(item(d), _NL)
    # The text before the path, the path, and the text after the message repeat across
    # findings (one rule, one file): each is escaped once. `memo` holds them by
    # (code, rule, severity), by path, and by (help, rule).
    head = memo.get((code, rule, severity))
    if head is None:
        head = memo[(code, rule, severity)] = (
            f'{{{_I}"code": {_enc(code)},{_I}"rule": {_enc(rule)},{_I}"severity": {severity},{_I}"path": ')
    where = memo.get(path)
    if where is None:
        where = memo[path] = _enc(path)
    tail = memo.get((help_, rule))
    if tail is None:
        tail = memo[(help_, rule)] = (
            f',{_I}"help": {_enc(help_)},{_I}"url": {_enc(DOCS_URL.format(name=rule))}')
    # An exact int (checked above) formats as its repr, without a call (PyObject_Format).
    return (f'{head}{where},{_I}"line": {line},{_I}"column": {column},'
            f'{_I}"end_line": {end_line},{_I}"end_column": {end_column},'
            f'{_I}"message": {_enc(message)}{tail}{fix_text}{_NL}}}')


def _fix_text(fix) -> str | None:
    """`,"fix": {...}` as `item` writes it, or None when a field is not a plain str/int/bool."""
    description, safe, edits = fix.description, fix.safe, fix.edits
    if type(description) is not str or type(safe) is not bool:
        return None
    parts = []
    for e in edits:
        start, end, text = e.start, e.end, e.text
        if type(start) is not int or type(end) is not int or type(text) is not str:
            return None
        parts.append(f'{{{_I4}"start": {start},{_I4}"end": {end},'
                     f'{_I4}"text": {_enc(text)}{_I3}}}')
    edits_text = f"[{_I3}" + f",{_I3}".join(parts) + f"{_I2}]" if parts else "[]"
    return (f',{_I}"fix": {{{_I2}"description": {_enc(description)},'
            f'{_I2}"safe": {"true" if safe else "false"},{_I2}"edits": {edits_text}{_I}}}')
