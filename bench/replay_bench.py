"""Replay benchmark (never run as a unit test).

    python bench/replay_bench.py [CORPUS_DIR]     # default ../shared/corpus/lemmy

Measures, on this machine:
  * server ready time, cold (template cluster created: initdb) and warm (template copied);
  * a plain untraced apply of every up migration of the corpus, statement by statement;
  * a traced replay of the same migrations, in the same run, and the ratio of the two
    (target <= 2.0) and the traced replay's total time (target <= 20 s).
Both applies stop at the same statement when one fails (e.g. SQL needing a newer server).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

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


def plain_apply(ups, parsed) -> tuple[float, int, str | None]:
    """Untraced: each statement executed in order, as a migration tool would."""
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
            failure = tracer.run_migration(m, parsed[m].statements, traced=False,
                                           framework_tx=bool(m.in_transaction))
            if failure:
                count += sum(1 for s in parsed[m].statements if s.start < failure[0].start)
                return (time.perf_counter() - began), count, f"{m.path}:{failure[0].line}: {failure[0].error}"
            count += len(parsed[m].statements)
        return time.perf_counter() - began, count, None


def main() -> int:
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    if not os.path.isdir(corpus):
        print(f"skipped: corpus {corpus} is absent (it lives in ../shared/corpus/lemmy)")
        return 0
    from schemalint.discover import discover
    from schemalint.parse import parse_migration
    from schemalint.replay.options import ReplayOptions
    from schemalint.replay.runner import replay

    cold, warm = server_ready_times()
    print(f"server ready: cold {cold:.0f} ms (initdb + copy + start), "
          f"warm median {statistics.median(warm):.0f} ms (min {min(warm):.0f}, max {max(warm):.0f}, "
          f"{len(warm)} runs)")

    migrations = discover([corpus]).migrations
    ups = [m for m in migrations if m.direction != "down"]
    parsed = {m: parse_migration(m) for m in ups}
    plain_s, plain_count, plain_failure = plain_apply(ups, parsed)
    print(f"plain untraced apply: {plain_s:.2f} s for {plain_count} statements "
          f"of {len(ups)} up migrations")
    if plain_failure:
        print(f"  stopped at the first failure: {plain_failure}")

    began = time.perf_counter()
    report = replay(ups, ReplayOptions(backend="local"))
    total = time.perf_counter() - began
    ran = [t for t in report.statements if t.status != "not_run"]
    apply_s = sum(t.duration_ms for t in ran) / 1000
    traced_phase = (report.total_ms - report.options.get("server_ready_ms", 0)) / 1000
    print(f"traced replay: {total:.2f} s total (server start included); tracing phase "
          f"{traced_phase:.2f} s for {len(ran)} statements (statements' own time {apply_s:.2f} s)")
    failed = [t for t in ran if t.status == "failed"]
    if failed:
        print(f"  stopped at the first failure: {failed[0].path}:{failed[0].line}: {failed[0].error}")
    ratio = traced_phase / plain_s if plain_s else float("nan")
    print(f"ratio traced/plain: {ratio:.2f} (target <= 2.0); traced total {total:.2f} s (target <= 20 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
