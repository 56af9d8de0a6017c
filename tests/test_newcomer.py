"""The newcomer's session (tests/newcomer.py): a clean clone, a fresh virtualenv, the README's
install command, then every `schemalint` command of the README, each exiting with the code
the README documents and without a traceback. Offline: the virtualenv borrows the installed
dependencies (see tests/newcomer.py)."""

from __future__ import annotations

import io
import os
import sys

import pytest

from tests import newcomer

README = """# x

## Install

```sh
pip install -e '.[dev]'
```

## Run

```console
$ schemalint check docs/example/migrations
docs/example/migrations/003_index_orders.sql:1:35: error SL101 ...
```

```sh
schemalint check 'db/**/*.sql'          # glob patterns, a # in 'quotes#' kept
cat 042.sql | schemalint check - --stdin-filename 042.sql
python -m schemalint check migrations/  # same thing
pip install schemalint
schemalint baseline                     # accept today's findings
schemalint check --changed-since origin/main
```

## Test

```sh
python -m pytest
```
"""


def test_the_commands_come_from_the_readme_with_their_documented_codes():
    commands = newcomer.schemalint_commands(README)
    assert commands == [
        "schemalint check docs/example/migrations",
        "schemalint check 'db/**/*.sql'",
        "cat 042.sql | schemalint check - --stdin-filename 042.sql",
        "python -m schemalint check migrations/",
        "schemalint baseline",
        "schemalint check --changed-since origin/main",
    ]  # `pip install schemalint` installs, it does not run schemalint
    assert [newcomer.expected_code(c, baselined=False) for c in commands] == [1, 1, 1, 1, 0, 1]
    assert newcomer.expected_code(commands[-1], baselined=True) == 0
    assert newcomer.install_command(README) == "pip install -e '.[dev]'"
    assert newcomer.test_command(README) == "python -m pytest"


def test_ci_run_must_run_the_readme_commands(tmp_path):
    readme = (newcomer.HERE / "README.md").read_text()
    assert newcomer.check_ci_run(newcomer.HERE, readme) == []
    (tmp_path / ".ci").mkdir()
    script = (newcomer.HERE / ".ci" / "run").read_text()
    (tmp_path / ".ci" / "run").write_text(script.replace("python -m pytest", "python -m pytest -x"))
    [problem] = newcomer.check_ci_run(tmp_path, readme)
    assert "the README's test command `python -m pytest`" in problem


@pytest.mark.slow
def test_a_newcomer_following_the_readme(tmp_path):
    """The last commit of this repository (a clone sees what is committed)."""
    log = io.StringIO()
    problems = newcomer.run(newcomer.HERE, offline=True, log=log)
    assert problems == [], log.getvalue() + "\n\n".join(problems)
    shown = log.getvalue()
    assert "$ pip install -e '.[dev]'  [0," in shown
    assert "$ schemalint check docs/example/migrations  [1," in shown


def test_a_wrong_exit_code_or_a_traceback_is_a_problem(tmp_path):
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    log = io.StringIO()
    assert newcomer.try_command("schemalint rule SL101", 0, tmp_path, env, log) == []
    [wrong] = newcomer.try_command("schemalint rule SL999", 0, tmp_path, env, log)
    assert wrong.startswith("`schemalint rule SL999` exited 2, the README documents 0:")
    crash = "python -c 'raise RuntimeError(1)'"
    assert [p.split(":")[0] for p in newcomer.try_command(crash, 1, tmp_path, env, log)] == [
        f"`{crash}` printed a traceback"]
    assert "$ schemalint rule SL999  [2," in log.getvalue()
