"""The query-plan gate's benchmark (never run as a unit test).

    python bench/plans_bench.py [--rows N] [--rounds N] [--json FILE]
    # 100,000 rows per table, 1 round

A 20-table schema (001, untraced: 20 tables, each with a foreign key to the one before and
two indexes) seeded with `--rows` rows per table, then five migrations in the replayed range
(indexes dropped and created, columns added, a column's type changed: a rewrite whose
statistics the stage must re-read), and 50 queries: point lookups with and without sample
values, joins, ranges on unindexed columns (HypoPG's advice, when the server has it). The
figure is the plan stage alone (`plan_ms` in the JSON report: ANALYZE of what lacks
statistics, EXPLAIN of every query at the base, at each boundary and at the end, blame and
advice), seeding excluded; the whole replay's time is printed beside it. Target: <= 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

TABLES = 20


def migrations() -> list[str]:
    create = []
    for t in range(TABLES):
        parent = f", parent_id bigint REFERENCES t{t - 1} (id)" if t else ""
        create.append(f"CREATE TABLE t{t} (id bigint PRIMARY KEY, code text NOT NULL, "
                      f"amount numeric, status text, created_at timestamptz DEFAULT now(){parent});")
        create.append(f"CREATE INDEX t{t}_code_idx ON t{t} (code);")
        if t:
            create.append(f"CREATE INDEX t{t}_parent_idx ON t{t} (parent_id);")
    return ["\n".join(create),
            "DROP INDEX t3_code_idx;\nDROP INDEX t7_parent_idx;\n",
            "ALTER TABLE t5 ADD COLUMN note text;\nCREATE INDEX t5_status_idx ON t5 (status);\n",
            "ALTER TABLE t9 ALTER COLUMN amount TYPE double precision;\n",
            "ALTER TABLE t11 RENAME COLUMN status TO state;\n",
            "DROP INDEX t13_code_idx;\nCREATE INDEX t13_amount_idx ON t13 (amount);\n"]


def queries() -> str:
    out = []
    for t in range(TABLES):
        out.append(f"-- name: code_{t}\n-- params: 'code-{t * 7}'\n"
                   f"SELECT * FROM t{t} WHERE code = $1;")
        if t:
            out.append(f"-- name: children_{t}\nSELECT c.* FROM t{t} c JOIN t{t - 1} p "
                       f"ON p.id = c.parent_id WHERE p.id = $1;")
    for t in range(0, TABLES, 2):
        out.append(f"-- name: status_{t}\nSELECT count(*) FROM t{t} WHERE status = 'open' "
                   f"AND amount > 100;")
    out.append("-- name: state_11\nSELECT id FROM t11 WHERE status = 'x';")
    return "\n\n".join(out[:50]) + "\n"


def run_once(rows: int) -> dict:
    from schemalint.discover.source import Migration
    from schemalint.replay.options import ReplayOptions
    from schemalint.replay.plans.workload import read_workload
    from schemalint.replay.runner import replay

    with tempfile.TemporaryDirectory(prefix="schemalint-plans-bench-") as tmp:
        path = os.path.join(tmp, "queries.sql")
        with open(path, "w") as fh:
            fh.write(queries())
        workload = read_workload([path])
        ms = [Migration(path=f"{i + 1:03d}.sql", text=sql) for i, sql in enumerate(migrations())]
        opts = ReplayOptions(backend="local", rows=rows, last=len(ms) - 1, workload=workload,
                             timeout_s=3600, statement_timeout_s=3600)
        began = time.monotonic()
        report = replay(ms, opts)
        total = time.monotonic() - began
    stage = report.plans
    codes = [d.code for d in report.diagnostics if d.code.startswith("SL8")]
    return {"queries": len(workload), "tables": TABLES, "rows": rows,
            "readings": len(stage.results[0].readings), "plan_s": stage.elapsed_ms / 1000,
            "replay_s": total, "findings": {c: codes.count(c) for c in sorted(set(codes))},
            "advice": sum(r.advice is not None for r in stage.results), "notes": stage.notes,
            "server": report.server_version}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    rounds = []
    for i in range(args.rounds):
        r = run_once(args.rows)
        rounds.append(r)
        print(f"round {i + 1}: plan stage {r['plan_s']:.2f} s ({r['queries']} queries x "
              f"{r['readings']} readings, {r['tables']} tables x {r['rows']:,} rows; findings "
              f"{r['findings']}, {r['advice']} with advice); whole replay {r['replay_s']:.1f} s"
              + "".join(f"\n  note: {n}" for n in r["notes"]))
    plan = [r["plan_s"] for r in rounds]
    print(f"plan stage: median {statistics.median(plan):.2f} s (min {min(plan):.2f}, max "
          f"{max(plan):.2f}) over {len(plan)} round(s); target <= 30 s; PostgreSQL "
          f"{rounds[0]['server']}; load average {os.getloadavg()[0]:.1f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rounds, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
