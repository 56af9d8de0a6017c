"""One finding per hazard with `--replay`: a replay finding that measures the hazard a static
finding predicted, at the same statement, is carried by the static finding (its message
gains the measurement, `extra["replay"]` holds it as data) instead of being a second one.
Replay findings with no static counterpart stay as they are."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from schemalint.diagnostics import Diagnostic
from schemalint.diagnostics.rule import Rule


def _confirms(rules: Iterable[Rule]) -> dict[str, frozenset[str]]:
    """Replay rule -> the static rules whose hazard it measures (each rule's `confirmed_by`)."""
    out: dict[str, set[str]] = {}
    for rule in rules:
        for replay_rule in rule.confirmed_by:
            out.setdefault(replay_rule, set()).add(rule.name)
    return {k: frozenset(v) for k, v in out.items()}


def merge_confirmed(diagnostics: Sequence[Diagnostic], rules: Iterable[Rule]) -> list[Diagnostic]:
    """`diagnostics` with each confirming replay finding folded into the static findings it
    confirms (same file, a static position inside the replayed statement). The static
    finding keeps the higher of the two severities, so a gate on severity fails as before."""
    confirms = _confirms(rules)
    static: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.source != "replay":
            static.setdefault(d.path, []).append(d)
    out = []
    for d in diagnostics:
        named = confirms.get(d.rule) if d.source == "replay" else None
        confirmed = [s for s in static.get(d.path, ()) if s.rule in named
                     and d.start <= s.start < max(d.end, d.start + 1)] if named else []
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
