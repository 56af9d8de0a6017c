"""Releases that resolve (docs/releasing.md): the version comes from the git tag, the wheel and
the sdist build and pass `twine check`, and every install route the docs and `schemalint init`
give names a ref that exists."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from schemalint import __version__
from schemalint.commands import init
from schemalint.report.sarif_report import semantic_version
from tests.helpers import documented_tag

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SETUPTOOLS_SCM"))}
ENV.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
           GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_NOSYSTEM="1")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True,
                          text=True).stdout


def _snapshot(dest: Path, files: list[str] | None = None) -> Path:
    """A one-commit git repository holding this working tree's tracked files as they are now
    (or just `files`)."""
    if files is None:
        listed = _git(ROOT, "ls-files", "-z")
        files = [n for n in listed.split("\0") if n and (ROOT / n).is_file()]
    for name in files:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "snapshot")
    return dest


def _scm_version(cwd: Path) -> str:
    """The version setuptools-scm gives the tree at `cwd`, with this project's settings."""
    run = subprocess.run([sys.executable, "-m", "setuptools_scm"], cwd=cwd, env=ENV,
                         capture_output=True, text=True, check=True)
    return run.stdout.strip()


def test_version_flag_prints_the_installed_version():
    run = subprocess.run([sys.executable, "-m", "schemalint", "--version"], capture_output=True,
                         text=True, check=True)
    assert run.stdout == f"schemalint {__version__}\n"
    assert str(Version(__version__)) == __version__  # PEP 440, as setuptools-scm writes it


def test_the_version_module_is_generated_not_tracked():
    assert "linter/version.py" in (ROOT / ".gitignore").read_text().splitlines()
    if shutil.which("git") and (ROOT / ".git").exists():
        assert _git(ROOT, "ls-files", "linter/version.py") == ""


@needs_git
def test_version_comes_from_the_tag(tmp_path):
    settings = ["pyproject.toml", ".git_archival.txt", ".gitattributes"]
    repo = _snapshot(tmp_path / "repo", settings)
    (repo / "linter").mkdir()
    # No tag yet: a development version that sorts before the first release.
    assert re.fullmatch(r"0\.1\.dev1\+g[0-9a-f]+", _scm_version(repo))
    _git(repo, "tag", "v1.2.3")
    assert _scm_version(repo) == "1.2.3"
    (repo / "CHANGES").write_text("next\n")
    _git(repo, "add", "CHANGES")
    _git(repo, "commit", "-q", "-m", "next")
    assert re.fullmatch(r"1\.2\.4\.dev1\+g[0-9a-f]+", _scm_version(repo))
    # A tree without .git (GitHub's tarball of the tag, which the Action installs from) reads
    # the tag from .git_archival.txt, which `git archive` fills in.
    archive = tmp_path / "archive"
    archive.mkdir()
    tar = subprocess.run(["git", "archive", "v1.2.3"], cwd=repo, env=ENV, capture_output=True,
                         check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(archive)], input=tar, check=True)
    assert "describe-name: v1.2.3" in (archive / ".git_archival.txt").read_text()
    assert _scm_version(archive) == "1.2.3"
    # Neither git nor a filled-in archival file: the fallback, still a development version.
    (archive / ".git_archival.txt").unlink()
    assert _scm_version(archive) == "0.1.dev0"


