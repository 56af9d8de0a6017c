"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it.

One run; `tool.driver.rules` describes every rule (so an alert shows its help), each result
points at its rule by `ruleId` and `ruleIndex`. Locations are repository-relative URIs under
`%SRCROOT%` with 1-based regions whose `endColumn` is exclusive, as SARIF defines it. Columns
count Unicode code points (`columnKind`), as schemalint's do. `partialFingerprints` hold an id
built from rule, path and the statement's libpg_query fingerprint, so an alert keeps its
identity when lines move or the statement is reformatted.
"""

from __future__ import annotations

import json
import os
import re
from json.encoder import encode_basestring as _enc  # the C escaper, as json.dumps uses
from pathlib import Path
from urllib.parse import quote

from schemalint.report import artifact_path, rules_of, stable_ids
from schemalint.version import __version__

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/schemalint/schemalint"
FINGERPRINT_KEY = "schemalint/v1"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def semantic_version(version: str) -> str:
    """`version` (PEP 440, as setuptools-scm writes it) in the Semantic Versioning 2.0 form
    SARIF's `semanticVersion` requires: a release stays `1.2.0`; a development build
    `0.1.dev291+g08b4c9cb8` becomes `0.1.0-dev291+g08b4c9cb8`."""
    m = re.fullmatch(r"(\d+(?:\.\d+)*)((?:a|b|rc)\d+)?(?:\.post(\d+))?(?:\.dev(\d+))?"
                     r"(?:\+([0-9A-Za-z.]+))?", version)
    if m is None:
        return version
    release, pre, post, dev, local = m.groups()
    parts = (release.split(".") + ["0", "0"])[:3]
    tags = [t for t in (pre, post and f"post{post}", dev and f"dev{dev}") if t]
    return ".".join(parts) + ("-" + ".".join(tags) if tags else "") + ("+" + local if local else "")


def _rule_help_markdown(rule) -> str:
    parts = [f"**{rule.summary}**", "", rule.why]
    if rule.instead:
        parts += ["", f"**Instead:** {rule.instead}"]
    if rule.ok_when:
        parts += ["", f"**Fine when:** {rule.ok_when}"]
    for title, examples in (("Flagged", rule.bad), ("Not flagged", rule.good)):
        if examples:
            parts += ["", f"{title}:", "", "```sql", *examples, "```"]
    parts += ["", f"[Rule documentation]({rule.url})"]
    return "\n".join(parts)


def _rule_descriptor(rule) -> dict:
    tags = ["postgresql", "migrations", rule.category]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {
            "text": f"{rule.why}\n\nInstead: {rule.instead}" if rule.instead else rule.why,
            "markdown": _rule_help_markdown(rule),
        },
        "helpUri": rule.url,
        "defaultConfiguration": {"level": _LEVELS[str(rule.severity)]},
        "properties": {"tags": tags, "category": rule.category},
    }


def _related(result, d) -> list[dict]:
    """Where else a finding points (the query-plan gate's blamed migration statement)."""
    out = []
    for i, rel in enumerate(d.extra.get("related", ()) if d.extra else ()):
        where = _artifact(result, rel["path"])
        region = {"startLine": max(1, rel["line"])}
        out.append({"id": i, "message": {"text": rel["message"]},
                    "physicalLocation": {"artifactLocation": where, "region": region}})
    return out


def _artifact(result, path: str) -> dict:
    path = artifact_path(result, path)
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}


