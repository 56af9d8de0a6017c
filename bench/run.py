"""Benchmark schemalint against squawk (and, for reference, pgfence and pgrubic).

    python bench/run.py [--runs 5] [--corpus ../shared/corpus] [--no-reference] [--out docs/performance.md]

Inputs: (a) every .sql file of the shared corpus (skipped when absent); (b) a generated
50,000-statement repository (bench/gen_repo.py, fixed seed); (c) one small migration, as
a pre-commit hook passes it. Every tool runs on the same files in the same run, the tools
alternating within each round, several rounds; each run is a fresh process timed from
start to exit (wall) with its peak resident memory (`ru_maxrss` from `wait4`, the
largest process of the tree). JSON output for both schemalint and squawk. Writes the
figures to docs/performance.md and the raw numbers to bench/results/.

schemalint variants: `cold` (empty cache directory: parses everything and writes the
cache), `no-cache` (`--no-cache`), `warm` (unchanged files, cache filled), and `one new
file` (the cache filled, one migration added: parse results reused, findings recomputed), and
`CI: restored cache, one new file` (the GitHub Action on a pull request: a fresh checkout of
copies of the files, the cache of the base branch's run restored, one migration added), with
squawk on the same files beside it.

docs/performance.md is written only after a complete run (all three inputs measured and
rendered), in one step, keeping the sections other scripts write there (bench/docfile.py).

Set up the tools once:
    pip install squawk-cli                                   # into the venv running this
    (cd bench/.tools && npm install @flvmnt/pgfence)         # reference, optional
    python3.12 -m venv bench/.tools/pgrubic && bench/.tools/pgrubic/bin/pip install pgrubic
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from docfile import PIECES_BEGIN, RUN_BEGIN, RUN_END, publish
from run_notes import NOTES

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
TOOLS = os.path.join(HERE, ".tools")

GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None

SMALL = """-- A typical new migration, as a pre-commit hook sees it.
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
CREATE INDEX CONCURRENTLY orders_shipped_at_idx ON orders (shipped_at);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
    REFERENCES customers (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
"""


def bin_near_python(name: str) -> str | None:
    cand = os.path.join(os.path.dirname(sys.executable), name)
    return cand if os.path.exists(cand) else shutil.which(name)


def timed(cmd: list[str], out_path: str, env: dict, cwd: str,
          timeout: float | None = None) -> tuple[float, float, int, float]:
    """Run cmd; return (wall seconds, peak RSS in MB, exit code, CPU seconds).

    Peak RSS comes from GNU time when present: `ru_maxrss` of a child started straight
    from this process also counts this process's own peak (the memory map the child
    had until exec), which would hide small figures."""
    rss_file = out_path + ".rss"
    if GNU_TIME:
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file, *cmd]
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        # Own process group, so a timeout ends the tool and its workers, not just GNU time.
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return float("inf"), usage.ru_maxrss / 1024, -9, usage.ru_utime + usage.ru_stime
            time.sleep(0.0005)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / 1024
    if GNU_TIME:
        try:
            with open(rss_file, encoding="utf-8") as fh:
                rss = int(fh.read().split()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            pass
    return wall, rss, proc.returncode, usage.ru_utime + usage.ru_stime


class Tool:
    def __init__(self, name: str, cmd, *, prepare=None, reference=False, runs=None, timeout=None,
                 env=None):
        self.name, self.cmd, self.prepare = name, cmd, prepare
        self.env = env or {}  # added to the environment of this tool's runs
        self.reference, self.runs, self.timeout = reference, runs, timeout
        self.walls: list[float] = []
        self.rss: list[float] = []
        self.cpu: list[float] = []
        self.codes: set[int] = set()
        self.out = ""


def summarize(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def fmt_s(v: float) -> str:
    if v == float("inf"):
        return "timeout"
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"


def count_json(path: str, tool: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return "?"
    if tool.startswith("schemalint"):
        return f"{len(data['diagnostics'])} findings, {data['summary']['statements']} statements"
    if isinstance(data, list):
        return f"{len(data)} findings"
    return "?"


def install_schemalint(env: dict) -> list[str]:
    """schemalint as users run it: a regular (non-editable) install of this checkout in a
    virtualenv of its own, as `pip install schemalint` or pre-commit's hook environment
    gives them (no editable-install finder, no other site-packages .pth files). Reinstalled
    at every bench run so that it is the code of this checkout."""
    venv = os.path.join(TOOLS, "installed")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", ROOT], check=True, env=env)
    subprocess.run([python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", ROOT],
                   check=True, env=env)
    return [os.path.join(venv, "bin", "schemalint")]


CI_TOOL = "schemalint CI: restored cache, one new file"
CI_SQUAWK = "squawk CI: the same files"


def checkout_copy(files: list[str], checkout: str) -> tuple[list[str], str]:
    """Copies of `files` under `checkout` (their paths below their common directory kept, so
    the order is the same) and the path of the migration a pull request adds, last in it."""
    common = os.path.commonpath([os.path.dirname(f) for f in files])
    copies = []
    for path in files:
        copy = os.path.join(checkout, os.path.relpath(path, common))
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        shutil.copyfile(path, copy)
        copies.append(copy)
    os.makedirs(os.path.join(checkout, "zz_pull_request"), exist_ok=True)
    return copies, os.path.join(checkout, "zz_pull_request", "99999999999999_new.sql")


def bench_input(label: str, files: list[str], workdir: str, rounds: int, reference: bool,
                env: dict, schemalint: list[str], squawk: str | None, small: bool = False,
                directory: str | None = None) -> dict:
    cache = os.path.join(workdir, "cache")
    extra_dir = os.path.join(workdir, "extra")
    os.makedirs(extra_dir, exist_ok=True)
    base = [*schemalint, "check", *files, "--format", "json"]
    with_new = [*schemalint, "check", *files, os.path.join(extra_dir, "zz_new.sql"), "--format", "json"]

    def clear_cache():
        shutil.rmtree(cache, ignore_errors=True)

    counter = {"n": 0}

    def new_file():
        counter["n"] += 1
        path = os.path.join(extra_dir, "zz_new.sql")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(f"-- run {counter['n']}\nALTER TABLE orders ADD COLUMN c{counter['n']} int;\n")

    tools = [
        Tool("schemalint cold", base + ["--cache-dir", cache], prepare=clear_cache),
        Tool("schemalint --no-cache", base + ["--no-cache"]),
        Tool("schemalint warm", base + ["--cache-dir", cache]),
    ]
    if not small:
        tools.append(Tool("schemalint one new file",
                          with_new + ["--cache-dir", cache],
                          prepare=new_file))
        # What the two-process split (linter/speed/parallel.py, opt-in) gains.
        tools.append(Tool("schemalint --no-cache --jobs 2", base + ["--no-cache", "--jobs", "2"]))
    if not small:
        ci_files, ci_new = checkout_copy(files, os.path.join(workdir, "checkout"))
        saved, restored = os.path.join(workdir, "saved-cache"), os.path.join(workdir, "ci-cache")
        ci = [*schemalint, "check", *ci_files, ci_new, "--format", "json"]

        def restore_ci():
            """The GitHub Action on a pull request that adds one migration (docs/github.md): a
            fresh checkout (every file written anew: new modification times), the cache the
            base branch's last run saved restored, then the complete pass (the changed-only
            pass that follows takes its findings from it)."""
            shutil.rmtree(restored, ignore_errors=True)
            shutil.copytree(saved, restored)
            for path in ci_files:
                os.utime(path)
            counter["n"] += 1
            with open(ci_new, "w", encoding="utf-8") as fh:
                fh.write(f"-- run {counter['n']}\nALTER TABLE orders ADD COLUMN c{counter['n']} int;\n")

        tools.append(Tool(CI_TOOL, ci + ["--cache-dir", restored], prepare=restore_ci))
        if squawk:
            tools.append(Tool(CI_SQUAWK, [squawk, "--reporter", "json", *ci_files, ci_new],
                              prepare=restore_ci))
    if directory:
        # Issue 2's figure: the whole corpus as a user runs it (the directory, layouts
        # detected), uncached.
        tools.append(Tool("schemalint check DIR --no-cache",
                          [*schemalint, "check", directory, "--format", "json", "--no-cache"]))
    if squawk:
        tools.append(Tool("squawk", [squawk, "--reporter", "json", *files]))
    if reference:
        pgfence = os.path.join(TOOLS, "node_modules", ".bin", "pgfence")
        if os.path.exists(pgfence):
            tools.append(Tool("pgfence", [pgfence, "analyze", "--output", "json", *files],
                              reference=True, runs=None if small else 1, timeout=600))
        pgrubic = os.path.join(TOOLS, "pgrubic", "bin", "pgrubic")
        if os.path.exists(pgrubic):
            # pgrubic lints a copy (it may write a report; --fix is not used).
            tools.append(Tool("pgrubic", [pgrubic, "lint", *files], reference=True,
                              runs=None if small else 1, timeout=120))

    if not small:
        # The base branch's run, whose cache the CI variant restores.
        subprocess.run([*schemalint, "check", *ci_files, "--format", "json", "--cache-dir", saved],
                       stdout=subprocess.DEVNULL, env=env, cwd=workdir)
    # Warm-up: fill the OS page cache and the schemalint cache used by the warm variants.
    subprocess.run(base + ["--cache-dir", cache], stdout=subprocess.DEVNULL, env=env, cwd=workdir)
    new_file()
    subprocess.run(with_new + ["--cache-dir", cache], stdout=subprocess.DEVNULL, env=env, cwd=workdir)
    subprocess.run(base + ["--cache-dir", cache], stdout=subprocess.DEVNULL, env=env, cwd=workdir)
    for r in range(rounds):
        order = tools if r % 2 == 0 else list(reversed(tools))
        for tool in order:
            if tool.runs is not None and len(tool.walls) >= tool.runs:
                continue
            if tool.name == "schemalint warm":
                # the previous tool may have been "cold" (which refills it) or
                # "one new file" (a different run key): make sure the entry exists.
                subprocess.run(base + ["--cache-dir", cache], stdout=subprocess.DEVNULL, env=env, cwd=workdir)
            if tool.prepare:
                tool.prepare()
            out = os.path.join(workdir, tool.name.replace(" ", "_").replace("-", "") + ".json")
            wall, rss, code, cpu = timed(tool.cmd, out, {**env, **tool.env}, workdir, tool.timeout)
            tool.cpu.append(cpu)
            tool.walls.append(wall)
            tool.rss.append(rss)
            tool.codes.add(code)
            tool.out = out
        print(f"  {label}: round {r + 1}/{rounds} done", file=sys.stderr)

    # GNU time's %M is the largest single process; `--jobs 2` splits a run in two
    # (linter/speed/parallel.py): sample the whole tree once as well (bench/memory.py).
    tree_memory = {}
    if not small:
        from memory import peak_tree

        for tool in tools:
            if tool.name in ("schemalint cold", "schemalint --no-cache --jobs 2"):
                if tool.prepare:
                    tool.prepare()
                tree_memory[tool.name] = peak_tree(tool.cmd, {**env, **tool.env}, workdir)

    rows = []
    for tool in tools:
        if not tool.walls:
            continue
        med, lo, hi = summarize(tool.walls)
        rmed, rlo, rhi = summarize(tool.rss)
        rows.append({
            "tool": tool.name, "runs": len(tool.walls), "wall_median": med, "wall_min": lo,
            "wall_max": hi, "cpu_median": statistics.median(tool.cpu), "rss_median": rmed, "rss_max": rhi, "exit_codes": sorted(tool.codes),
            "output": count_json(tool.out, tool.name) if "pgrubic" not in tool.name else "(text)",
            "reference": tool.reference,
        })
    return {"label": label, "files": len(files), "rows": rows, "tree_memory": tree_memory}


def ratio_lines(result: dict) -> list[str]:
    by = {r["tool"]: r for r in result["rows"]}
    sq = by.get("squawk")
    if not sq:
        return ["(squawk not installed: no ratios)"]
    out = []
    for name in ("schemalint cold", "schemalint --no-cache", "schemalint warm", "schemalint one new file"):
        r = by.get(name)
        if r:
            out.append(f"| {name} / squawk | {r['wall_median'] / sq['wall_median']:.2f} | "
                       f"{r['rss_median'] / sq['rss_median']:.2f} |")
    ci, ci_sq = by.get(CI_TOOL), by.get(CI_SQUAWK)
    if ci and ci_sq:
        out.append(f"| {CI_TOOL} / {CI_SQUAWK} | {ci['wall_median'] / ci_sq['wall_median']:.2f} | "
                   f"{ci['rss_median'] / ci_sq['rss_median']:.2f} |")
    return out


def split_gain(result: dict) -> list[str]:
    """What the two-process split gains on this input: the `--jobs 2` row against the
    one-process (default) row, both `--no-cache`."""
    by = {r["tool"]: r for r in result["rows"]}
    split, one = by.get("schemalint --no-cache --jobs 2"), by.get("schemalint --no-cache")
    if not (split and one and one["wall_median"] and one["cpu_median"]):
        return []
    return [f"- `--jobs 2` against one process (`--no-cache`): wall {fmt_s(split['wall_median'])} "
            f"vs {fmt_s(one['wall_median'])} ({1 - split['wall_median'] / one['wall_median']:.0%} "
            f"less), CPU {split['cpu_median'] / one['cpu_median']:.2f} × one process's.", ""]


def targets(results: list[dict]) -> list[str]:
    """The issue's targets, each with the measured figure and whether it is met."""
    out = ["| target | measured | met |", "|---|---|---|"]

    def row(res_label: str, tool: str):
        for res in results:
            if res["label"].startswith(res_label):
                return {r["tool"]: r for r in res.get("rows", ())}.get(tool), \
                    {r["tool"]: r for r in res.get("rows", ())}.get("squawk")
        return None, None

    for label in ("(a)", "(b)"):
        for tool, limit in (("schemalint cold", 1.0), ("schemalint warm", 0.3)):
            mine, sq = row(label, tool)
            if mine and sq:
                ratio = mine["wall_median"] / sq["wall_median"]
                cpu = mine["cpu_median"] / sq["cpu_median"] if sq["cpu_median"] else float("nan")
                out.append(f"| {label} {tool.split()[1]}: wall ≤ {limit} × squawk | {ratio:.2f} × "
                           f"(CPU {cpu:.2f} ×) | {'yes' if ratio <= limit else 'no'} |")
    for label in ("(a)", "(b)"):
        res = next((r for r in results if r["label"].startswith(label)), None)
        by = {r["tool"]: r for r in (res or {}).get("rows", ())}
        ci, ci_sq = by.get(CI_TOOL), by.get(CI_SQUAWK)
        if ci and ci_sq:
            out.append(f"| {label} CI, restored cache, one new file: wall against squawk (issue 16; "
                       f"no target) | {ci['wall_median'] / ci_sq['wall_median']:.2f} × (CPU "
                       f"{ci['cpu_median'] / ci_sq['cpu_median']:.2f} ×) | — |")
    for tool in ("schemalint cold", "schemalint warm"):
        mine, _ = row("(c)", tool)
        if mine:
            out.append(f"| (c) {tool.split()[1]}: ≤ 150 ms | {fmt_s(mine['wall_median'])} "
                       f"(CPU {fmt_s(mine['cpu_median'])}) | {'yes' if mine['wall_median'] <= 0.150 else 'no'} |")
    mine, _ = row("(b)", "schemalint cold")
    tree = next((res.get("tree_memory", {}).get("schemalint cold") for res in results
                 if res["label"].startswith("(b)")), None)
    if mine:
        out.append(f"| (b) peak memory < 300 MB: largest process | {mine['rss_max']:.0f} MB | "
                   f"{'yes' if mine['rss_max'] < 300 else 'no'} |")
    if tree:
        out.append(f"| (b) peak memory < 300 MB: all processes together (PSS) | "
                   f"{tree['tree_pss_mb']:.0f} MB | {'yes' if tree['tree_pss_mb'] < 300 else 'no'} |")
    return out


