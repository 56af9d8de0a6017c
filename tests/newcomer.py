"""What a newcomer does with the README, from a clean clone: `python tests/newcomer.py [REPO]`.

1. Clone the repository (default: the one holding this script; its last commit, not the
   working tree's edits) into a temporary directory.
2. Make a fresh virtualenv and run the README's install command in it (the first command of
   its "Install" section, `pip install -e '.[dev]'`, by the virtualenv's own pip). With
   `--offline` (what the test suite passes) the virtualenv sees the interpreter's system
   site-packages and pip uses neither the network nor an isolated build environment
   (`--system-site-packages --without-pip`, PIP_NO_INDEX, PIP_NO_BUILD_ISOLATION=0): the
   dependencies are those already installed, schemalint itself is installed from the clone.
   The README's test command (`python -m pytest`) is not run again: the suite running this
   script is that command, and .ci/run runs both (`check_ci_run` checks it runs them as the
   README writes them).
3. Run every `schemalint ...` command of the README's code blocks, in the order they appear,
   extracted from the clone's README.md (so a README change is covered), with bash, in the
   clone, with the virtualenv first on PATH. The placeholder paths the README uses
   (`migrations/`, `db/migrations`, `db/**/*.sql`, `042_add_index.sql`) are made from
   docs/example/migrations, and `origin/main` is made to exist, as a user's repository has
   them.
4. Each must exit with the code the README documents and print no traceback: 1 for `check`
   (the example migrations hold errors: "every rule of the static core fires there") until
   `schemalint baseline` has run, 0 after it ("`check` then reports only new ones"), 0 for
   every other command; never 2 (a usage error).

Exit status: 0 when every command behaved, 1 otherwise (each failure is listed).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(?P<kind>\w*)[^\n]*\n(?P<body>.*?)^```", re.M | re.S)


def readme_blocks(readme: str) -> list[tuple[str, str, str]]:
    """(section title, block kind, body) of every fenced code block."""
    out, title = [], ""
    pos = 0
    for m in FENCE.finditer(readme):
        for heading in re.findall(r"^## (.+)$", readme[pos:m.start()], re.M):
            title = heading.strip()
        pos = m.end()
        out.append((title, m.group("kind"), m.group("body")))
    return out


def _lines(kind: str, body: str) -> list[str]:
    """The commands of a block: `$ ` lines of a console block, every line of a sh block,
    without trailing comments."""
    out = []
    for line in body.splitlines():
        if kind == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        line = _strip_comment(line).strip()
        if line:
            out.append(line)
    return out


def _strip_comment(line: str) -> str:
    """`cmd   # comment` -> `cmd   ` (bash's rule: a # that starts a word, outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def install_command(readme: str) -> str:
    for title, kind, body in readme_blocks(readme):
        if title == "Install" and kind == "sh":
            return _lines(kind, body)[0]
    raise SystemExit("README.md: no sh block under '## Install'")


def test_command(readme: str) -> str:
    for title, kind, body in readme_blocks(readme):
        if title == "Test" and kind == "sh":
            return _lines(kind, body)[0]
    raise SystemExit("README.md: no sh block under '## Test'")


def schemalint_commands(readme: str) -> list[str]:
    """Every command line of a sh or console block that runs schemalint."""
    out = []
    for _, kind, body in readme_blocks(readme):
        if kind not in ("sh", "console"):
            continue
        for line in _lines(kind, body):
            if any(_runs_schemalint(part) for part in line.split("|")):
                out.append(line)
    return out


def _runs_schemalint(segment: str) -> bool:
    words = segment.split()
    return words[:1] == ["schemalint"] or words[:3] == ["python", "-m", "schemalint"]


def check_ci_run(repo: Path, readme: str) -> list[str]:
    """.ci/run must run the README's install and test commands as the README writes them."""
    script = (repo / ".ci" / "run").read_text()
    problems = []
    for label, command in (("install", install_command(readme)), ("test", test_command(readme))):
        m = re.search(rf"^# README: {label}\n(.+)$", script, re.M)
        if not m or m.group(1).strip() != command:
            problems.append(f".ci/run does not run the README's {label} command `{command}` "
                            f"after '# README: {label}'")
    return problems


def expected_code(command: str, baselined: bool) -> int:
    segment = next(part for part in command.split("|") if _runs_schemalint(part)).split()
    words = segment[segment.index("schemalint") + 1:] if "schemalint" in segment else []
    sub = words[0] if words else ""
    return (0 if baselined else 1) if sub == "check" else 0


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def prepare(source: Path, work: Path, offline: bool) -> tuple[Path, dict]:
    repo = work / "repo"
    cloned = _run(["git", "clone", "-q", str(source), str(repo)])
    if cloned.returncode:
        raise SystemExit(f"git clone failed: {cloned.stderr}")
    # The README's `--changed-since origin/main`: a clone of a branch may lack it.
    if _run(["git", "rev-parse", "-q", "--verify", "origin/main"], cwd=repo).returncode:
        _run(["git", "update-ref", "refs/remotes/origin/main", "HEAD"], cwd=repo)
    venv = work / "venv"
    args = [sys.executable, "-m", "venv", str(venv)]
    if offline:
        # The installed dependencies (and pip and setuptools) from the interpreter's
        # site-packages; the venv's own bundled setuptools would shadow a newer one.
        args += ["--system-site-packages", "--without-pip"]
    made = _run(args)
    if made.returncode:
        raise SystemExit(f"python -m venv failed: {made.stderr}")
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "SCHEMALINT_NO_CACHE", "PYTHONHOME")}
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(venv)
    env["NO_COLOR"] = "1"
    if offline:
        env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    # The README's placeholder paths, as a user's repository has them.
    example = repo / "docs" / "example" / "migrations"
    shutil.copytree(example, repo / "migrations")
    shutil.copytree(example, repo / "db" / "migrations")
    (repo / "042_add_index.sql").write_text("CREATE INDEX orders_region_idx ON orders (region);\n")
    return repo, env


