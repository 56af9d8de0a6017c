"""The replay pipeline: open a server, apply the untraced migrations, seed, trace the rest,
check foreign keys and round trips, extrapolate, and produce findings."""

from __future__ import annotations

import os
import time

from schemalint.config.settings import PgVersion
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.discover.source import Migration
from schemalint.parse.statements import parse_migration
from schemalint.replay.backends import open_target
from schemalint.replay.cleanup import Cleanup, handle_signals
from schemalint.replay.compare import mismatches
from schemalint.replay.findings import findings, roundtrip_finding, unindexed_fk_finding
from schemalint.replay.options import ReplayOptions
from schemalint.replay.queries import unindexed_foreign_keys_query
from schemalint.replay.sandbox import connect_findings
from schemalint.replay.seed import seed
from schemalint.replay.selection import first_traced
from schemalint.replay.snapshot import catalog_snapshot, differences
from schemalint.replay.stats import load_stats
from schemalint.replay.trace import ReplayReport, RoundTrip, StatementTrace
from schemalint.replay.tracer import Tracer


def pair_key(migration: Migration) -> str:
    """Up and down files of one migration share this key: `x/up.sql` and `x/down.sql`,
    `n.up.sql` and `n.down.sql`, or one file split into up and down sections."""
    path = migration.path
    base = os.path.basename(path).lower()
    if base in ("up.sql", "down.sql"):
        return os.path.dirname(path)
    for suffix in (".up.sql", ".down.sql"):
        if base.endswith(suffix):
            return path[: -len(suffix)]
    return path


def _failed_at_parse(migration: Migration, error) -> StatementTrace:
    line = migration.lines.position(error.start)[0]
    return StatementTrace(migration=migration, start=error.start, end=error.end, line=line,
                          sql=migration.text[error.start:error.end], kind="", status="failed",
                          error=error.message)


def _not_run(migration: Migration, statements) -> list[StatementTrace]:
    lines = migration.lines
    return [StatementTrace(migration=migration, start=s.start, end=s.end,
                           line=lines.position(s.start)[0], sql=s.sql, kind=s.kind)
            for s in statements]


def replay(migrations: list[Migration], opts: ReplayOptions, config=None,
           on_progress=None) -> ReplayReport:
    """Run a replay. `config` (a LintConfig) selects and re-grades the findings. An exception
    (a signal's included) leaves with `cleanup_errors`: what cleanup could not undo."""
    cleanup = Cleanup()
    try:
        return _replay(migrations, opts, config, on_progress, cleanup)
    except BaseException as exc:
        exc.cleanup_errors = cleanup.errors
        raise


