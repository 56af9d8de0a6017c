"""Lint settings. `LintConfig` is the pure, already-validated form the engine reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .diagnostics import Severity

DEFAULT_PG_VERSION = (15, 0)


def parse_pg_version(value: str | int) -> tuple[int, int]:
    """'15' -> (15, 0); '14.2' -> (14, 2). Raises ValueError with a readable message."""
    text = str(value).strip()
    parts = text.split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 and parts[1] else 0
    except ValueError:
        raise ValueError(f"invalid PostgreSQL version {text!r} (expected e.g. 15 or 14.4)") from None
    if len(parts) > 2 or not 9 <= major <= 30 or minor < 0:
        raise ValueError(f"invalid PostgreSQL version {text!r} (expected e.g. 15 or 14.4)")
    return major, minor


@dataclass
class LintConfig:
    pg_version: tuple[int, int] = DEFAULT_PG_VERSION
    assume_in_transaction: bool = False
    # Selectors: rule code ("SL101"), name, code prefix ("SL1") or category; "ALL" for all.
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    fail_on: str = "error"
    # Discovery: the framework layout ("auto" detects it), Flyway/psql placeholder values,
    # and include/exclude globs.
    layout: str = "auto"
    placeholders: Mapping[str, str] = field(default_factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # Replay settings from the configuration file (the replay command reads them).
    replay: Mapping[str, object] = field(default_factory=dict)

    def enabled_rules(self, rules: Iterable) -> list:
        rules = list(rules)
        if self.select:
            chosen = [r for r in rules if _matches_any(r, self.select, explicit_all=True)]
        else:
            chosen = [r for r in rules if r.default_enabled]
        chosen += [r for r in rules if r not in chosen and _matches_any(r, self.extend_select, True)]
        return [r for r in chosen if not _matches_any(r, self.ignore, explicit_all=True)]

    def rule_options(self, rule) -> dict:
        merged = dict(rule.options)
        merged.update(self.options.get(rule.name, {}))
        return merged

    def severity_for(self, rule_name: str, default: Severity) -> Severity:
        return self.severity.get(rule_name, default)


def selector_matches(rule, selector: str) -> bool:
    s = selector.strip()
    if s.upper() == "ALL":
        return True
    return s in (rule.code, rule.name, rule.category) or (
        s.upper().startswith("SL") and rule.code.startswith(s.upper())
    )


def _matches_any(rule, selectors: Iterable[str], explicit_all: bool) -> bool:
    return any(selector_matches(rule, s) for s in selectors)
