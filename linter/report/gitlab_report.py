"""`--format gitlab`: GitLab Code Quality (a subset of the Code Climate issue format).

GitLab compares the fingerprints of the merge request's report with the target branch's to
show new and fixed findings, so a fingerprint must not change when lines move: it hashes rule,
repository path, the statement's libpg_query fingerprint and the occurrence number.
Control characters from the files are written as `\\xNN` (`escape.printable`): JSON escapes
only C0, and GitLab shows the text as it is.
"""

from __future__ import annotations

import json

from schemalint.report import artifact_path, stable_ids
from schemalint.report.escape import printable

# GitLab's severities: info, minor, major, critical, blocker.
SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def document(result) -> list[dict]:
    issues = []
    for d, fid in zip(result.diagnostics, stable_ids(result), strict=True):
        issues.append({
            "type": "issue",
            "description": f"{printable(d.message, True)} ({d.code} {d.rule})",
            "check_name": d.rule,
            "fingerprint": fid,
            "severity": SEVERITIES[str(d.severity)],
            "location": {
                "path": printable(artifact_path(result, d.path), True),
                "lines": {"begin": max(1, d.line), "end": max(1, d.end_line, d.line)},
            },
        })
    return issues


def render(result) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
