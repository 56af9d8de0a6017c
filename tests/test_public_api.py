"""The public Python API and the JSON report's schema are versioned contracts."""

import json
from importlib import resources

import jsonschema

import schemalint
from schemalint.cli import main
from tests.corpus import ROOT


def test_public_api_names():
    assert schemalint.__all__ == ["__version__", "lint", "LintConfig", "Diagnostic", "Severity",
                                  "Migration"]
    for name in schemalint.__all__:
        assert getattr(schemalint, name) is not None


def test_public_api_lints_a_string():
    config = schemalint.LintConfig(select=("create-index-non-concurrently",))
    found = schemalint.lint([schemalint.Migration(path="m.sql", text="CREATE INDEX i ON t (a);")],
                            config)
    assert [(d.rule, d.line, d.column, str(d.severity)) for d in found] == [
        ("create-index-non-concurrently", 1, 19, "error")]


def test_json_report_matches_its_published_schema(capsys):
    schema = json.loads(resources.files("schemalint").joinpath("report.schema.json").read_text())
    main(["check", str(ROOT / "docs" / "example" / "migrations"), "--format", "json",
          "--select", "ALL", "--no-cache"])
    doc = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, schema)
    assert doc["diagnostics"] and any("fix" in d for d in doc["diagnostics"])
