"""Every example in the CI guides is executed, so the guides stay true.

- ```console blocks: each `$ command` runs with bash in a sandbox (a git repository holding a
  copy of docs/example/), and its output must be the lines that follow it (`...` stands for
  any number of lines).
- ```yaml FILE blocks: by file name, the GitHub workflow is validated against GitHub's workflow
  schema and must use the real action inputs; the GitLab job is validated against GitLab's CI
  schema and its script runs; the pre-commit configuration must name the real hook; a
  `.schemalint.yaml` must load.
- ```groovy Jenkinsfile blocks: the `sh` steps run.
A block of any other kind fails the test, so no example goes unchecked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import documented_tag

ROOT = Path(__file__).resolve().parent.parent
GUIDES = ["output-formats.md", "github.md", "gitlab.md", "jenkins.md", "pre-commit.md"]
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
# Lines that install schemalint: the test runs the schemalint it is testing instead.
INSTALL = re.compile(r"\bpip3? install\b")


def blocks(guide: str) -> list[tuple[str, str, str]]:
    text = (ROOT / "docs" / guide).read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        kind, _, arg = m.group("info").strip().partition(" ")
        out.append((kind, arg.strip(), m.group("body")))
    return out


def all_blocks():
    for guide in GUIDES:
        for i, (kind, arg, body) in enumerate(blocks(guide)):
            yield pytest.param(kind, arg, body, id=f"{guide}#{i + 1}-{kind}")


@pytest.fixture
def sandbox(tmp_path):
    box = tmp_path / "repo"
    shutil.copytree(ROOT / "docs" / "example", box / "docs" / "example")
    # The guides' CI examples use the usual db/migrations, and a virtualenv in .venv.
    shutil.copytree(ROOT / "docs" / "example" / "migrations", box / "db" / "migrations")
    (box / ".venv").symlink_to(sys.prefix)
    subprocess.run(["git", "init", "-q"], cwd=box, check=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "CI_", "GIT_", "NO_COLOR"))}
    # The schemalint under test first on PATH.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return box, env


def sh(command: str, box: Path, env: dict, ok=(0, 1)) -> subprocess.CompletedProcess:
    """Run a command; a CI script's exit status must be a verdict (0/1), not an error."""
    run = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=box, env=env,
                         capture_output=True, text=True, timeout=300)
    assert ok is None or run.returncode in ok, f"$ {command}\n{run.stdout}{run.stderr}"
    return run


def matches(expected: list[str], actual: list[str]) -> bool:
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0].rstrip() == expected[0].rstrip() and matches(expected[1:], actual[1:])


def run_console(body: str, box: Path, env: dict) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"console block must start with `$ `: {line!r}"
            commands[-1][1].append(line)
    for command, expected in commands:
        run = sh(command, box, env, ok=None)
        actual = (run.stdout + run.stderr).splitlines()
        assert matches(expected, actual), (
            f"$ {command}\n--- expected\n" + "\n".join(expected) + "\n--- got\n" + "\n".join(actual))


def check_jsonschema(schema: str, path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema,
                          str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def check_github_workflow(body: str, box: Path, env: dict) -> None:
    path = box / ".github" / "workflows" / "schemalint.yml"
    path.parent.mkdir(parents=True)
    path.write_text(body)
    check_jsonschema("vendor.github-workflows", path)
    workflow = yaml.safe_load(body)
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    ours = [s for s in steps if s.get("uses", "").startswith("schemalint/schemalint@")]
    assert ours, "the workflow must use the schemalint action"
    for step in ours:
        assert step["uses"] == f"schemalint/schemalint@{documented_tag()}"
        unknown = set(step.get("with", {})) - set(ACTION["inputs"])
        assert not unknown, f"inputs the action does not have: {unknown}"
        for value in step.get("with", {}).values():
            assert isinstance(value, str), f"quote {value!r}: action inputs are strings"
    uploads = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    for step in uploads:
        sarif = next((s.get("with", {}).get("sarif-file") for s in ours if "with" in s), None)
        assert step["with"]["sarif_file"] == (sarif or ACTION["inputs"]["sarif-file"]["default"])
        assert "always()" in step.get("if", ""), "upload the SARIF file even when the check fails"
    if uploads:
        perms = workflow.get("permissions") or next(iter(workflow["jobs"].values())).get("permissions")
        assert perms.get("security-events") == "write"
    if any(s.get("with", {}).get("comment") in ("on", "true") for s in ours):
        assert perms.get("pull-requests") == "write"


def check_gitlab_ci(body: str, box: Path, env: dict) -> None:
    path = box / ".gitlab-ci.yml"
    path.write_text(body)
    check_jsonschema("vendor.gitlab-ci", path)
    for name, job in yaml.safe_load(body).items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        for line in job["script"]:
            if not INSTALL.match(line):
                sh(line, box, dict(env, **{k: str(v) for k, v in job.get("variables", {}).items()}))
        for report in job.get("artifacts", {}).get("reports", {}).values():
            for file in [report] if isinstance(report, str) else report:
                assert (box / file).is_file(), f"job {name} did not write {file}"


def check_jenkinsfile(body: str, box: Path, env: dict) -> None:
    steps = re.findall(r"""\bsh\s+(?:'''(.*?)'''|'([^'\n]*)'|"([^"\n]*)")""", body, re.S)
    assert steps, "no sh steps in the Jenkinsfile"
    for triple, single, double in steps:
        for line in (triple or single or double).strip().splitlines():
            if line.strip() and not INSTALL.match(line):
                sh(line.strip(), box, env)
    for pattern in re.findall(r"junit\s+(?:testResults:\s*)?'([^']+)'", body):
        assert list(box.glob(pattern)), f"no test report matches {pattern}"


def check_pre_commit_config(body: str, box: Path, env: dict) -> None:
    config = yaml.safe_load(body)
    ids = {h["id"] for h in HOOKS}
    [repo] = [r for r in config["repos"] if r["repo"].endswith("schemalint/schemalint")]
    assert repo["rev"] == documented_tag()
    assert {h["id"] for h in repo["hooks"]} <= ids


def check_schemalint_yaml(body: str, box: Path, env: dict) -> None:
    from schemalint.cli import COMMANDS

    if "config" not in COMMANDS:
        pytest.skip("`schemalint config` (the config work on issue 5) is not here yet")
    (box / ".schemalint.yaml").write_text(body)
    sh("schemalint config", box, env, ok=(0,))


FILES = {
    ".github/workflows/schemalint.yml": check_github_workflow,
    ".gitlab-ci.yml": check_gitlab_ci,
    ".pre-commit-config.yaml": check_pre_commit_config,
    ".schemalint.yaml": check_schemalint_yaml,
}


@pytest.mark.parametrize(("kind", "arg", "body"), list(all_blocks()))
def test_guide_example(kind, arg, body, sandbox):
    box, env = sandbox
    if kind == "console":
        run_console(body, box, env)
    elif kind == "yaml" and arg in FILES:
        FILES[arg](body, box, env)
    elif kind == "groovy" and arg == "Jenkinsfile":
        check_jenkinsfile(body, box, env)
    else:
        pytest.fail(f"an example the tests cannot run: ```{kind} {arg}")


def test_every_guide_exists_and_has_examples():
    for guide in GUIDES:
        assert blocks(guide), guide


def test_github_guide_documents_every_input_and_output():
    text = (ROOT / "docs" / "github.md").read_text()
    for name in [*ACTION["inputs"], *ACTION["outputs"]]:
        assert f"| `{name}` |" in text, f"docs/github.md does not document `{name}`"