def try_command(command: str, want: int, cwd: Path, env: dict, log) -> list[str]:
    """Run one README command with bash; the problems with what it did."""
    began = time.monotonic()
    result = _run(["bash", "-o", "pipefail", "-c", command], cwd=cwd, env=env)
    print(f"$ {command}  [{result.returncode}, {time.monotonic() - began:.1f} s]", file=log)
    shown = result.stdout + result.stderr
    problems = []
    if result.returncode != want:
        problems.append(f"`{command}` exited {result.returncode}, the README documents {want}:"
                        f"\n{shown[-2000:]}")
    if "Traceback (most recent call last)" in shown:
        problems.append(f"`{command}` printed a traceback:\n{shown[-2000:]}")
    return problems


def run(source: Path, offline: bool, keep: bool = False, log=sys.stderr) -> list[str]:
    """The newcomer's session; returns the problems found (empty: all good)."""
    work = Path(tempfile.mkdtemp(prefix="schemalint-newcomer-"))
    problems: list[str] = []
    try:
        repo, env = prepare(source, work, offline)
        readme = (repo / "README.md").read_text(encoding="utf-8")
        problems += check_ci_run(repo, readme)
        install = install_command(readme)
        # The virtualenv's pip (`pip` itself is not in it when it borrows the system's).
        pip_install = re.sub(r"^pip3? ", f"{shlex.quote(str(work / 'venv' / 'bin' / 'python'))} -m pip ",
                             install)
        began = time.monotonic()
        done = _run(["bash", "-o", "pipefail", "-c", pip_install], cwd=repo, env=env)
        print(f"$ {install}  [{done.returncode}, {time.monotonic() - began:.1f} s]", file=log)
        if done.returncode:
            return problems + [f"`{install}` failed ({done.returncode}):\n{done.stdout}{done.stderr}"]
        baselined = False
        for command in schemalint_commands(readme):
            problems += try_command(command, expected_code(command, baselined), repo, env, log)
            baselined = baselined or command.split()[:2] == ["schemalint", "baseline"]
        return problems
    finally:
        if keep:
            print(f"kept {work}", file=log)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", nargs="?", default=str(HERE), help="the repository to clone")
    ap.add_argument("--offline", action="store_true",
                    help="install from the interpreter's site-packages, without the network")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    problems = run(Path(args.repo), args.offline, args.keep)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    print("newcomer: " + ("every README command behaved" if not problems
                          else f"{len(problems)} problem(s)"), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
