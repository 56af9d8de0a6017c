"""Turn a replay's observations into Diagnostics (the same type static rules produce)."""

from __future__ import annotations

from schemalint.diagnostics.replay_rules import (
    BLOCKING_LOCK_WITHOUT_TIMEOUT,
    FOREIGN_KEY_UNINDEXED,
    LONG_BLOCKING_LOCK,
    MIGRATION_FAILED,
    ROUNDTRIP_DIFFERENCE,
    TABLE_REWRITE,
)
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.parse.statements import fingerprint
from schemalint.replay.trace import ReplayReport, StatementTrace

_BLOCKING = ("reads", "writes")
_TABLES = ("table", "materialized view")


def _diag(rule, trace: StatementTrace, message: str, help: str | None = None, **measured):
    """A finding at `trace`'s statement; `measured`: what replay saw, as data, with
    `observed`, the same in a few words (a static finding it confirms carries them:
    check/confirm.py)."""
    d = make_diagnostic(rule, trace.migration, trace.start, trace.end, message, help)
    d.source = "replay"
    d.fingerprint = _fingerprint(trace)
    d.extra["replay"] = measured
    return d


def _lock(lk, held_ms: float) -> dict:
    return {"relation": lk.relation.name, "lock": lk.mode, "held_ms": round(held_ms, 1)}


def _held(lk, held_ms: float) -> str:
    # From the value the data carries (_lock), so message and data never round apart.
    return f"{lk.mode} on `{lk.relation.name}` held {round(held_ms, 1):.0f} ms"


def _fingerprint(trace: StatementTrace) -> str:
    return fingerprint(trace.sql)


def _what(blocked: tuple[str, ...] | list[str]) -> str:
    names = [b for b in blocked if b in _BLOCKING]
    return " and ".join(names) if names else "nothing"


def statement_findings(trace: StatementTrace, threshold_ms: float) -> list:
    out = []
    if trace.status == "failed":
        out.append(_diag(MIGRATION_FAILED, trace, f"PostgreSQL {trace.error}"
                         if trace.error and trace.error.startswith("canceled")
                         else f"this statement fails on PostgreSQL: {trace.error}",
                         error=trace.error, sqlstate=trace.sqlstate,
                         observed=f"PostgreSQL rejected it: {trace.error}"))
        return out
    blocking = [lk for lk in trace.locks
                if lk.pre_existing and lk.relation.kind in _TABLES
                and any(b in _BLOCKING for b in lk.blocks)]
    for lk in blocking:
        held = lk.held_estimate_ms if lk.held_estimate_ms is not None else lk.held_ms
        if held > threshold_ms:
            size = "estimated at production size (linear)" if lk.held_estimate_ms is not None \
                else "at the replayed size"
            out.append(_diag(LONG_BLOCKING_LOCK, trace,
                             f"{lk.mode} on `{lk.relation.name}` was held {held:.0f} ms ({size}), "
                             f"blocking {_what(lk.blocks)}; the threshold is {threshold_ms:g} ms",
                             **_lock(lk, held), estimated=lk.held_estimate_ms is not None,
                             threshold_ms=threshold_ms,
                             observed=f"{_held(lk, held)} ({size}), over the {threshold_ms:g} ms threshold"))
    if blocking and trace.lock_timeout in ("0", None):
        modes = ", ".join(sorted({f"{lk.mode} on `{lk.relation.name}`" for lk in blocking}))
        blocked = {b for lk in blocking for b in lk.blocks}
        out.append(_diag(BLOCKING_LOCK_WITHOUT_TIMEOUT, trace,
                         f"took {modes} with no lock_timeout: behind a conflicting session it "
                         f"would wait forever while {_what([b for b in _BLOCKING if b in blocked])} "
                         "queue behind it", locks=[_lock(lk, lk.held_ms) for lk in blocking],
                         lock_timeout=False, observed=", ".join(_held(lk, lk.held_ms) for lk in blocking)
                         + ", with no lock_timeout"))
    for rel in trace.rewrites:
        if rel.kind in _TABLES and any(lk.relation.oid == rel.oid and lk.pre_existing
                                       for lk in trace.locks):
            out.append(_diag(TABLE_REWRITE, trace,
                             f"rewrote `{rel.name}` (a new relfilenode): every row was copied "
                             "and every index rebuilt under ACCESS EXCLUSIVE",
                             relation=rel.name, rewrite=True, observed=f"rewrote `{rel.name}`"))
    return out


def unindexed_fk_finding(trace: StatementTrace, table: str, name: str, definition: str):
    return _diag(FOREIGN_KEY_UNINDEXED, trace,
                 f"after this migration, foreign key `{name}` on `{table}` ({definition}) has no "
                 "index on its columns",
                 help=f"CREATE INDEX CONCURRENTLY ON {table} (<the foreign key's columns>);",
                 table=table, constraint=name, indexed=False,
                 observed="no index on its columns after this migration")


def roundtrip_finding(migration, differences: list[str], error: str | None):
    if error:
        message = f"up, down, up failed: {error}"
    else:
        shown = "; ".join(differences[:5]) + (f"; and {len(differences) - 5} more"
                                               if len(differences) > 5 else "")
        message = f"up then this down migration does not restore the schema: {shown}"
    d = make_diagnostic(ROUNDTRIP_DIFFERENCE, migration, 0, 0, message)
    d.source = "replay"
    return d


def findings(report: ReplayReport, threshold_ms: float) -> list:
    out = []
    for trace in report.statements:
        if trace.status != "not_run":
            found = statement_findings(trace, threshold_ms)
            if trace is report.stopped_at and report.not_replayed:
                # Coverage: the report of a check says what the replay did not reach.
                for d in found:
                    d.message += (f"; the replay stopped here: {report.not_replayed} later "
                                  f"migration file(s) of {report.files} were not replayed")
                    d.extra["replay"]["not_replayed"] = report.not_replayed
            out.extend(found)
    return out