@pytest.mark.slow
@needs_git
def test_wheel_and_sdist_build_and_pass_twine_check(tmp_path):
    """`python -m build` as a release runs it (docs/releasing.md), on a tagged snapshot of this
    working tree, without network: the build backend comes from the dev extra."""
    repo = _snapshot(tmp_path / "src")
    _git(repo, "tag", "v1.2.3")
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist),
                            str(repo)], cwd=repo, env=ENV, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert sorted(p.name for p in dist.iterdir()) == ["schemalint-1.2.3-py3-none-any.whl",
                                                      "schemalint-1.2.3.tar.gz"]
    twine = subprocess.run([sys.executable, "-m", "twine", "check", "--strict",
                            *map(str, dist.iterdir())], capture_output=True, text=True, env=ENV)
    assert twine.returncode == 0, twine.stdout + twine.stderr
    assert twine.stdout.count("PASSED") == 2

    wheel = dist / "schemalint-1.2.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert '__version__ = "1.2.3"' in z.read("schemalint/version.py").decode()
        assert "Version: 1.2.3" in z.read("schemalint-1.2.3.dist-info/METADATA").decode()
        z.extractall(tmp_path / "wheel")
    assert {"schemalint/rules/__init__.py", "schemalint/report.schema.json",
            "schemalint/schemalint.schema.json"} <= names
    assert not any(n.startswith(("tests/", "bench/", "docs/")) for n in names)
    with tarfile.open(dist / "schemalint-1.2.3.tar.gz") as t:
        members = set(t.getnames())
    assert {"schemalint-1.2.3/PKG-INFO", "schemalint-1.2.3/linter/version.py",
            "schemalint-1.2.3/CHANGELOG.md", "schemalint-1.2.3/LICENSE"} <= members

    # The wheel alone runs: its own schemalint (not this checkout's) with the rules inside.
    env = dict(ENV, PYTHONPATH=str(tmp_path / "wheel"), NO_COLOR="1")
    run = subprocess.run([sys.executable, "-m", "schemalint", "--version"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert run.stdout == "schemalint 1.2.3\n", run.stderr
    example = ROOT / "docs" / "example" / "migrations" / "003_index_orders.sql"
    run = subprocess.run([sys.executable, "-m", "schemalint", "check", str(example), "--select",
                          "SL101", "--format", "concise", "--no-cache"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 1 and " error SL101 [create-index-non-concurrently] " in run.stdout


def test_release_tag_only_for_a_release():
    assert init.release_tag("0.2.0") == "v0.2.0"
    assert init.release_tag("1.0.0rc1") == "v1.0.0rc1"
    assert init.release_tag("0.1.dev286+gad7269b04") is None
    assert init.release_tag("0.2.1.dev3+g1234567.d20261207") is None


def test_init_names_the_release_tag_or_main_for_a_development_build():
    assert init.pre_commit_config("0.2.0") == (
        "repos:\n"
        "  - repo: https://github.com/schemalint/schemalint\n"
        "    rev: v0.2.0\n"
        "    hooks:\n"
        "      - id: schemalint\n")
    assert init.pre_commit_config("0.2.1.dev3+g1234567") == (
        "repos:\n"
        "  - repo: https://github.com/schemalint/schemalint\n"
        "    # main: schemalint 0.2.1.dev3+g1234567 is a development build; pin a release tag "
        "(vX.Y.Z, https://github.com/schemalint/schemalint/releases)\n"
        "    rev: main\n"
        "    hooks:\n"
        "      - id: schemalint\n")
    assert "      - uses: schemalint/schemalint@v0.2.0\n" in init.github_workflow("0.2.0")
    dev = init.github_workflow("0.3.dev1+gabc")
    assert ("      # main: schemalint 0.3.dev1+gabc is a development build; pin a release tag "
            "(vX.Y.Z, https://github.com/schemalint/schemalint/releases)\n"
            "      - uses: schemalint/schemalint@main\n") in dev
    assert ('    - pip install "schemalint @ git+https://github.com/schemalint/schemalint@v0.2.0"\n'
            in init.gitlab_ci("0.2.0"))
    assert ('    - pip install "schemalint @ git+https://github.com/schemalint/schemalint@main"\n'
            in init.gitlab_ci("0.3.dev1+gabc"))


# Where the docs name a schemalint ref: the Action, pre-commit's rev, pip's git URL.
_REFS = re.compile(r"schemalint/schemalint@(?P<a>[\w.\-]+)|^\s*rev: (?P<b>\S+)|"
                   r"github\.com/schemalint/schemalint@(?P<c>[\w.\-]+)", re.M)


def test_docs_name_the_release_tag_the_release_process_creates():
    """Every ref a guide or the README gives is the documented release's tag (the newest in
    CHANGELOG.md; v0.1.0, the first, until it is out): docs/releasing.md's steps create it."""
    tag = documented_tag()
    assert re.fullmatch(r"v\d+\.\d+\.\d+", tag)
    found = {}
    for path in [ROOT / "README.md", ROOT / "action.yml", *sorted((ROOT / "docs").glob("*.md"))]:
        for m in _REFS.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group("a") or m.group("b") or m.group("c"), []).append(path.name)
    pinned = {ref: names for ref, names in found.items() if ref not in ("vX.Y.Z",)}
    assert set(pinned) == {tag}, pinned
    releasing = (ROOT / "docs" / "releasing.md").read_text(encoding="utf-8")
    assert "git tag -a vX.Y.Z" in releasing and "twine check" in releasing


@pytest.mark.parametrize(("version", "semver"), [
    ("0.1.0", "0.1.0"), ("1.2", "1.2.0"), ("1.0.0rc1", "1.0.0-rc1"),
    ("0.1.dev291+g08b4c9cb8.d20261207", "0.1.0-dev291+g08b4c9cb8.d20261207"),
    ("1.2.1.dev3+g1a2b3c4", "1.2.1-dev3+g1a2b3c4"), ("0.1.dev0", "0.1.0-dev0")])
def test_sarif_semantic_version_is_semver(version, semver):
    """SARIF's `semanticVersion` is Semantic Versioning 2.0; a development version is not."""
    assert semantic_version(version) == semver
