"""Lock capture benchmark (never run as a unit test).

    python bench/lock_capture.py [--runs 100] [--no-hold]

Starts one local server, then runs N complete replays (each in its own scratch database,
through the `dsn` backend: new sessions, a new table every time) of

    001.sql  CREATE TABLE items (id int, price int);                 -- untraced
    002.sql  CREATE INDEX CONCURRENTLY items_price ON items (price);  -- traced
    003.sql  DROP INDEX items_price;                                  -- traced

and counts the replays in which the CONCURRENTLY build (on an empty table: it ends within
a few milliseconds) recorded its SHARE UPDATE EXCLUSIVE lock on `items`, and those in which
the later file saw `items_price` as pre-existing. Target: N of N. `--no-hold` turns off the
tracer's blocker (polling only, as before), to show what it fixes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--no-hold", action="store_true", help="polling only (the old tracer)")
    args = parser.parse_args()
    from schemalint.discover.source import Migration
    from schemalint.replay import local
    from schemalint.replay.cleanup import Cleanup
    from schemalint.replay.options import ReplayOptions
    from schemalint.replay.runner import replay
    from schemalint.replay.tracer import Tracer

    if args.no_hold:
        Tracer._hold = lambda self, stmt: False
    sqls = ["CREATE TABLE items (id int, price int);",
            "CREATE INDEX CONCURRENTLY items_price ON items (price);",
            "DROP INDEX items_price;"]
    locked = pre_existing = 0
    began = time.perf_counter()
    with Cleanup() as cleanup:
        server = local.start(local.require_binaries(None, None), cleanup)
        for _ in range(args.runs):
            migrations = [Migration(path=f"{n + 1:03d}.sql", text=sql) for n, sql in enumerate(sqls)]
            report = replay(migrations, ReplayOptions(backend="dsn", dsn=server.conninfo(), last=2))
            build = next(t for t in report.statements if "CONCURRENTLY" in t.sql)
            drop = next(t for t in report.statements if t.sql.startswith("DROP INDEX"))
            if build.status == "ok" and any(lk.relation.name == "items" and lk.mode == "SHARE UPDATE EXCLUSIVE"
                                            for lk in build.locks):
                locked += 1
            if any(lk.relation.name == "items_price" and lk.pre_existing for lk in drop.locks):
                pre_existing += 1
    print(f"{args.runs} replays ({'polling only' if args.no_hold else 'with the blocker'}), "
          f"{time.perf_counter() - began:.1f} s, load average {os.getloadavg()[0]:.1f}:")
    print(f"  CONCURRENTLY build recorded SHARE UPDATE EXCLUSIVE on items: {locked}/{args.runs}")
    print(f"  items_price pre-existing in the next file:                   {pre_existing}/{args.runs}")
    return 0 if locked == pre_existing == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
