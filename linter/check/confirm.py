"""One finding per hazard with `--replay`: a replay finding that measures the hazard a static
finding predicted, at the same statement, is carried by the static finding (its message
gains the measurement, `extra["replay"]` holds it as data) instead of being a second one.
Replay findings with no static counterpart stay as they are."""

from __future__ import annotations

from collections.abc import Sequence

from schemalint.diagnostics import Diagnostic

# Static rules whose finding says the statement rewrites the table.
_REWRITES = frozenset({
    "add-column-volatile-default", "add-serial-identity-or-generated-column",
    "alter-column-type-rewrites-table", "cluster-table", "set-logged-or-unlogged", "vacuum-full",
})
# Static rules whose finding is the blocking lock the statement takes (a rewrite's included).
_BLOCKING_LOCKS = _REWRITES | {
    "create-index-non-concurrently", "drop-index-non-concurrently", "reindex-non-concurrently",
    "add-check-constraint-without-not-valid", "add-foreign-key-without-not-valid",
    "add-unique-constraint-on-existing-table", "add-exclusion-constraint-on-existing-table",
    "set-not-null-on-existing-column", "detach-partition-non-concurrently",
}
# Replay rule -> the static rules whose hazard it measures.
CONFIRMS: dict[str, frozenset[str]] = {
    "table-rewrite": _REWRITES,
    "long-blocking-lock": _BLOCKING_LOCKS,
    "blocking-lock-without-timeout": _BLOCKING_LOCKS | {"missing-lock-timeout"},
    "foreign-key-left-unindexed": frozenset({"foreign-key-without-index"}),
    # Static rules that say PostgreSQL rejects the statement; replay saw it fail.
    "migration-failed": frozenset({
        "concurrent-index-in-transaction", "enum-add-value-in-transaction",
        "add-column-not-null-without-default"}),
}


def merge_confirmed(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """`diagnostics` with each confirming replay finding folded into the static findings it
    confirms (same file, a static position inside the replayed statement). The static
    finding keeps the higher of the two severities, so a gate on severity fails as before."""
    static: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.source != "replay":
            static.setdefault(d.path, []).append(d)
    out = []
    for d in diagnostics:
        rules = CONFIRMS.get(d.rule) if d.source == "replay" else None
        confirmed = [s for s in static.get(d.path, ()) if s.rule in rules
                     and d.start <= s.start < max(d.end, d.start + 1)] if rules else []
        if not confirmed:
            out.append(d)
            continue
        measured = {"rule": d.rule, "code": d.code, "message": d.message,
                    **(d.extra.get("replay") or {})}
        for s in confirmed:
            s.extra = {**s.extra, "replay": [*s.extra.get("replay", ()), measured]}
            s.message = f"{s.message} (replay: {measured.get('observed') or d.message})"
            s.severity = max(s.severity, d.severity)
    return out
