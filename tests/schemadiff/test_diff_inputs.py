"""`schemalint diff` on odd inputs, found by the sweep of the corpus: each is a usage error
(exit 2) that names the path at fault, never a silent "no schema changes"."""

from __future__ import annotations

import pytest

from tests.schemadiff.test_diff import BASE, git, run


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_init.sql").write_text(BASE)
    (tmp_path / "empty").mkdir()
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    return tmp_path


@pytest.mark.parametrize("args, message", [
    # A directory without migrations is named (it was "no migration to check in : ...").
    (("db", "empty"), "empty matches no migration"),
    # The point that is not a path is named, not only the one that is.
    (("nowhere", "db"), "db is a path and nowhere is not"),
    # A --path that neither revision has was a silent "no schema changes".
    (("HEAD", "HEAD", "--path", "nowhere"), "no migrations in nowhere at HEAD or HEAD"),
])
def test_a_point_without_migrations_is_named(repo, monkeypatch, args, message):
    code, out, err = run(repo, monkeypatch, *args)
    assert (code, out) == (2, "") and message in err and "Traceback" not in err, err


def test_the_same_revision_twice_is_no_change(repo, monkeypatch):
    code, out, _ = run(repo, monkeypatch, "HEAD", "HEAD", "--path", "db")
    assert (code, out) == (0, "schema diff HEAD..HEAD: no schema changes\n")
