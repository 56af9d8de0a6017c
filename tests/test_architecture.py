"""The package keeps the shape docs/architecture.md describes: the import-linter contracts of
pyproject.toml hold, no module-level import cycle exists (function-local imports included),
at most eight modules sit at the package's top level, and no module is over 600 lines.

The checks run on a copy laid out as the wheel installs it (rules/ inside schemalint/): an
editable install maps rules/ from outside linter/, where import-linter would not look."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_TOP_LEVEL_MODULES = 8
MAX_MODULE_LINES = 600


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "linter", site / "schemalint", ignore=ignore)
    shutil.copytree(ROOT / "rules", site / "schemalint" / "rules", ignore=ignore)
    return site


def _python(staged: Path, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(staged))
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_staged_copy_is_what_is_imported(staged):
    proc = _python(staged, "import schemalint.rules, schemalint.check.engine as e; print(e.__file__)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(str(staged)), proc.stdout


def test_import_linter_contracts_hold(staged):
    proc = _python(staged, "import sys; from importlinter.cli import lint_imports_command\n"
                           "sys.argv = ['lint-imports', '--no-cache']; lint_imports_command()")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout, proc.stdout


def test_no_module_level_import_cycle(staged):
    # Tarjan's strongly connected components over grimp's module graph, which includes the
    # imports inside functions.
    proc = _python(staged, """
import grimp, sys
graph = grimp.build_graph("schemalint")
index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(m):
    index[m] = low[m] = counter[0]; counter[0] += 1
    stack.append(m); on_stack.add(m)
    for n in graph.find_modules_directly_imported_by(m):
        if n not in index:
            visit(n); low[m] = min(low[m], low[n])
        elif n in on_stack:
            low[m] = min(low[m], index[n])
    if low[m] == index[m]:
        component = []
        while True:
            n = stack.pop(); on_stack.discard(n); component.append(n)
            if n == m:
                break
        if len(component) > 1:
            cycles.append(sorted(component))
for m in sorted(graph.modules):
    if m not in index:
        visit(m)
print(cycles)
""")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


def test_few_modules_at_the_top_level():
    top = sorted(p.name for p in (ROOT / "linter").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_no_module_is_over_600_lines():
    long = {str(p.relative_to(ROOT)): n for p in [*(ROOT / "linter").rglob("*.py"), *(ROOT / "rules").glob("*.py")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, long
