"""A local runner for action.yml's composite steps: each `run` step with its `${{ }}`
expressions filled in and run with bash, its `$GITHUB_OUTPUT` read back (`name=value` and the
`name<<DELIMITER` form), `if:` conditions evaluated (the forms action.yml uses), and the two
actions it calls, actions/cache/restore and actions/cache/save, played by `FakeCache` over a
local directory with their documented matching rules."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"


class FakeCache:
    """Entries are never overwritten; `key` matches exactly, else each restore key in turn
    matches as a prefix, the most recently saved entry first (GitHub's cache key matching)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries: list[tuple[str, Path]] = []  # in the order they were saved

    def restore(self, inputs: dict) -> dict:
        key, path = inputs["key"], Path(inputs["path"])
        prefixes = [k.strip() for k in inputs.get("restore-keys", "").splitlines() if k.strip()]
        for hit, candidates in ((True, [key]), (False, prefixes)):
            for wanted in candidates:
                for name, stored in reversed(self.entries):
                    if name == wanted if hit else name.startswith(wanted):
                        shutil.rmtree(path, ignore_errors=True)
                        shutil.copytree(stored, path)
                        return {"cache-hit": str(hit).lower(), "cache-matched-key": name}
        return {"cache-hit": "false"}

    def save(self, inputs: dict) -> dict:
        key, path = inputs["key"], Path(inputs["path"])
        if any(name == key for name, _ in self.entries) or not path.is_dir():
            return {}
        stored = self.root / str(len(self.entries))
        shutil.copytree(path, stored)
        self.entries.append((key, stored))
        return {}


def expand(text: str, context: dict) -> str:
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: context.get(m.group(1), ""), text)


def read_outputs(path: Path) -> dict:
    out: dict[str, str] = {}
    lines = iter(path.read_text().splitlines() if path.exists() else ())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for more in lines:
                if more == delimiter:
                    break
                value.append(more)
            out[name] = "\n".join(value)
        else:
            name, _, value = line.partition("=")
            out[name] = value
    return out


def _runs(condition: str | None, failed: bool, context: dict) -> bool:
    """`if:` as action.yml writes it: terms joined by &&, each `!cancelled()`, `always()` or
    `steps.ID.outputs.NAME == 'VALUE'`; without a status function, `success()` is implied."""
    if condition is None:
        return not failed
    text = condition.strip()
    if text.startswith("${{"):
        text = text[3:-2].strip()
    status_given = False
    for term in (t.strip() for t in text.split("&&")):
        if term in ("always()", "!cancelled()"):
            status_given = True
            continue
        m = re.fullmatch(r"([\w.-]+) == '([^']*)'", term)
        assert m, f"the harness does not know this condition: {term!r}"
        if context.get(m.group(1), "") != m.group(2):
            return False
    return status_given or not failed


class Run:
    def __init__(self) -> None:
        self.results: dict[str, subprocess.CompletedProcess] = {}  # by step id or name
        self.outputs: dict[str, dict] = {}
        self.skipped: list[str] = []


def run_action(workspace: Path, runner: Path, inputs: dict, cache: FakeCache, env: dict,
               skip: tuple[str, ...] = ()) -> Run:
    """Run every step of action.yml as a runner would, in `workspace`; `env`: the job's
    environment (GITHUB_*, RUNNER_TEMP...); `skip`: steps (by name) not to run, as if their
    condition were false."""
    action = yaml.safe_load(ACTION.read_text())
    values = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    values.update(inputs)
    context = {f"inputs.{k}": v for k, v in values.items()}
    context["github.action_path"] = str(ROOT)
    run, failed = Run(), False
    for n, step in enumerate(action["runs"]["steps"]):
        name = step.get("id") or step["name"]
        if step["name"] in skip or not _runs(step.get("if"), failed, context):
            run.skipped.append(name)
            continue
        if "uses" in step:
            given = {k: expand(str(v), context) for k, v in step.get("with", {}).items()}
            action_name = step["uses"].split("@", 1)[0]
            outputs = {"actions/cache/restore": cache.restore,
                       "actions/cache/save": cache.save}[action_name](given)
        else:
            assert step["shell"] == "bash"
            output_file = runner / f"output-{n}"
            step_env = dict(env, GITHUB_OUTPUT=str(output_file),
                            **{k: expand(v, context) for k, v in step.get("env", {}).items()})
            result = subprocess.run(["bash", "-e", "-c", expand(step["run"], context)],
                                    cwd=workspace, env=step_env, capture_output=True, text=True,
                                    timeout=600)
            run.results[name] = result
            failed = failed or result.returncode != 0
            outputs = read_outputs(output_file)
        run.outputs[name] = outputs
        for key, value in outputs.items():
            context[f"steps.{name}.outputs.{key}"] = value
    return run


def use_this_interpreter(runner: Path) -> None:
    """Stand in for the install step: the virtualenv it would make is this test run's (so
    the steps run this checkout's code without building it)."""
    venv = Path(sys.executable).parent.parent
    (runner / "schemalint-venv").symlink_to(venv)


def job_env(runner: Path) -> dict:
    """The environment of a job: this one's, without the test suite's SCHEMALINT_NO_CACHE
    (tests/conftest.py) or the action inputs of in-process tests; the runner's variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INPUT_", "VIRTUAL_ENV")) and k != "SCHEMALINT_NO_CACHE"}
    # The install step builds from the action's directory, here this checkout: setuptools-scm
    # must not rewrite its linter/version.py under the tests running beside this one.
    env["SETUPTOOLS_SCM_WRITE_TO_SOURCE"] = "0"
    env.update(RUNNER_OS="Linux", RUNNER_ARCH="X64", RUNNER_TEMP=str(runner))
    return env
