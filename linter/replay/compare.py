"""Static lock table (`schemalint.model.locks.statement_locks`) versus what replay observed.

Per traced statement and per table or view it did not create itself, the strongest mode predicted is compared
with the strongest mode observed. Observed locks weaker than SHARE UPDATE EXCLUSIVE that
were not predicted (the ACCESS SHARE a foreign key check or a view takes in passing) are
not listed; a predicted lock already held from an earlier statement of the same
transaction counts as observed."""

from __future__ import annotations

from schemalint.model import Model
from schemalint.model.lock_modes import LockMode
from schemalint.model.locks import statement_locks
from schemalint.replay.trace import Mismatch, StatementTrace

_MINOR = LockMode.SHARE_UPDATE_EXCLUSIVE
# The static lock table calls every relation LOCK TABLE accepts a "table".
_RELATION_KINDS = ("table", "view", "materialized view", "foreign table")


def _name(key: tuple[str, str]) -> str:
    schema, name = key
    return name if schema in ("", "public") else f"{schema}.{name}"


def _mode(text: str) -> LockMode:
    return LockMode[text.replace(" ", "_")]


def mismatches(migrations, parsed, traces: list[StatementTrace], pg_version,
               assume_in_transaction: bool) -> list[Mismatch]:
    by_start = {(t.migration.path, t.start): t for t in traces if t.traced and t.status == "ok"}
    left = len(by_start)  # no need to fold the model past the last statement that ran
    model = Model(pg_version)
    out: list[Mismatch] = []
    for m in migrations:
        result = parsed.get(m)
        if not left:
            break
        if result is None:
            continue
        model.begin_migration(m, assume_in_transaction)
        # The strongest lock per relation the file's earlier statements took in a
        # transaction (only those can still be held).
        held: dict[str, LockMode] = {}
        for stmt in result.statements:
            trace = by_start.get((m.path, stmt.start))
            if trace is not None:
                left -= 1
                claims = [c for c in statement_locks(stmt, model, pg_version) if c.kind == "table"]
                out.extend(_compare(trace, claims, held if trace.in_transaction else {}))
                if trace.in_transaction:
                    for rel, mode in _strongest(trace.locks).items():
                        if mode > held.get(rel, LockMode.ACCESS_SHARE):
                            held[rel] = mode
            model.fold(stmt)
    return out


def _strongest(locks) -> dict[str, LockMode]:
    best: dict[str, LockMode] = {}
    for lk in locks:
        mode = _mode(lk.mode)
        if lk.relation.name not in best or mode > best[lk.relation.name]:
            best[lk.relation.name] = mode
    return best


def _compare(trace: StatementTrace, claims, held: dict[str, LockMode]) -> list[Mismatch]:
    observed = _strongest(lk for lk in trace.locks
                          if not lk.created and lk.relation.kind in _RELATION_KINDS)
    predicted = {_name(c.relation): c.mode for c in claims}
    out = []
    for rel in sorted(set(predicted) | set(observed)):
        want, got = predicted.get(rel), observed.get(rel)
        if got is None and want is not None and held.get(rel, LockMode.ACCESS_SHARE) >= want:
            continue
        if want == got or (want is None and got < _MINOR):
            continue
        out.append(Mismatch(trace.path, trace.line, rel, want.sql_name if want else None,
                            got.sql_name if got else None))
    return out
