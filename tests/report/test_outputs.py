"""`check --format F --output F:PATH ...`: several reports from one run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from schemalint.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "docs" / "example" / "migrations")


def test_several_formats_in_one_run(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    sarif, junit, gitlab = tmp_path / "out" / "r.sarif", tmp_path / "r.xml", tmp_path / "cq.json"
    code = main(["check", EXAMPLE, "--format", "json", "--color",
                 "--output", f"sarif:{sarif}", "-o", f"junit:{junit}", "--output", f"gitlab:{gitlab}",
                 "--output", f"text:{tmp_path / 'r.txt'}"])
    assert code == 1
    stdout = json.loads(capsys.readouterr().out)
    count = len(stdout["diagnostics"])
    assert count > 0
    assert len(json.loads(sarif.read_text())["runs"][0]["results"]) == count  # parent dir created
    junit_root = ET.parse(junit).getroot()  # errors fail (--fail-on error), the rest are skipped
    assert len(junit_root.findall(".//failure")) + len(junit_root.findall(".//skipped")) == count
    assert len(json.loads(gitlab.read_text())) == count
    assert "\x1b[" not in (tmp_path / "r.txt").read_text()  # colour is for terminals only


def test_github_format_writes_the_step_summary(tmp_path, capsys, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["check", EXAMPLE, "--format", "github", "--fail-on", "never",
                 "--select", "SL101,SL102,SL103"]) == 0
    out = capsys.readouterr().out
    assert out.count("::error ") == 2 and out.count("::warning ") == 1
    assert summary.read_text().startswith("### schemalint: 2 errors, 1 warning — passed")


def test_paths_are_relative_to_the_repository_root(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "db" / "migrations").mkdir(parents=True)
    (repo / "db" / "migrations" / "001.sql").write_text("CREATE INDEX i ON t (a);\n")
    monkeypatch.chdir(repo / "db")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert main(["check", "migrations", "--format", "github"]) == 1
    assert "file=db/migrations/001.sql," in capsys.readouterr().out


def test_unknown_output_format_is_a_usage_error(capsys):
    assert main(["check", EXAMPLE, "--output", "pdf:report.pdf"]) == 2
    err = capsys.readouterr().err
    assert "--output: unknown format 'pdf'" in err and "sarif" in err


def test_output_without_a_path_is_a_usage_error(capsys):
    assert main(["check", EXAMPLE, "--output", "sarif"]) == 2
    assert "expected FORMAT:PATH" in capsys.readouterr().err


def test_unknown_stdout_format_is_a_usage_error(capsys):
    assert main(["check", EXAMPLE, "--format", "yaml"]) == 2
    assert "--format: unknown format 'yaml'" in capsys.readouterr().err


def test_unwritable_output_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["check", EXAMPLE, "--output", f"sarif:{blocker}/x.sarif"]) == 2
    err = capsys.readouterr().err
    assert "--output: cannot write" in err and "Traceback" not in err
