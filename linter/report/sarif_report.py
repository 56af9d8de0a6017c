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


def _location(result, d) -> dict:
    artifact = _artifact(result, d.path)
    region = {"startLine": max(1, d.line), "startColumn": max(1, d.column)}
    end_line = max(d.end_line, region["startLine"])
    end_col = d.end_column if end_line > region["startLine"] else max(d.end_column, region["startColumn"])
    region.update(endLine=end_line, endColumn=max(1, end_col))
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def document(result) -> dict:
    rules = sorted(rules_of(result).values(), key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    for d, fid in zip(result.diagnostics, stable_ids(result), strict=True):
        item = {"ruleId": d.code}
        if d.code in index:
            item["ruleIndex"] = index[d.code]
        item.update(
            level=_LEVELS[str(d.severity)],
            message={"text": d.message},
            locations=[_location(result, d)],
            partialFingerprints={FINGERPRINT_KEY: fid},
        )
        related = _related(result, d)
        if related:
            item["relatedLocations"] = related
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
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
