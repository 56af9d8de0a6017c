"""Where a traced replay's server time goes (never run as a unit test).

    python bench/replay_profile.py [CORPUS_DIR]   # defaults to ../shared/corpus/lemmy

Replays the corpus's up migrations once, with `log_executor_stats` on the migration's
session and its LOG messages sent to the client, and adds up the CPU time (user + system,
getrusage, as the server reports it per executed query) of each part of the tracer's
messages: the migration's own statements and each catalog query. Utility statements (most
DDL) report no executor statistics, so the statements' own figure is a lower bound; the
catalog queries are all SELECTs or EXECUTEs of them and are counted whole. CPU time moves
far less with machine load than wall time does.
"""

from __future__ import annotations

import collections
import os
import re
import sys

from replay_bench import DEFAULT_CORPUS

_CPU = re.compile(r"([\d.]+) s user, ([\d.]+) s system")


def _label(part: str, clock: str) -> str:
    if part.startswith("EXECUTE"):
        return part.split("(")[0]
    if part in ("BEGIN", "COMMIT") or part == clock:
        return part if part != clock else "server clock"
    return "the migration's statement"


def _seconds(detail: str) -> float:
    m = _CPU.search(detail or "")
    return float(m.group(1)) + float(m.group(2)) if m else 0.0


def profile(ups) -> tuple[collections.Counter, collections.Counter, int]:
    from schemalint.replay import tracer as tracer_module
    from schemalint.replay.options import ReplayOptions
    from schemalint.replay.queries import CLOCK_SQL
    from schemalint.replay.runner import replay

    cpu: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    skipped = [0]
    init = tracer_module.Tracer.__init__
    # The tracer sends its messages through both (_send_parts overlaps the ledger's work).
    senders = {name: getattr(tracer_module.Tracer, name) for name in ("_run_parts", "_send_parts")}

    def traced_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._stats = []
        self.a.execute("SET log_executor_stats = on")
        self.a.execute("SET client_min_messages = log")
        # The diagnostic is only valid inside the handler: keep its text.
        self.a.add_notice_handler(lambda d: self._stats.append(
            d.message_detail if d.message_primary == "EXECUTOR STATISTICS" else None))

    def counted(send):
        return lambda self, parts: count(self, parts, send)

    def count(self, parts, send):
        self._stats.clear()
        results = send(self, parts)
        stats = [s for s in self._stats if s is not None]
        labels = [_label(p, CLOCK_SQL) for p in parts]
        # An EXECUTE reports twice (its query, then itself: the second includes the first);
        # a plain SELECT once; BEGIN/COMMIT and utility statements not at all. The
        # migration's statement sits between the catalog reads, so count from both ends.
        if "the migration's statement" not in labels:
            skipped[0] += 1
            return results
        at = labels.index("the migration's statement")
        sizes = [0 if lb in ("BEGIN", "COMMIT") else 2 if lb.startswith("EXECUTE") else 1
                 for lb in labels]
        before, after = sum(sizes[:at]), sum(sizes[at + 1:])
        if len(stats) < before + after:
            skipped[0] += 1
            return results
        sizes[at] = len(stats) - before - after
        pos = 0
        for lb, size in zip(labels, sizes):
            if lb == "the migration's statement":
                cpu[lb] += sum(_seconds(s) for s in stats[pos:pos + size])
            elif size:
                cpu[lb] += _seconds(stats[pos + size - 1])
            pos += size
            calls[lb] += 1
        return results

    tracer_module.Tracer.__init__ = traced_init
    for name, send in senders.items():
        setattr(tracer_module.Tracer, name, counted(send))
    try:
        replay(ups, ReplayOptions(backend="local"))
    finally:
        tracer_module.Tracer.__init__ = init
        for name, send in senders.items():
            setattr(tracer_module.Tracer, name, send)
    return cpu, calls, skipped[0]


def main() -> int:
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    if not os.path.isdir(corpus):
        print(f"skipped: corpus {corpus} is absent (it lives in ../shared/corpus/lemmy)")
        return 0
    from schemalint.discover.discovery import discover

    ups = [m for m in discover([corpus]).migrations if m.direction != "down"]
    cpu, calls, skipped = profile(ups)
    print(f"{len(ups)} up migrations; server CPU of the migration's session by part of the "
          f"tracer's messages (load average {os.getloadavg()[0]:.1f}):")
    for label, seconds in cpu.most_common():
        print(f"  {label:40s} {seconds * 1000:7.0f} ms  {calls[label]:5d} calls  "
              f"{seconds * 1e6 / calls[label]:6.0f} us/call")
    print(f"  ({skipped} messages without a statement of the migration's: COMMITs, "
          "the foreign-key check, not broken down)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