def render(results: list[dict], meta: dict) -> str:
    lines = [
        "# Performance",
        "",
        "Generated by `python bench/run.py` — do not edit by hand; re-run the script.",
        "",
        f"- Machine: {meta['machine']}",
        f"- Python {meta['python']}, schemalint {meta['schemalint']}, {meta['squawk']}",
        f"- Rounds: {meta['rounds']} per tool and input, tools alternating within each round "
        "(reference tools on large inputs: one run, pgfence limited to 600 s, pgrubic to 120 s)",
        f"- Date: {meta['date']}; load average before / after: {meta['load']}",
        f"- schemalint runs from {meta.get('install', 'this checkout')}",
        "",
        "Wall time is from process start to exit; memory is the peak resident set size of the "
        "largest process (GNU time's `%M`); CPU is user + system time of the process tree "
        "(with `--jobs 2` schemalint runs two processes: both count). Medians, with min–max. "
        "All tools write JSON "
        "(pgrubic: its text report).",
        "",
        "Targets (2-core machine): (a) and (b) cold at most 1.0 × squawk's wall time; warm "
        "at most 0.3 ×; (c) at most 150 ms; peak memory for (b) under 300 MB.",
        "",
        *targets(results),
        "",
    ]
    for res in results:
        lines += [f"## {res['label']}", ""]
        if res.get("skipped"):
            lines += [res["skipped"], ""]
            continue
        lines += [f"{res['files']} file(s). Command: `{res['command']}`", ""]
        lines += ["| tool | runs | wall median | wall min–max | CPU median | peak RSS median (max) | exit | output |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in res["rows"]:
            name = r["tool"] + (" (reference)" if r["reference"] else "")
            lines.append(
                f"| {name} | {r['runs']} | {fmt_s(r['wall_median'])} | "
                f"{fmt_s(r['wall_min'])}–{fmt_s(r['wall_max'])} | {fmt_s(r['cpu_median'])} | "
                f"{r['rss_median']:.0f} MB ({r['rss_max']:.0f} MB) | "
                f"{','.join(map(str, r['exit_codes']))} | {r['output']} |")
        lines += ["", "| ratio (medians) | wall | peak memory |", "|---|---|---|", *ratio_lines(res), ""]
        for name, m in res.get("tree_memory", {}).items():
            lines.append(f"- {name}, its whole process tree sampled every 10 ms (`bench/memory.py`): "
                         f"up to {m['processes']} processes, peak RSS {m['tree_rss_mb']:.0f} MB, "
                         f"peak PSS {m['tree_pss_mb']:.0f} MB (pages shared copy-on-write split "
                         f"between the processes), largest process {m['largest_rss_mb']:.0f} MB"
                         + ("; at the PSS peak, each process (the command first): "
                            + ", ".join(f"{p:.0f} MB" for p in m["pss_at_peak_mb"])
                            if m.get("pss_at_peak_mb") else "") + ".")
        if res.get("tree_memory"):
            lines.append("")
        lines += split_gain(res)
    lines += [meta["notes"], ""]
    return "\n".join(lines)




def measure(args, env: dict, schemalint: list[str], squawk: str | None) -> list[dict]:
    """Every input asked for (--only), in order: one result each."""
    only = set(args.only or ("a", "b", "c"))
    results = []
    if "a" in only:
        corpus = os.path.abspath(args.corpus)
        files = sorted(glob.glob(os.path.join(corpus, "**", "*.sql"), recursive=True))
        label = "(a) the shared corpus"
        if not files:
            results.append({"label": label, "files": 0, "command": "-",
                            "skipped": f"Skipped: no corpus at `{corpus}`."})
        else:
            print(f"(a) {len(files)} files", file=sys.stderr)
            with tempfile.TemporaryDirectory(dir=RESULTS) as work:
                res = bench_input(label, files, work, args.runs, not args.no_reference, env,
                                  schemalint, squawk, directory=corpus)
            res["command"] = "schemalint check <every .sql file of ../shared/corpus> --format json"
            results.append(res)

    if "b" in only:
        gen_dir = os.path.join(RESULTS, f"gen{args.statements}")
        # In a child process, so that this process stays small (see `timed`).
        gen = subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), gen_dir,
                              "--statements", str(args.statements)], capture_output=True, text=True,
                             check=True)
        nfiles, nstmts = (int(w.replace(",", "")) for w in gen.stdout.split()[0:4:2])
        files = sorted(glob.glob(os.path.join(gen_dir, "migrations", "*.sql")))
        print(f"(b) {nfiles} files, {nstmts} statements", file=sys.stderr)
        with tempfile.TemporaryDirectory(dir=RESULTS) as work:
            res = bench_input(f"(b) generated repository: {nstmts:,} statements", files, work,
                              args.runs, not args.no_reference, env, schemalint, squawk)
        res["command"] = (f"python bench/gen_repo.py bench/results/gen{args.statements}; "
                          f"schemalint check bench/results/gen{args.statements}/migrations/*.sql --format json")
        results.append(res)

    if "c" in only:
        with tempfile.TemporaryDirectory(dir=RESULTS) as work:
            path = os.path.join(work, "20240611120000_add_shipped_at.sql")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(SMALL)
            res = bench_input("(c) one small migration (pre-commit)", [path], work,
                              max(args.runs, 10), not args.no_reference, env, schemalint, squawk,
                              small=True)
        res["command"] = "schemalint check 20240611120000_add_shipped_at.sql --format json"
        results.append(res)
    return results


