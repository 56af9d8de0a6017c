"""--changed-since against real temporary git repositories."""

import json
import os
import shutil
import subprocess

import pytest

from .conftest import BAD_INDEX, TABLE

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(project, monkeypatch, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    for key, value in {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
                       "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}.items():
        monkeypatch.setenv(key, value)
    project.git = lambda *a, cwd=None: subprocess.run(
        ["git", *a], cwd=cwd or project.root, check=True, capture_output=True, text=True).stdout
    project.git("init", "-q", "-b", "main")
    project.write(".schemalint.yaml", "paths: [db/migrations]\nselect: [SL101, SL102]\n")
    for name, sql in {"001.sql": TABLE, "002.sql": BAD_INDEX, "003.sql": "DROP INDEX a;\n",
                      "004.sql": "DROP INDEX b;\n"}.items():
        project.write(f"db/migrations/{name}", sql)
    project.write("app/keep", "")
    project.git("add", "-A")
    project.git("commit", "-qm", "history")
    project.git("checkout", "-qb", "feature")
    return project


def changed(project, ref, cwd=None):
    code, out, err = project.run("check", "--format", "json", "--changed-since", ref, cwd=cwd)
    assert code in (0, 1), err
    return sorted((os.path.basename(d["path"]), d["code"]) for d in json.loads(out)["diagnostics"])


def test_only_added_modified_and_renamed_files_are_reported(repo):
    assert changed(repo, "main") == []
    repo.write("db/migrations/005.sql", "CREATE INDEX c ON orders (id);\n")  # added
    with open(repo.root / "db/migrations/003.sql", "a") as fh:  # modified
        fh.write("-- touched\n")
    repo.git("mv", "db/migrations/004.sql", "db/migrations/004_renamed.sql")  # renamed
    repo.git("add", "-A")
    repo.git("commit", "-qm", "feature work")
    assert changed(repo, "main") == [("003.sql", "SL102"), ("004_renamed.sql", "SL102"),
                                     ("005.sql", "SL101")]
    # The unchanged 002.sql still folds into the model, it is just not reported.
    code, out, _ = repo.run("check", "--format", "json")
    assert ("002.sql", "SL101") in [(os.path.basename(d["path"]), d["code"])
                                    for d in json.loads(out)["diagnostics"]]


def test_merge_base_not_tip_of_ref(repo):
    # main moves on after the branch point: its new files are not this branch's changes.
    repo.git("checkout", "-q", "main")
    repo.write("db/migrations/006.sql", "DROP INDEX z;\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "main work")
    repo.git("checkout", "-q", "feature")
    repo.write("db/migrations/005.sql", "CREATE INDEX c ON orders (id);\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "feature")
    assert changed(repo, "main") == [("005.sql", "SL101")]


def test_uncommitted_and_untracked_files_count_and_subdirectory_works(repo):
    repo.write("db/migrations/005.sql", "CREATE INDEX c ON orders (id);\n")  # untracked
    with open(repo.root / "db/migrations/002.sql", "a") as fh:  # uncommitted change
        fh.write("\n")
    assert changed(repo, "main", cwd="app") == [("002.sql", "SL101"), ("005.sql", "SL101")]


def test_unknown_ref_and_not_a_repository(repo, tmp_path_factory):
    code, _, err = repo.run("check", "--changed-since", "nope")
    assert code == 2 and "unknown revision 'nope'" in err and "git fetch" in err
    elsewhere = tmp_path_factory.mktemp("norepo")
    (elsewhere / "a.sql").write_text("SELECT 1;\n")
    repo.monkeypatch.chdir(elsewhere)
    from schemalint.cli import main

    assert main(["check", "--no-config", "a.sql", "--changed-since", "main"]) == 2
    assert "is not inside a git repository" in repo.capsys.readouterr().err


def test_shallow_clone_tells_user_to_fetch(repo, tmp_path_factory):
    repo.write("db/migrations/005.sql", "CREATE INDEX c ON orders (id);\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "one")
    repo.write("db/migrations/006.sql", "DROP INDEX y;\n")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "two")
    clone = tmp_path_factory.mktemp("clone") / "c"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature",
                    f"file://{repo.root}", str(clone)], check=True)
    repo.monkeypatch.chdir(clone)
    from schemalint.cli import main

    # The base branch was never fetched.
    assert main(["check", "--changed-since", "origin/main"]) == 2
    err = repo.capsys.readouterr().err
    assert "unknown revision 'origin/main'" in err and "shallow" in err and "fetch-depth: 0" in err
    # Fetched, but only its tip: no merge base in the truncated history.
    subprocess.run(["git", "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main"],
                   cwd=clone, check=True)
    assert main(["check", "--changed-since", "origin/main"]) == 2
    err = repo.capsys.readouterr().err
    assert "no common ancestor" in err and "git fetch --unshallow" in err
    # After unshallowing it works.
    subprocess.run(["git", "fetch", "-q", "--unshallow", "origin"], cwd=clone, check=True)
    assert main(["check", "--format", "json", "--changed-since", "origin/main"]) == 1
    out = repo.capsys.readouterr().out
    assert sorted(os.path.basename(d["path"]) for d in json.loads(out)["diagnostics"]) == ["005.sql", "006.sql"]
