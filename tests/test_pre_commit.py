"""The pre-commit hook, run for real through `pre-commit try-repo` in a temporary repository.

pre-commit builds the hook's virtualenv from a git commit of this repository (installing
schemalint's dependencies from PyPI or pip's cache, ~15 s), so the test commits a snapshot
of the working tree (tracked and new files) to a temporary clone once and points every run
at it. Slow-ish by design; it stays in the suite because the hook is a product.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import check_supports

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

BAD = "CREATE INDEX orders_region_idx ON orders (region);\n"
GOOD = "CREATE INDEX CONCURRENTLY orders_region_idx ON orders (region);\n"


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return env


def _git(cwd: Path, *args: str, env: dict) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """A one-commit copy of this working tree, and a shared PRE_COMMIT_HOME, so pre-commit
    builds the hook environment once for the whole module."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("pre-commit")
    env = _env(base / "home")
    files = _git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z", env=env)
    snapshot = base / "schemalint"
    for name in filter(None, files.split("\0")):
        src = ROOT / name
        if src.is_file():
            dest = snapshot / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    _git(snapshot, "init", "-q", env=env)
    _git(snapshot, "add", "-A", env=env)
    _git(snapshot, "commit", "-q", "-m", "snapshot", env=env)
    return snapshot, env


def _project(base: Path, env: dict, committed: dict[str, str], staged: dict[str, str]) -> Path:
    project = base
    project.mkdir()
    _git(project, "init", "-q", env=env)
    for files in (committed, staged):
        for name, text in files.items():
            path = project / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            _git(project, "add", name, env=env)
        if files is committed and committed:
            _git(project, "commit", "-q", "-m", "history", env=env)
    return project


def _try_repo(hook_repo, project: Path) -> subprocess.CompletedProcess:
    snapshot, env = hook_repo
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(snapshot), "schemalint", "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )


def _run_configured(hook_repo, project: Path) -> subprocess.CompletedProcess:
    """`pre-commit run` with a `.pre-commit-config.yaml` naming the snapshot, as a user's
    repository does (try-repo installs into a throwaway store on every call; this reuses
    the environment in PRE_COMMIT_HOME)."""
    snapshot, env = hook_repo
    rev = _git(snapshot, "rev-parse", "HEAD", env=env).strip()
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {snapshot}\n    rev: {rev}\n    hooks:\n      - id: schemalint\n")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )


def test_hook_fails_on_a_bad_migration(hook_repo, tmp_path):
    project = _project(tmp_path / "p", hook_repo[1], {}, {"db/migrations/001_index.sql": BAD})
    run = _try_repo(hook_repo, project)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "schemalint" in run.stdout and "Failed" in run.stdout
    assert "db/migrations/001_index.sql:1:35: error SL101 [create-index-non-concurrently]" in run.stdout


def test_hook_passes_on_a_good_migration_and_ignores_other_files(hook_repo, tmp_path):
    project = _project(tmp_path / "p", hook_repo[1], {},
                       {"db/migrations/001_index.psql": GOOD, "README.md": BAD})
    run = _try_repo(hook_repo, project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout


@pytest.mark.skipif(not check_supports("--config"),
                    reason="needs configuration `paths` (the config work on issue 5)")
def test_hook_folds_the_history_but_reports_only_staged_files(hook_repo, tmp_path):
    history = {
        # Two rules, so that rules added later do not change what this test sees.
        ".schemalint.yaml": "paths:\n  - db/migrations\n"
                            "select: [create-index-non-concurrently, set-not-null-on-existing-column]\n",
        "db/migrations/001_customers.sql": "CREATE TABLE customers (id bigint PRIMARY KEY, email text,"
                                           " created_at timestamptz, updated_at timestamptz);\n",
        # A committed finding: not staged, so the hook must not report it.
        "db/migrations/002_index.sql": "CREATE INDEX customers_email_idx ON customers (email);\n",
        "db/migrations/003_check.sql": "ALTER TABLE customers ADD CONSTRAINT customers_email_nn"
                                       " CHECK (email IS NOT NULL) NOT VALID;\n",
        "db/migrations/004_validate.sql": "ALTER TABLE customers VALIDATE CONSTRAINT customers_email_nn;\n",
    }
    # Fine only because the history proves the column non-null (a validated CHECK, PG 12+):
    # linted alone, this file would be flagged by set-not-null-on-existing-column.
    staged = {"db/migrations/005_not_null.sql":
              "ALTER TABLE customers ALTER COLUMN email SET NOT NULL;\n"}
    project = _project(tmp_path / "p", hook_repo[1], history, staged)
    run = _run_configured(hook_repo, project)
    assert run.returncode == 0, run.stdout + run.stderr

    (project / "db/migrations/006_index.sql").write_text(BAD.replace("orders", "customers"))
    _git(project, "add", "db/migrations/006_index.sql", env=hook_repo[1])
    run = _run_configured(hook_repo, project)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "db/migrations/006_index.sql:1:" in run.stdout
    assert "002_index.sql" not in run.stdout and "005_not_null.sql" not in run.stdout

    # A staged SQL file outside the configured paths (a seed) is ignored, not linted.
    (project / "seeds").mkdir()
    (project / "seeds/dev.sql").write_text(BAD)
    _git(project, "add", "seeds/dev.sql", env=hook_repo[1])
    run = _run_configured(hook_repo, project)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "db/migrations/006_index.sql:1:" in run.stdout and "seeds/dev.sql:1:" not in run.stdout

    # A mistyped `paths:` fails the commit, naming it, instead of turning the hook off.
    (project / ".schemalint.yaml").write_text("paths:\n  - db/migratons\n")
    _git(project, "add", ".schemalint.yaml", env=hook_repo[1])
    (project / "db/migrations/006_index.sql").write_text(GOOD.replace("orders", "customers"))
    _git(project, "add", "db/migrations/006_index.sql", env=hook_repo[1])
    run = _run_configured(hook_repo, project)
    assert run.returncode == 1, run.stdout + run.stderr  # pre-commit's code for a failed hook
    assert ("schemalint: error: no such file or directory: db/migratons (`paths:` in "
            ".schemalint.yaml)") in run.stdout