def section(text: str) -> str:
    """bench/run.py's part of docs/performance.md, between its markers (bench/docfile.py)."""
    return f"{RUN_BEGIN}\n{text.rstrip()}\n{RUN_END}\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--statements", type=int, default=50_000)
    ap.add_argument("--no-reference", action="store_true", help="skip pgfence and pgrubic")
    ap.add_argument("--only", choices=("a", "b", "c"), action="append")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--squawk", default=None, help="the squawk binary (default: next to this Python, or on PATH)")
    ap.add_argument("--editable", action="store_true",
                    help="run schemalint with this Python (`-m schemalint`) instead of a regular install "
                         "in bench/.tools/installed")
    ap.add_argument("--render", metavar="RESULTS_JSON",
                    help="only write --out again from a results.json of an earlier run")
    args = ap.parse_args()
    if args.render:
        def rendered() -> str:
            with open(args.render, encoding="utf-8") as fh:
                saved = json.load(fh)
            return section(render(saved["results"], {**saved["meta"], "notes": NOTES}))

        publish(args.out, rendered, RUN_BEGIN, RUN_END, legacy_end=PIECES_BEGIN)
        return

    os.makedirs(RESULTS, exist_ok=True)
    env = dict(os.environ)
    # A real install has compiled bytecode; don't measure recompiling every module.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("SCHEMALINT_NO_CACHE", None)
    env.pop("SCHEMALINT_JOBS", None)
    env["NO_COLOR"] = "1"
    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(ROOT, "linter"),
                    os.path.join(ROOT, "rules")], env=env, stdout=subprocess.DEVNULL)
    schemalint = [sys.executable, "-m", "schemalint"] if args.editable else install_schemalint(env)
    squawk = args.squawk or bin_near_python("squawk")
    squawk_version = (subprocess.run([squawk, "--version"], capture_output=True, text=True).stdout.strip()
                      if squawk else "squawk not installed")

    def run_all() -> str:
        """Measure, save the raw figures, render: the doc is written only once this returns."""
        from schemalint import __version__

        load_before = os.getloadavg()[0]
        results = measure(args, env, schemalint, squawk)
        meta = {
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
            "python": platform.python_version(), "schemalint": __version__, "squawk": squawk_version,
            "rounds": args.runs, "date": time.strftime("%Y-%m-%d"), "notes": NOTES,
            "install": ("editable (`python -m schemalint` of this checkout)" if args.editable else
                        "a regular install of this checkout in its own virtualenv (bench/.tools/installed)"),
            "load": f"{load_before:.2f} / {os.getloadavg()[0]:.2f}",
        }
        with open(os.path.join(RESULTS, "results.json"), "w", encoding="utf-8") as fh:
            json.dump({"meta": {k: v for k, v in meta.items() if k != "notes"}, "results": results},
                      fh, indent=2)
        return render(results, meta)

    if set(args.only or ("a", "b", "c")) == {"a", "b", "c"}:
        publish(args.out, lambda: section(run_all()), RUN_BEGIN, RUN_END, legacy_end=PIECES_BEGIN)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(run_all())


if __name__ == "__main__":
    main()
