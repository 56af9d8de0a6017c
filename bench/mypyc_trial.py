"""Would compiling the core with mypyc make cold runs fast enough? A measured answer.

    pip install mypy          # mypyc comes with it; gcc and the Python headers are needed
    python bench/mypyc_trial.py [--runs 3] [PATH...]     default PATH: bench (b)'s history

Copies the package to a temporary directory, compiles its core modules (`CORE`: parsing,
the schema model, lock analysis, the engine, names and facts; the rules stay Python)
with mypyc, checks that the compiled copy gives byte for byte the report of the
untouched copy (`check PATH --format json --no-cache`), then times both copies, run
alternately in one process and split (`SCHEMALINT_JOBS=1` / default), and prints the
medians. Nothing in the repository is changed; the temporary directory is removed.

    python bench/mypyc_trial.py --callgrind 250 [PATH]

instead counts the instructions each copy executes on the first 250 files, in one
process, under `valgrind --tool=callgrind`: the same count on every run, whatever else
the machine does (wall times on a shared virtual machine vary by 30% and more).

The code is compiled as it is, with only the changes mypyc's rules force, made
mechanically on the copy:
- no `__slots__` (mypyc's own classes have fixed attributes anyway);
- classes whose only base is `Record` lose it and become mypyc's own classes (value
  equality, `repr` and `replace` go; the report shows nothing needs them on this path);
  those with another Python base class (`Frozen`, `Enum`, `dict`, ...) or subclassed in
  their module stay ordinary Python classes (`@mypyc_attr(native_class=False)`);
- an attribute first set to None is declared `Any` (mypyc would otherwise type it
  as always None); a class-level sentinel (`X = object()`) is a `ClassVar`;
- lines mypy reports as type errors get `# type: ignore`.
mypyc checks the declared types of arguments at run time; where a declaration was wrong
the copy reports internal errors and the comparison fails (the trial found three such
declarations, now fixed in the code itself).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE = ["model", "locks", "engine", "parse", "names", "facts"]
DEFAULT_PATH = os.path.join(ROOT, "bench", "results", "gen50000", "migrations")


def copy_package(dest: str) -> str:
    pkg = os.path.join(dest, "schemalint")
    ignore = shutil.ignore_patterns("__pycache__", "*.so")
    shutil.copytree(os.path.join(ROOT, "linter"), pkg, ignore=ignore)
    shutil.copytree(os.path.join(ROOT, "rules"), os.path.join(pkg, "rules"), ignore=ignore)
    return pkg


def _without_slots(source: str) -> str:
    source = re.sub(r"\n(\s+)__slots__ = \((?:[^()]|\n)*?\)\n", r"\n\1pass\n", source)
    return re.sub(r"\n\s+_fields = __slots__\n", "\n", source)


def _python_classes(source: str) -> str:
    """`Record` dropped as a base; `native_class=False` on classes with another base class
    and on those subclassed here."""
    subclassed = set()
    for bases in re.findall(r"^[ \t]*class \w+\(([^)]*)\):", source, flags=re.M):
        subclassed.update(b.strip() for b in bases.split(","))

    def mark(m: re.Match) -> str:
        indent, name, bases = m.group(1), m.group(2), m.group(3) or ""
        if bases.strip() == "Record" and name not in subclassed:
            return f"{indent}class {name}:"
        if bases.strip() in ("", "object") and name not in subclassed:
            return m.group(0)
        return f"{indent}@mypyc_attr(native_class=False)\n{m.group(0)}"

    return re.sub(r"^([ \t]*)class (\w+)(?:\(([^)]*)\))?:", mark, source, flags=re.M)


def _declared_any(source: str) -> str:
    lines = source.split("\n")
    seen = set()
    for i, line in enumerate(lines):
        m = re.match(r"^(\s+)self\.(\w+) = None(\s*#.*)?$", line)
        if m and m.group(2) not in seen:
            seen.add(m.group(2))
            lines[i] = f'{m.group(1)}self.{m.group(2)}: "Any" = None'
        m = re.match(r"^(\s+)(\w+) = object\(\)$", line)
        if m:
            lines[i] = f'{m.group(1)}{m.group(2)}: "ClassVar[object]" = object()'
    return "\n".join(lines)


def prepare(pkg: str) -> None:
    header = ("from __future__ import annotations\n"
              "from typing import Any, ClassVar\n"
              "from mypy_extensions import mypyc_attr\n")
    for name in CORE:
        path = os.path.join(pkg, f"{name}.py")
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
        source = _declared_any(_python_classes(_without_slots(source)))
        source = source.replace("from __future__ import annotations\n", header, 1)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(source)


def compile_core(workdir: str) -> None:
    files = [f"schemalint/{name}.py" for name in CORE]
    for _ in range(5):
        run = subprocess.run([sys.executable, "-m", "mypyc", *files], cwd=workdir,
                             capture_output=True, text=True)
        errors: dict[str, set[int]] = {}
        for line in run.stdout.splitlines():
            m = re.match(r"(schemalint/\w+\.py):(\d+): error", line)
            if m:
                errors.setdefault(m.group(1), set()).add(int(m.group(2)))
        if run.returncode == 0:
            return
        if not errors:
            sys.exit(f"mypyc failed:\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
        for rel, numbers in errors.items():
            path = os.path.join(workdir, rel)
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().split("\n")
            for n in numbers:
                if "# type: ignore" not in lines[n - 1]:
                    lines[n - 1] += "  # type: ignore"
            with open(path, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines))
    sys.exit("mypyc still reports errors after five rounds of '# type: ignore'")


def run_check(tree: str, paths: list[str], jobs: str | None, out_path: str | None = None) -> float:
    env = dict(os.environ, PYTHONPATH=tree)
    env.pop("SCHEMALINT_JOBS", None)
    if jobs:
        env["SCHEMALINT_JOBS"] = jobs
    with open(out_path or os.devnull, "wb") as out:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "schemalint", "check", *paths,
                               "--format", "json", "--no-cache"], stdout=out, env=env)
        took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"schemalint exited {done.returncode} from {tree}")
    return took


def instructions(tree: str, paths: list[str], tmp: str) -> int:
    """Instructions executed by one run of `tree`, in one process (callgrind)."""
    out = os.path.join(tmp, "callgrind.out")
    env = dict(os.environ, PYTHONPATH=tree, SCHEMALINT_JOBS="1")
    done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                           sys.executable, "-m", "schemalint", "check", *paths,
                           "--format", "json", "--no-cache"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    m = re.search(r"Collected : (\d+)", done.stderr)
    if not m:
        sys.exit(f"valgrind gave no count:\n{done.stderr[-2000:]}")
    return int(m.group(1))


def sql_files(paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        if os.path.isdir(path):
            found += sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".sql"))
        else:
            found.append(path)
    return found


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--callgrind", type=int, metavar="FILES",
                    help="count instructions on the first FILES .sql files instead of timing")
    ap.add_argument("paths", nargs="*", default=[DEFAULT_PATH])
    args = ap.parse_args(argv)
    try:
        import mypy  # noqa: F401
    except ImportError:
        sys.exit("mypyc is not installed: pip install mypy")
    for path in args.paths:
        if not os.path.exists(path):
            sys.exit(f"{path}: no such file or directory (bench (b) is made by bench/run.py)")
    with tempfile.TemporaryDirectory(prefix="schemalint-mypyc-") as tmp:
        plain, compiled = os.path.join(tmp, "plain"), os.path.join(tmp, "compiled")
        copy_package(plain)
        prepare(copy_package(compiled))
        t = time.perf_counter()
        compile_core(compiled)
        print(f"compiled {', '.join(CORE)} in {time.perf_counter() - t:.0f} s")
        reports = [os.path.join(tmp, f"{name}.json") for name in ("plain", "compiled")]
        run_check(plain, args.paths, "1", reports[0])
        run_check(compiled, args.paths, "1", reports[1])
        with open(reports[0], "rb") as a, open(reports[1], "rb") as b:
            if a.read() != b.read():
                sys.exit("the compiled copy's report differs from the plain copy's: not timed")
        print("reports identical")
        if args.callgrind:
            if shutil.which("valgrind") is None:
                sys.exit("valgrind is not installed (apt-get install valgrind)")
            files = sql_files(args.paths)[:args.callgrind]
            a = instructions(plain, files, tmp)
            b = instructions(compiled, files, tmp)
            print(f"instructions on {len(files)} files: Python {a:,}, mypyc {b:,} ({b / a:.3f}x)")
            return
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.runs):
            for jobs, label in (("1", "one process"), (None, "split (default)")):
                for tree, name in ((plain, "Python"), (compiled, "mypyc")):
                    times.setdefault((label, name), []).append(run_check(tree, args.paths, jobs))
        print(f"{'':18} {'Python':>9} {'mypyc':>9}   medians of {args.runs}, --no-cache")
        for label in ("one process", "split (default)"):
            a = statistics.median(times[(label, "Python")])
            b = statistics.median(times[(label, "mypyc")])
            print(f"{label:18} {a:8.2f}s {b:8.2f}s   {b / a:.2f}x")


if __name__ == "__main__":
    main()
