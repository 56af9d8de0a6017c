"""`schemalint check` over every corpus project: no crash, no internal-error."""

import json
import os
import subprocess
import sys

import pytest

from tests.corpus import CORPUS, corpus_projects, requires_corpus

PROJECTS = corpus_projects() or [CORPUS / "absent"]


@requires_corpus
@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_check_corpus_project(project):
    proc = subprocess.run(
        [sys.executable, "-m", "schemalint", "check", str(project), "--format", "json",
         "--select", "ALL"],
        capture_output=True, timeout=300, env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert b"Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    internal = [d for d in doc["diagnostics"] if d["rule"] == "internal-error"]
    assert not internal, internal[:5]
    assert doc["summary"]["statements"] > 0
