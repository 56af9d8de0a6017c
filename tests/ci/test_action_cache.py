"""The GitHub Action keeps schemalint's cache between runs (linter/ci/cache_key.py and the
cache steps of action.yml): the key, and a pull request run that starts from the cache its
base branch saved, played by the local runner of tests/ci/harness.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schemalint import __version__
from schemalint.ci.cache_key import cache_outputs
from schemalint.ci.github_action import ActionError
from tests.ci.harness import FakeCache, job_env, run_action, use_this_interpreter

BASE = ("CREATE TABLE orders (id uuid PRIMARY KEY, region text, created_at timestamptz,"
        " updated_at timestamptz);\n")


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / ".schemalint.yaml").write_text("pg_version: 15\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)
    monkeypatch.delenv("SCHEMALINT_CACHE_DIR", raising=False)
    return tmp_path


def _env(**inputs) -> dict:
    env = {"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "GITHUB_RUN_ID": "900",
           "GITHUB_RUN_ATTEMPT": "2"}
    env.update({"INPUT_" + k.upper(): v for k, v in inputs.items()})
    return env


def test_the_key_names_the_os_the_version_and_the_configuration(project):
    out = cache_outputs(_env())
    general = f"schemalint-Linux-X64-{__version__}-"
    assert out["enabled"] == "true"
    assert out["path"] == str(project / ".schemalint_cache")  # where `check` keeps it
    specific, general_again = out["restore-keys"].split("\n")
    assert general_again == general and specific.startswith(general) and specific.endswith("-")
    # Each run saves under a key of its own: entries are never overwritten.
    assert out["key"] == specific + "900-2"
    # Another configuration (or pg-version input): another specific prefix, the same general
    # one, whose entries still hold every file's parse.
    assert cache_outputs(_env(pg_version="14"))["restore-keys"].split("\n")[1] == general
    assert cache_outputs(_env(pg_version="14"))["key"] != out["key"]
    (project / ".schemalint.yaml").write_text("pg_version: 14\n")
    changed = cache_outputs(_env())
    assert changed["key"] != out["key"] and changed["restore-keys"].endswith("\n" + general)
    assert cache_outputs(_env())["key"] == changed["key"]  # the same inputs, the same key


def test_the_cache_input_and_schemalint_no_cache_turn_it_off(project, monkeypatch):
    assert cache_outputs(_env(cache="off")) == {"enabled": "false", "path": "", "key": "",
                                                "restore-keys": ""}
    monkeypatch.setenv("SCHEMALINT_NO_CACHE", "1")
    assert cache_outputs(_env())["enabled"] == "false"
    with pytest.raises(ActionError, match="input `cache`: expected on or off"):
        cache_outputs(_env(cache="sometimes"))
    monkeypatch.delenv("SCHEMALINT_NO_CACHE")
    with pytest.raises(ActionError, match="input `config`: cannot read nope.yaml"):
        cache_outputs(_env(config="nope.yaml"))


def _fresh_checkout(workspace: Path) -> None:
    """What a new job sees: the files of the commit, written anew, and no cache directory."""
    shutil.rmtree(workspace / ".schemalint_cache")
    for path in (workspace / "db" / "migrations").iterdir():
        text = path.read_bytes()
        path.unlink()
        path.write_bytes(text)


def _runs(workspace: Path) -> set[str]:
    """The whole-run findings entries of the cache (linter/speed/store.py)."""
    return {p.name for p in workspace.joinpath(".schemalint_cache").glob("*/runs/*")}


def _project(tmp_path: Path) -> tuple[Path, Path]:
    workspace, runner = tmp_path / "workspace", tmp_path / "runner"
    (workspace / "db" / "migrations").mkdir(parents=True)
    runner.mkdir()
    use_this_interpreter(runner)
    (workspace / ".schemalint.yaml").write_text("paths: [db/migrations]\n")
    return workspace, runner


def _job(workspace: Path, runner: Path, store: FakeCache, run_id: str, code: int = 0, **inputs):
    env = {**job_env(runner), "GITHUB_RUN_ID": run_id, "GITHUB_RUN_ATTEMPT": "1",
           "GITHUB_EVENT_NAME": "push", "GITHUB_WORKSPACE": str(workspace),
           "GITHUB_STEP_SUMMARY": str(runner / "summary.md")}
    run = run_action(workspace, runner, {"changed-since": "none", "sarif-file": "", **inputs},
                     store, env, skip=("Install schemalint",))
    check = run.results["check"]
    assert check.returncode == code, check.stdout + check.stderr
    return run


def test_a_pull_request_run_starts_from_the_cache_the_last_run_saved(tmp_path):
    workspace, runner = _project(tmp_path)
    for i in range(1, 41):
        (workspace / "db" / "migrations" / f"{i:03d}_t{i}.sql").write_text(
            BASE.replace("orders", f"t{i}"))
    cache = FakeCache(tmp_path / "caches")
    restore = "Restore schemalint's cache"

    # The base branch: a cold run, then its cache is saved (under its own key).
    first = _job(workspace, runner, cache, "1")
    assert first.outputs[restore] == {"cache-hit": "false"}
    saved = _runs(workspace)
    assert saved and [k for k, _ in cache.entries] == [first.outputs["cache-key"]["key"]]

    # A later run on a fresh checkout restores it (the newest entry with its prefix) and
    # takes the findings of the unchanged history from it: no new findings entry is made.
    _fresh_checkout(workspace)
    second = _job(workspace, runner, cache, "2")
    assert second.outputs[restore] == {
        "cache-hit": "false", "cache-matched-key": first.outputs["cache-key"]["key"]}
    assert _runs(workspace) == saved
    assert [k for k, _ in cache.entries] == [first.outputs["cache-key"]["key"],
                                             second.outputs["cache-key"]["key"]]

    # A pull request adds one migration: the newest entry is restored, and the new file is
    # checked against the history (its findings make one new entry), the step failing on it.
    _fresh_checkout(workspace)
    (workspace / "db" / "migrations" / "041_index.sql").write_text(
        "CREATE INDEX t1_region ON t1 (region);\n")
    third = _job(workspace, runner, cache, "3", code=1)
    assert third.outputs[restore]["cache-matched-key"] == second.outputs["cache-key"]["key"]
    assert len(_runs(workspace) - saved) == 1
    assert "::error file=db/migrations/041_index.sql,line=1," in third.results["check"].stdout
    assert len(cache.entries) == 3  # saved although the step failed


def test_without_the_cache_input_nothing_is_restored_or_saved(tmp_path):
    """`cache: off`: the two cache steps are skipped (the condition the harness evaluates
    is action.yml's own); `check` still keeps its cache within the job."""
    workspace, runner = _project(tmp_path)
    (workspace / "db" / "migrations" / "001.sql").write_text(BASE)
    cache = FakeCache(tmp_path / "caches")
    run = _job(workspace, runner, cache, "1", cache="off")
    assert run.skipped == ["Install schemalint", "Restore schemalint's cache",
                           "Save schemalint's cache"]
    assert run.outputs["cache-key"]["enabled"] == "false" and cache.entries == []