def _replay(migrations: list[Migration], opts: ReplayOptions, config, on_progress,
            cleanup: Cleanup) -> ReplayReport:
    began = time.monotonic()
    ups = [m for m in migrations if m.direction != "down"]
    downs = {pair_key(m): m for m in migrations if m.direction == "down"}
    first = first_traced(ups, since=opts.since, last=opts.last, from_file=opts.from_file)
    production = load_stats(opts.stats) if opts.stats else {}
    parsed = {m: parse_migration(m) for m in ups}

    def framework_tx(m: Migration) -> bool:
        return bool(m.in_transaction) or opts.assume_in_transaction

    with cleanup, handle_signals():
        target = open_target(opts.backend, dsn=opts.dsn, pg_bin=opts.pg_bin,
                             major=opts.pg_version.major if opts.pg_version else None, image=opts.image,
                             cleanup=cleanup, roles=opts.roles)
        tracer = Tracer(target.conninfo, statement_timeout_s=opts.statement_timeout_s,
                        probe=opts.probe, timeout_s=opts.timeout_s)
        tracer.guard = target.guard
        cleanup.push("close the replay sessions", tracer.close)
        report = ReplayReport(server_version=tracer.server_version, backend=target.backend,
                              production_rows=production, untraced_migrations=first)
        report.options = {"target": target.shown, "server_ready_ms": round(target.ready_ms, 1)}
        failed = False

        for m in ups[:first]:
            result = parsed[m]
            if result.errors:
                report.statements.append(_failed_at_parse(m, result.errors[0]))
                failed = True
                break
            traces = tracer.run_migration(m, result.statements, traced=False,
                                          framework_tx=framework_tx(m))
            if traces:
                report.statements.extend(traces)
                failed = True
                break

        replay_rows: dict[int, int] = {}
        if not failed and (opts.rows or opts.rows_per_table):
            report.seeded, report.seed_problems = seed(tracer.a, opts.rows, opts.rows_per_table)
            replay_rows = dict(tracer.a.execute(
                "SELECT oid::int8, greatest(reltuples, 0)::int8 FROM pg_class "
                "WHERE relkind IN ('r', 'p', 'm') AND oid >= 16384").fetchall())
        if not failed:
            tracer.snapshot_structure()
            tracer.refresh_relations()
        names_at_start = {oid: rel.name for oid, rel in tracer.ledger.names.items()}

        reported_fks: set[tuple[int, str]] = set()
        for m in ups[first:]:
            result = parsed[m]
            if failed:
                report.statements.extend(_not_run(m, result.statements))
                continue
            if on_progress:
                on_progress(m)
            if result.errors:
                err = result.errors[0]
                report.statements.append(_failed_at_parse(m, err))
                report.statements.extend(_not_run(m, [s for s in result.statements
                                                      if s.start >= err.end]))
                failed = True
                continue
            down = downs.get(pair_key(m)) if opts.roundtrip else None
            before = catalog_snapshot(tracer.a) if down is not None else None
            traces = tracer.run_migration(m, result.statements, traced=True,
                                          framework_tx=framework_tx(m), then=_foreign_keys_query)
            report.statements.extend(traces)
            if any(t.status == "failed" for t in traces):
                failed = True
                continue
            if tracer.then_rows is not None:
                _check_foreign_keys(tracer.then_rows, traces, reported_fks, report)
            if down is not None:
                report.roundtrips.append(_roundtrip(tracer, m, down, before, framework_tx))
                if report.roundtrips[-1].error:
                    failed = True

        _extrapolate(report, replay_rows, names_at_start, production)
        report.mismatches = mismatches(ups, parsed, report.statements,
                                       (config.pg_version if config is not None
                                        else PgVersion(tracer.server_version_num // 10000, 0)),
                                       opts.assume_in_transaction)
        report.total_ms = (time.monotonic() - began) * 1000

    if target.guard is not None:
        target.guard.explain(report.statements)
    diagnostics = findings(report, opts.lock_threshold_ms) + report.diagnostics
    # What replay did not send (a shared server's sandbox) and psql's \connect it cannot follow.
    diagnostics += target.guard.findings() if target.guard is not None else []
    diagnostics += [d for m, r in parsed.items() for d in connect_findings(m, r.statements)]
    for rt in report.roundtrips:
        if rt.differences or rt.error:
            down = next(m for m in migrations if m.path == rt.down_path and m.direction == "down")
            diagnostics.append(roundtrip_finding(down, rt.differences, rt.error))
    order = {m.path: i for i, m in enumerate(migrations)}
    diagnostics.sort(key=lambda d: (order.get(d.path, len(order)), d.line, d.column, d.code))
    report.diagnostics = select_findings(diagnostics, config)
    report.cleanup_errors = cleanup.errors
    return report


def select_findings(diagnostics: list, config) -> list:
    """Apply the configuration's rule selection and severity overrides to replay findings."""
    if config is None:
        return diagnostics
    enabled = {r.name for r in config.enabled_rules(REPLAY_RULES)}
    out = [d for d in diagnostics if d.rule in enabled]
    for d in out:
        d.severity = config.severity_for(d.rule, d.severity)
    return out


def _foreign_keys_query(traces: list[StatementTrace]) -> str | None:
    """After a migration, the foreign keys without an index of the tables it changed (only
    a change of structure can leave one so), read in the round trip of its COMMIT."""
    if not any(t.changes for t in traces):
        return None
    return unindexed_foreign_keys_query(sorted({c.oid for t in traces for c in t.changes if c.oid}))


def _check_foreign_keys(rows, traces: list[StatementTrace], reported: set,
                        report: ReplayReport) -> None:
    """A foreign key without an index after any migration, reported once, at the statement
    that added it when it was added in this migration."""
    for table_oid, table, name, definition in rows:
        if (table_oid, name) in reported:
            continue
        reported.add((table_oid, name))
        shown = table[7:] if table.startswith("public.") else table
        where = next((t for t in traces for c in t.changes
                      if c.object == "constraint" and c.name == name and c.change == "added"),
                     None)
        if where is None:
            where = next((t for t in traces if t.table_created(shown)), traces[0] if traces else None)
        if where is not None:
            report.diagnostics.append(unindexed_fk_finding(where, shown, name, definition))


def _roundtrip(tracer: Tracer, up: Migration, down: Migration, before: dict, framework_tx) -> RoundTrip:
    rt = RoundTrip(up.path, down.path)
    down_result = parse_migration(down)
    if down_result.errors:
        rt.error = f"{down.path}: {down_result.errors[0].message}"
        return rt
    failure = tracer.run_migration(down, down_result.statements, traced=False,
                                   framework_tx=framework_tx(down))
    if failure:
        rt.error = f"{down.path}:{failure[0].line}: {failure[0].error}"
        return rt
    rt.differences = differences(before, catalog_snapshot(tracer.a))
    # Up again: the schema the later migrations expect, and proof that down left room for it.
    again = tracer.run_migration(up, parse_migration(up).statements, traced=False,
                                 framework_tx=framework_tx(up))
    if again:
        rt.error = f"re-applying {up.path} after down failed at line {again[0].line}: {again[0].error}"
    return rt


def _extrapolate(report: ReplayReport, replay_rows: dict[int, int], names: dict[int, str],
                 production: dict[str, int]) -> None:
    """Linear estimate: a statement's time scales with the rows of the largest-growing
    existing table it locked (production rows / replayed rows)."""
    if not production or not replay_rows:
        return
    factor_of = {oid: production[names[oid]] / rows for oid, rows in replay_rows.items()
                 if rows > 0 and names.get(oid) in production}
    for trace in report.statements:
        factors = [factor_of[lk.relation.oid] for lk in trace.locks if lk.relation.oid in factor_of]
        if trace.status == "ok" and factors:
            trace.estimate_ms = trace.duration_ms * max(factors)
    for trace in report.statements:
        for lk in trace.locks:
            extra = sum(t.estimate_ms - t.duration_ms for t in lk.during if t.estimate_ms is not None)
            if any(t.estimate_ms is not None for t in lk.during):
                lk.held_estimate_ms = lk.held_ms + extra
