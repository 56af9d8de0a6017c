"""Each machine format parsed back and checked field by field; SARIF also validated against
the official OASIS SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import os
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from schemalint.check.catalog import catalog
from schemalint.diagnostics import Severity
from schemalint.report import LintResult, render, stable_ids
from schemalint.report.escape import printable
from schemalint.report.github_report import after_render, escape_data, escape_property
from tests.report.test_snapshots import fixture_result

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = "sarif-schema-2.1.0.json"


def sarif_schema_path() -> Path | None:
    """The OASIS schema: $SCHEMALINT_SARIF_SCHEMA, else shared/schemas/ beside the repository
    or one of its parents (CI keeps it at ../shared/schemas/ relative to the repository)."""
    if os.environ.get("SCHEMALINT_SARIF_SCHEMA"):
        return Path(os.environ["SCHEMALINT_SARIF_SCHEMA"])
    for parent in ROOT.parents:
        candidate = parent / "shared" / "schemas" / SARIF_SCHEMA
        if candidate.is_file():
            return candidate
    return None


def test_sarif_validates_against_the_oasis_schema():
    path = sarif_schema_path()
    if path is None:
        pytest.skip(f"{SARIF_SCHEMA} not found in ../shared/schemas/ above {ROOT}")
    import jsonschema

    schema = json.loads(path.read_text(encoding="utf-8"))
    doc = json.loads(render("sarif", fixture_result()))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    # The schema is strict enough to catch a malformed document (a test that can fail).
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(doc))


def test_sarif_fields():
    result = fixture_result()
    doc = json.loads(render("sarif", result))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "schemalint"
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted({d.code for d in result.diagnostics})
    for r in rules:
        for key in ("name", "shortDescription", "fullDescription", "help", "helpUri", "properties"):
            assert r[key], (r["id"], key)
        assert r["help"]["text"] and r["help"]["markdown"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert r["properties"]["category"] in r["properties"]["tags"]
    assert run["columnKind"] == "unicodeCodePoints"
    results = run["results"]
    assert len(results) == len(result.diagnostics)
    for res, d in zip(results, result.diagnostics, strict=True):
        assert res["ruleId"] == d.code
        assert rules[res["ruleIndex"]]["id"] == d.code
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[str(d.severity)]
        assert res["message"]["text"] == d.message
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["region"] == {"startLine": d.line, "startColumn": d.column,
                                 "endLine": d.end_line, "endColumn": max(d.end_column, d.column)}
    by_code: dict = {}
    for r in results:
        by_code.setdefault(r["ruleId"], r)
    # 1-based and in characters: `NOT` follows `"façade"`, whose `ç` is two bytes in UTF-8,
    # so a byte-based column would say 46.
    sl106 = by_code["SL106"]["locations"][0]["physicalLocation"]
    assert sl106["region"]["startLine"] == 1 and sl106["region"]["startColumn"] == 45
    # Paths become percent-encoded URI references (a `:` could otherwise read as a scheme).
    assert sl106["artifactLocation"]["uri"] == "db/003_odd%2Cname%3A50%25.sql"
    assert by_code["SL303"]["level"] == "note"  # severity overridden to info
    multi = by_code["SL103"]["locations"][0]["physicalLocation"]["region"]
    assert (multi["startLine"], multi["endLine"]) == (2, 3)


def test_sarif_fingerprints_are_stable_and_distinct():
    result = fixture_result()
    first = [r["partialFingerprints"]["schemalint/v1"]
             for r in json.loads(render("sarif", result))["runs"][0]["results"]]
    assert len(set(first)) == len(first)
    # Shift every line down and reformat: the ids stay the same.
    shifted = fixture_result()
    for d in shifted.diagnostics:
        d.line += 7
        d.end_line += 7
    assert stable_ids(shifted) == stable_ids(result)


def test_identical_findings_get_distinct_fingerprints():
    from tests.helpers import lint_sql

    diags = lint_sql("CREATE TABLE t (a int) ;\nDROP INDEX i;\nDROP INDEX i;\n", select=("SL102",))
    assert len(diags) == 2
    ids = stable_ids(LintResult(diagnostics=diags))
    assert ids[0] != ids[1]


def test_sarif_describes_every_rule_by_default():
    result = fixture_result()
    result.rules = {}
    rules = json.loads(render("sarif", result))["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r.code for r in catalog())
    assert all(r["fullDescription"]["text"] for r in rules)


def test_sarif_paths_relative_to_the_repository_root(tmp_path):
    result = fixture_result()
    result.root = str(tmp_path)
    for d in result.diagnostics:
        d.path = str(tmp_path / d.path)
    doc = json.loads(render("sarif", result))
    run = doc["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "db/002_index_fa%C3%A7ade.sql" in uris
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_junit_parses_back():
    """Failures follow --fail-on: each file is a test case failing with its findings at or above
    the threshold; each finding below it is a skipped test case of its own."""
    result = fixture_result()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DeprecationWarning may leak out of the reporter
        text = render("junit", result)
    root = ET.fromstring(text.encode("utf-8"))
    suite = root.find("testsuite")
    assert suite.get("name") == "schemalint"
    cases = suite.findall("testcase")
    files = [c for c in cases if c.get("name") in result.sources]
    assert [c.get("name") for c in files] == list(result.sources)
    failing = [d for d in result.diagnostics if d.severity >= Severity.ERROR]
    below = [d for d in result.diagnostics if d.severity < Severity.ERROR]
    assert (len(failing), len(below)) == (5, 2)
    assert int(suite.get("tests")) == len(result.sources) + len(below)
    failures = [(c.get("name"), f) for c in cases for f in c.findall("failure")]
    assert len(failures) == len(failing)
    for (name, f), d in zip(failures, failing, strict=True):
        assert name == d.path
        assert f.get("type") == "error"
        assert f.get("message") == f"{d.line}:{d.column} {d.code} [{d.rule}] {printable(d.message, True)}"
        assert "SELECT 'a' || 'b';\\x07" in f.text  # the help, unescaped by the parser
        assert f.text.startswith(f"{d.path}:{d.line}:{d.column}: ")
    skipped = [(c.get("name"), s) for c in cases for s in c.findall("skipped")]
    assert [(name, s.get("message")) for name, s in skipped] == [
        ("db/001_create_façade.sql:3:5 SL303 [sequential-primary-key]",
         "info below --fail-on error: 3:5 SL303 [sequential-primary-key] `sequential-primary-key` "
         "finding: 100% <sure>, a|b \\x1b[2J"),
        ("db/002_index_façade.sql:3:1 SL102 [drop-index-non-concurrently]",
         "warning below --fail-on error: 3:1 SL102 [drop-index-non-concurrently] "
         "`drop-index-non-concurrently` finding: 100% <sure>, a|b \\x1b[2J"),
    ]
    clean = [c for c in cases if c.get("name") == "db/005_clean.sql"][0]
    assert list(clean) == []
    passing = [c for c in cases if c.get("name") == "db/001_create_façade.sql"][0]
    assert list(passing) == []  # its info finding is below the threshold
    assert int(suite.get("failures")) == 3  # test cases (files) with failures
    assert int(suite.get("skipped")) == 2


@pytest.mark.parametrize(("fail_on", "failures", "skipped"), [
    ("error", 5, 2), ("warning", 6, 1), ("info", 7, 0), ("never", 0, 7)])
def test_junit_failures_follow_fail_on(fail_on, failures, skipped):
    root = ET.fromstring(render("junit", fixture_result(fail_on)).encode("utf-8"))
    assert len(root.findall(".//failure")) == failures
    assert len(root.findall(".//skipped")) == skipped


def test_gitlab_code_quality_fields():
    result = fixture_result()
    issues = json.loads(render("gitlab", result))
    assert len(issues) == len(result.diagnostics)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    for issue, d in zip(issues, result.diagnostics, strict=True):
        assert issue["check_name"] == d.rule
        assert printable(d.message, True) in issue["description"]  # no raw escape sequence
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"] == {"path": d.path, "lines": {"begin": d.line, "end": d.end_line}}
    sev = {i["check_name"]: i["severity"] for i in issues}
    assert sev["create-index-non-concurrently"] == "major"
    assert sev["drop-index-non-concurrently"] == "minor"
    assert sev["sequential-primary-key"] == "info"


def test_github_escaping():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_github_annotations():
    result = fixture_result()
    lines = render("github", result).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(result.diagnostics)
    kinds = [c[2:].split(" ", 1)[0] for c in commands]
    assert kinds == [{"error": "error", "warning": "warning", "info": "notice"}[str(d.severity)]
                     for d in result.diagnostics]
    first = commands[1]  # SL101 on line 2, `"façade"`: columns 8..15 inclusive
    assert first.startswith("::error file=db/002_index_façade.sql,line=2,col=8,endLine=2,"
                            "endColumn=15,title=SL101 create-index-non-concurrently::")
    odd = [c for c in commands if "SL901" in c][0]
    assert "file=db/003_odd%2Cname%3A50%25.sql," in odd
    # Every annotation is one line: the multi-line help is percent-encoded; other control
    # characters (the fixture's ESC and BEL) are written as \xNN.
    assert all("\n" not in c for c in commands)
    assert all("\x1b" not in c and "\x07" not in c for c in lines)
    assert "a|b \\x1b[2J%0A%0ADo this instead:%0A    SELECT 'a' || 'b';\\x07%0A%0ASee " in first


def test_github_step_summary_appends_markdown(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = fixture_result()
    after_render(result, {"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### schemalint: 5 errors, 1 warning, 1 info — failed")
    assert text.count("<details") == 4  # one per file with findings
    after_render(result, {})  # no summary file outside GitHub Actions: nothing to do


def test_markdown_passed_without_findings():
    text = render("markdown", LintResult(diagnostics=[], files_checked=2, statements=3))
    assert text.startswith("### schemalint: no findings — passed\n")
    assert "<details" not in text


def test_markdown_collapses_long_reports():
    result = fixture_result()
    result.diagnostics = result.diagnostics * 4
    assert "<details open>" not in render("markdown", result)
    assert Severity.INFO  # the fixture exercises all three severities


def test_sarif_is_what_json_dumps_writes_of_its_document(tmp_path):
    """The results are written as f-strings (sarif_report._result_text) and must be the bytes
    json.dumps(indent=2) writes: the usual shape, a rule outside the result's rules (no
    ruleIndex), an absolute path outside the root, related locations, replay properties,
    non-ASCII and control characters, and no result at all."""
    from schemalint.report import sarif_report

    result = fixture_result()
    d = result.diagnostics
    d[0].extra = {**d[0].extra, "replay": {"observed": "ACCESS EXCLUSIVE 12 ms"}}
    d[0].source = "static"
    d[1].extra = {**d[1].extra, "related": [{"path": d[1].path, "line": 3, "message": "blamed"}]}
    d[2].message = "naïve \u00e9t\u00e9 \u2028 tab\there \"quoted\" \\ back\u0001"
    d[3].path = str(tmp_path / "elsewhere.sql")
    d[4].code = "SL999"
    for root in (None, str(tmp_path), str(ROOT)):
        result.root = root
        expected = json.dumps(sarif_report.document(result), indent=2, ensure_ascii=False) + "\n"
        assert sarif_report.render(result) == expected
    result.diagnostics = []
    assert sarif_report.render(result) == json.dumps(sarif_report.document(result), indent=2,
                                                     ensure_ascii=False) + "\n"