def _location(result, d, artifacts: dict) -> dict:
    artifact = artifacts.get(d.path)
    if artifact is None:  # once per file (a dict shared by its findings' locations)
        artifact = artifacts[d.path] = _artifact(result, d.path)
    region = {"startLine": max(1, d.line), "startColumn": max(1, d.column)}
    end_line = max(d.end_line, region["startLine"])
    end_col = d.end_column if end_line > region["startLine"] else max(d.end_column, region["startColumn"])
    region.update(endLine=end_line, endColumn=max(1, end_col))
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def document(result) -> dict:
    rules = sorted(rules_of(result).values(), key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    artifacts: dict[str, dict] = {}
    for d, fid in zip(result.diagnostics, stable_ids(result), strict=True):
        item = {"ruleId": d.code}
        if d.code in index:
            item["ruleIndex"] = index[d.code]
        item.update(
            level=_LEVELS[str(d.severity)],
            message={"text": d.message},
            locations=[_location(result, d, artifacts)],
            partialFingerprints={FINGERPRINT_KEY: fid},
        )
        related = _related(result, d)
        if related:
            item["relatedLocations"] = related
        if d.extra and d.extra.get("replay") and d.source != "replay":
            item["properties"] = {"replay": d.extra["replay"]}
        results.append(item)
    run: dict = {
        "tool": {"driver": {
            "name": "schemalint",
            "version": __version__,
            "semanticVersion": semantic_version(__version__),
            "informationUri": INFORMATION_URI,
            "rules": [_rule_descriptor(r) for r in rules],
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if result.root:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": Path(result.root).as_uri() + "/"}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result) -> str:
    """`json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"`, its results
    written as f-strings: json.dumps with `indent` runs its pure-Python encoder, which was
    most of the GitHub Action's first pass on a long history (it writes SARIF on every pull
    request). A result of another shape takes the general path; tests/report compare the two."""
    doc = document(result)
    run = doc["runs"][0]
    results, run["results"] = run["results"], _RESULTS
    head, tail = json.dumps(doc, indent=2, ensure_ascii=False).split(_enc(_RESULTS), 1)
    if not results:
        return f"{head}[]{tail}\n"
    items = ",\n        ".join([_result_text(item) for item in results])
    return f"{head}[\n        {items}\n      ]{tail}\n"


# Stands for the results in the document json.dumps writes: a string no result can hold
# (json.dumps escapes a NUL), replaced by the results' text.
_RESULTS = "\0results\0"
_R1, _R2, _R3, _R4, _R5 = ("\n" + " " * n for n in (10, 12, 14, 16, 18))
_PLAIN_RESULT = ("ruleId", "ruleIndex", "level", "message", "locations", "partialFingerprints")
_REGION = ("startLine", "startColumn", "endLine", "endColumn")


def _result_text(item: dict) -> str:
    """One result as json.dumps(indent=2) writes it at its depth in the document."""
    try:
        rule_id, level, message = item["ruleId"], item["level"], item["message"]["text"]
        (location,) = item["locations"]
        physical = location["physicalLocation"]
        artifact, region = physical["artifactLocation"], physical["region"]
        (fingerprint,) = item["partialFingerprints"].values()
        plain = (tuple(item) in (_PLAIN_RESULT, _PLAIN_RESULT[:1] + _PLAIN_RESULT[2:])
                 and tuple(item["partialFingerprints"]) == (FINGERPRINT_KEY,)
                 and len(item["message"]) == 1 and len(location) == 1 and len(physical) == 2
                 and tuple(artifact) == ("uri", "uriBaseId") and tuple(region) == _REGION
                 and all(type(region[k]) is int for k in _REGION)
                 and type(item.get("ruleIndex", 0)) is int
                 and all(type(v) is str for v in (rule_id, level, message, fingerprint,
                                                   artifact["uri"], artifact["uriBaseId"])))
    except (KeyError, TypeError, ValueError):
        plain = False
    if not plain:
        return json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n        ")
    index = f'{_R1}"ruleIndex": {item["ruleIndex"]},' if "ruleIndex" in item else ""
    return (f'{{{_R1}"ruleId": {_enc(rule_id)},{index}{_R1}"level": {_enc(level)},'
            f'{_R1}"message": {{{_R2}"text": {_enc(message)}{_R1}}},'
            f'{_R1}"locations": [{_R2}{{{_R3}"physicalLocation": {{'
            f'{_R4}"artifactLocation": {{{_R5}"uri": {_enc(artifact["uri"])},'
            f'{_R5}"uriBaseId": {_enc(artifact["uriBaseId"])}{_R4}}},'
            f'{_R4}"region": {{{_R5}"startLine": {region["startLine"]},'
            f'{_R5}"startColumn": {region["startColumn"]},'
            f'{_R5}"endLine": {region["endLine"]},'
            f'{_R5}"endColumn": {region["endColumn"]}{_R4}}}{_R3}}}{_R2}}}{_R1}],'
            f'{_R1}"partialFingerprints": {{{_R2}{_enc(FINGERPRINT_KEY)}: {_enc(fingerprint)}{_R1}}}'
            f'\n        }}')
