"""Write schemalint's reports on fixed inputs, to prove a refactoring changed no output byte.

    python bench/reference.py write DIR [--corpus ../shared/corpus] [--jobs N]
    python bench/reference.py compare DIR_BEFORE DIR_AFTER

`write` runs `schemalint check --no-config --no-cache --quiet --fail-on never` in text, json and sarif
on: each project of the shared corpus and the corpus as a whole, bench (b) (the generated
50,000-statement history of bench/gen_repo.py, made when missing), every `tests/heldout` set
(with and without its own `# args:`), and docs/example. Each report is one file in DIR.
`compare` lists every report that differs or is missing and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FORMATS = ("text", "json", "sarif")


def _inputs(corpus: str) -> list[tuple[str, list[str]]]:
    inputs: list[tuple[str, list[str]]] = []
    if os.path.isdir(corpus):
        inputs.append(("corpus", [corpus]))
        for name in sorted(os.listdir(corpus)):
            if os.path.isdir(os.path.join(corpus, name)):
                inputs.append((f"corpus-{name}", [os.path.join(corpus, name)]))
    bench_b = os.path.join(HERE, "results", "gen50000")
    if not os.path.isdir(os.path.join(bench_b, "migrations")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), bench_b,
                        "--statements", "50000"], check=True)
    inputs.append(("bench-b", [os.path.join(bench_b, "migrations")]))
    heldout = os.path.join(ROOT, "tests", "heldout")
    for name in sorted(os.listdir(heldout)):
        expected = os.path.join(heldout, name, "expected.txt")
        if not os.path.isfile(expected):
            continue
        args: list[str] = []
        with open(expected, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# args:"):
                    args += shlex.split(line[len("# args:"):])
        migrations = os.path.join(heldout, name, "migrations")
        inputs.append((f"heldout-{name}", [migrations]))
        inputs.append((f"heldout-{name}-args", [migrations, *args]))
    inputs.append(("example", [os.path.join(ROOT, "docs", "example", "migrations")]))
    return inputs


def write(out: str, corpus: str, jobs: str | None) -> None:
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, NO_COLOR="1")
    for name, args in _inputs(corpus):
        for fmt in FORMATS:
            path = os.path.join(out, f"{name}.{fmt}")
            # --quiet: no progress line, whose elapsed time differs from run to run.
            cmd = [sys.executable, "-m", "schemalint", "check", "--no-config", "--no-cache",
                   "--quiet", "--fail-on", "never", "--format", fmt, *(["--jobs", jobs] if jobs else []), *args]
            with open(path, "wb") as f:
                proc = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE, cwd=ROOT, env=env)
            with open(path, "ab") as f:
                f.write(f"\n# exit {proc.returncode}\n".encode())
                f.write(proc.stderr)
            print(f"{name}.{fmt}: exit {proc.returncode}", file=sys.stderr)


def compare(before: str, after: str) -> int:
    names = sorted(set(os.listdir(before)) | set(os.listdir(after)))
    bad = [n for n in names
           if not (os.path.isfile(os.path.join(before, n)) and os.path.isfile(os.path.join(after, n))
                   and filecmp.cmp(os.path.join(before, n), os.path.join(after, n), shallow=False))]
    for n in bad:
        print(f"differs: {n}")
    print(f"{len(names) - len(bad)} of {len(names)} reports byte-identical")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("dir")
    w.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    w.add_argument("--jobs", help="check with --jobs N")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    a = ap.parse_args()
    if a.cmd == "write":
        write(a.dir, a.corpus, a.jobs)
        return 0
    return compare(a.before, a.after)


if __name__ == "__main__":
    sys.exit(main())
