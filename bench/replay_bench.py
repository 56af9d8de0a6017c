"""Replay benchmark (never run as a unit test).

    python bench/replay_bench.py [CORPUS_DIR] [--rounds N] [--json FILE]
    # CORPUS_DIR defaults to ../shared/corpus/lemmy; 3 rounds
    python bench/replay_bench.py --rounds 5 --ready-runs 0 --write docs/performance.md
    python bench/replay_bench.py --rounds 5 --ready-runs 0 --no-reads   # also without the reads

Measures, on this machine:
  * server ready time, cold (template cluster created: initdb) and warm (template copied);
  * per round, a plain untraced apply of every up migration of the corpus, statement by
    statement, then a traced replay of the same migrations, and the ratio of the two
    (target <= 1.5, issue 13; it was 2.0) and the traced replay's total time (target <= 20 s).
Both applies start from the files (reading and splitting them into statements is timed in
both) and stop at the same statement when one fails (e.g. SQL needing a newer server).
Rounds interleave the two applies so that a change of machine load hits both; the summary
gives the median and the min-max of each figure over the rounds. Wall time moves with the
load other processes put on the machine; the CPU time the migration's server session used
(Linux /proc, read as the session closes) moves much less, and its ratio is printed too.
`--write FILE` puts the summary in FILE's part between the markers below (docs/performance.md,
in its replay section), keeping the rest of the file (bench/docfile.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from docfile import publish

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# ../shared next to the clone; a git worktree under wt/ sits one level deeper.
CANDIDATES = [os.path.normpath(os.path.join(REPO, *up, "shared", "corpus", "lemmy"))
              for up in (("..",), ("..", ".."))]
DEFAULT_CORPUS = next((c for c in CANDIDATES if os.path.isdir(c)), CANDIDATES[0])


def server_ready_times(runs: int = 5) -> tuple[float, list[float]]:
    from schemalint.replay import local
    from schemalint.replay.cleanup import Cleanup

    binaries = local.require_binaries(None, None)
    saved = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory(prefix="schemalint-bench-cache-") as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # a cold cache, without touching the user's
        try:
            with Cleanup() as cleanup:
                cold = local.start(binaries, cleanup).ready_ms
            warm = []
            for _ in range(runs):
                with Cleanup() as cleanup:
                    warm.append(local.start(binaries, cleanup).ready_ms)
        finally:
            if saved is None:
                os.environ.pop("XDG_CACHE_HOME", None)
            else:
                os.environ["XDG_CACHE_HOME"] = saved
    return cold, warm


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process (Linux /proc/<pid>/stat fields 14 and 15)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


_SESSION_CPU: list[float | None] = []


def _record_session_cpu() -> None:
    """Note the CPU time of the migration session's backend as each Tracer closes."""
    from schemalint.replay.tracer import Tracer

    close = Tracer.close

    def recording_close(self) -> None:
        _SESSION_CPU.append(_cpu_seconds(self.a_pid))
        close(self)

    Tracer.close = recording_close


def plain_apply(ups) -> tuple[float, int, str | None]:
    """Untraced: each statement executed in order, as a migration tool would. Timed from
    the files (parsing them into statements included), as the traced replay is."""
    from schemalint.parse.statements import parse_migration
    from schemalint.replay import local
    from schemalint.replay.cleanup import Cleanup
    from schemalint.replay.tracer import Tracer

    with Cleanup() as cleanup:
        server = local.start(local.require_binaries(None, None), cleanup)
        tracer = Tracer(server.conninfo())
        cleanup.push("close", tracer.close)
        began = time.perf_counter()
        count = 0
        for m in ups:
            statements = parse_migration(m).statements
            failure = tracer.run_migration(m, statements, traced=False,
                                           framework_tx=bool(m.in_transaction))
            if failure:
                count += sum(1 for s in statements if s.start < failure[0].start)
                return (time.perf_counter() - began), count, f"{m.path}:{failure[0].line}: {failure[0].error}"
            count += len(statements)
        return time.perf_counter() - began, count, None


class _NoReads:
    """`--no-reads`: the tracer without its catalog reads (no lock rows, no structure, no
    relfilenodes: only the server clock around each statement, with the same runner and
    ledger), to time what the machinery of tracing costs without them. Its report observes
    nothing: a bench variant, never a replay to read."""

    def __enter__(self):
        from schemalint.replay import tracer

        self.saved = (tracer.MAY_REWRITE_KINDS, tracer.may_change_structure, tracer.may_lock_relations)
        tracer.MAY_REWRITE_KINDS = frozenset()
        tracer.may_change_structure = tracer.may_lock_relations = lambda *args: False
        return self

    def __exit__(self, *exc) -> None:
        from schemalint.replay import tracer

        tracer.MAY_REWRITE_KINDS, tracer.may_change_structure, tracer.may_lock_relations = self.saved


def traced_replay(ups) -> dict:
    from schemalint.replay.options import ReplayOptions
    from schemalint.replay.runner import replay

    began = time.perf_counter()
    report = replay(ups, ReplayOptions(backend="local"))
    total = time.perf_counter() - began
    ran = [t for t in report.statements if t.status != "not_run"]
    failed = [t for t in ran if t.status == "failed"]
    return {
        "total_s": total,
        # From the files to the report, without the server start.
        "phase_s": (report.total_ms - report.options.get("server_ready_ms", 0)) / 1000,
        "statements": len(ran),
        "own_s": sum(t.duration_ms for t in ran) / 1000,
        "failure": f"{failed[0].path}:{failed[0].line}: {failed[0].error}" if failed else None,
    }


