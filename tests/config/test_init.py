"""`schemalint init`: the starter configuration and CI files."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import load_config_file as load_file


def test_starter_config_detects_migrations_and_loads(project):
    project.write("db/migrate/001.sql", "CREATE TABLE t (id bigint);\n")
    code, _, err = project.run("init")
    assert code == 0 and "wrote .schemalint.yaml" in err
    settings = load_file(".schemalint.yaml")
    assert settings.values["paths"] == ["db/migrate"]
    # The starter file works as is.
    code, out, _ = project.run("check")
    assert code == 0 and "1 file(s)" in out


def test_refuses_to_overwrite_without_force(project):
    project.write(".schemalint.yaml", "fail_on: never\n")
    project.write(".pre-commit-config.yaml", "repos: []\n")
    code, _, err = project.run("init", "--pre-commit")
    assert code == 2 and "already exist" in err and "- id: schemalint" in err
    assert (project.root / ".schemalint.yaml").read_text() == "fail_on: never\n"
    code, _, _ = project.run("init", "--pre-commit", "--force", "sql")
    assert code == 0 and load_file(".schemalint.yaml").values["paths"] == ["sql"]


def test_ci_files(project):
    code, _, err = project.run("init", "--github", "--pre-commit", "--gitlab")
    assert code == 0
    pre_commit = yaml.safe_load((project.root / ".pre-commit-config.yaml").read_text())
    assert pre_commit["repos"][0]["hooks"] == [{"id": "schemalint"}]
    gitlab = yaml.safe_load((project.root / ".gitlab-ci.yml").read_text())
    job = gitlab["schemalint"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert any("--format gitlab > gl-code-quality-report.json" in line for line in job["script"])
    # The cache block is docs/gitlab.md's, keyed by the ref the job installs.
    guide = (Path(__file__).parents[2] / "docs" / "gitlab.md").read_text()
    documented = yaml.safe_load(guide.split("```yaml .gitlab-ci.yml\n", 1)[1].split("```", 1)[0])["schemalint"]["cache"]
    ref = next(line for line in job["script"] if "pip install" in line).rsplit("@", 1)[1].rstrip('"')
    assert documented["key"]["prefix"] == "schemalint-v0.1.0"
    documented["key"]["prefix"] = f"schemalint-{ref}"
    assert job["cache"] == documented
    workflow = yaml.safe_load((project.root / ".github/workflows/schemalint.yml").read_text())
    steps = workflow["jobs"]["schemalint"]["steps"]
    action = next(s for s in steps if s["uses"].startswith("schemalint/schemalint@"))
    # The inputs agreed with action.yml.
    assert set(action["with"]) <= {"paths", "config", "fail-on", "changed-since", "sarif-file",
                                   "replay", "pg-version", "comment"}
    assert steps[0]["with"]["fetch-depth"] == 0


@pytest.mark.parametrize("name,schema", [
    (".github/workflows/schemalint.yml", "vendor.github-workflows"),
    (".gitlab-ci.yml", "vendor.gitlab-ci"),
])
def test_ci_files_validate_against_the_vendors_schemas(project, name, schema):
    pytest.importorskip("check_jsonschema")
    project.run("init", "--github", "--gitlab")
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, name],
                          cwd=project.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