BEGIN, END = "<!-- replay-bench: begin -->", "<!-- replay-bench: end -->"


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.replace("-dirty", " with uncommitted changes")


def _section(rounds: list[dict], files: int, args) -> str:
    """The summary as a Markdown table between BEGIN and END."""
    def cell(key: str, unit: str = " s") -> str:
        values = [r[key] for r in rounds if r[key] is not None]
        return (f"{statistics.median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f})"
                if values else "")

    loads = [r["load_average"] for r in rounds]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join([
        BEGIN,
        f"`python bench/replay_bench.py --rounds {args.rounds} --ready-runs {args.ready_runs} "
        f"--write ...`, {when}, code {_commit()}, {files} up migrations of "
        f"{os.path.basename(os.path.abspath(args.corpus))}, load average {min(loads):.1f}–"
        f"{max(loads):.1f} during the rounds (medians, min–max, of {len(rounds)} rounds):",
        "",
        "| figure | median (min–max) |",
        "|---|---|",
        f"| plain untraced apply | {cell('plain_s')} |",
        f"| traced replay without the server start | {cell('phase_s')} |",
        f"| **ratio traced / plain** (target ≤ 1.5, issue 13) | **{cell('ratio', '')}** |",
        f"| server session CPU, plain | {cell('plain_session_cpu_s')} |",
        f"| server session CPU, traced | {cell('traced_session_cpu_s')} |",
        f"| server session CPU, traced / plain | {cell('session_cpu_ratio', '')} |",
        f"| traced replay with the server start (target ≤ 20 s) | {cell('total_s')} |",
        END,
    ])


def _spread(values: list[float], unit: str = "s", digits: int = 2) -> str:
    return (f"median {statistics.median(values):.{digits}f}{unit} "
            f"(min {min(values):.{digits}f}, max {max(values):.{digits}f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ready-runs", type=int, default=5,
                        help="warm server starts to time (0: skip the server ready figures)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--no-reads", action="store_true",
                        help="also time, each round, a traced replay without its catalog reads "
                             "(what the tracing machinery costs without them)")
    parser.add_argument("--write", metavar="FILE",
                        help="put the summary in FILE between the replay-bench markers")
    args = parser.parse_args()
    if not os.path.isdir(args.corpus):
        print(f"skipped: corpus {args.corpus} is absent (it lives in ../shared/corpus/lemmy)")
        return 0
    from schemalint.discover.discovery import discover

    cold, warm = None, []
    if args.ready_runs > 0:
        cold, warm = server_ready_times(args.ready_runs)
        print(f"server ready: cold {cold:.0f} ms (initdb + copy + start), warm median "
              f"{statistics.median(warm):.0f} ms (min {min(warm):.0f}, max {max(warm):.0f}, "
              f"{len(warm)} runs)")

    ups = [m for m in discover([args.corpus]).migrations if m.direction != "down"]
    _record_session_cpu()
    rounds = []
    for i in range(args.rounds):
        plain_s, plain_count, plain_failure = plain_apply(ups)
        plain_cpu = _SESSION_CPU[-1]
        traced = traced_replay(ups)
        traced_cpu = _SESSION_CPU[-1]
        ratio = traced["phase_s"] / plain_s if plain_s else float("nan")
        cpu_ratio = traced_cpu / plain_cpu if plain_cpu and traced_cpu is not None else None
        if args.no_reads:
            with _NoReads():
                bare = traced_replay(ups)
            traced["no_reads_s"], traced["no_reads_session_cpu_s"] = bare["phase_s"], _SESSION_CPU[-1]
        rounds.append({"plain_s": plain_s, "plain_statements": plain_count, **traced, "ratio": ratio,
                       "plain_session_cpu_s": plain_cpu, "traced_session_cpu_s": traced_cpu,
                       "session_cpu_ratio": cpu_ratio, "load_average": os.getloadavg()[0]})
        print(f"round {i + 1}: plain {plain_s:.2f} s ({plain_count} statements); traced "
              f"{traced['phase_s']:.2f} s ({traced['statements']} statements, their own time "
              f"{traced['own_s']:.2f} s), {traced['total_s']:.2f} s with the server start; "
              f"ratio {ratio:.2f}; session CPU {plain_cpu} s / {traced_cpu} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        if i == 0:
            for what, failure in (("plain", plain_failure), ("traced", traced["failure"])):
                if failure:
                    print(f"  {what} stopped at the first failure: {failure}")

    print(f"\n{len(ups)} up migrations, {args.rounds} rounds:")
    print(f"  plain untraced apply:           {_spread([r['plain_s'] for r in rounds])}")
    print(f"  traced replay (without start):  {_spread([r['phase_s'] for r in rounds])}")
    if args.no_reads:
        print(f"  traced, no catalog reads:       {_spread([r['no_reads_s'] for r in rounds])}, "
              f"session CPU {_spread([r['no_reads_session_cpu_s'] or 0.0 for r in rounds])}")
    print(f"  ratio traced / plain:           {_spread([r['ratio'] for r in rounds], '')} (target <= 1.5, issue 13)")
    print(f"  traced replay total:            {_spread([r['total_s'] for r in rounds])} (target <= 20 s)")
    cpu = [r["session_cpu_ratio"] for r in rounds if r["session_cpu_ratio"] is not None]
    if cpu:
        print(f"  server session CPU, traced / plain: {_spread(cpu, '')}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"corpus": args.corpus, "cold_ms": cold, "warm_ms": warm, "rounds": rounds},
                      fh, indent=2)
    if args.write:
        publish(args.write, lambda: _section(rounds, len(ups), args), BEGIN, END)
        print(f"wrote the summary into {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
