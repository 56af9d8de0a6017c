"""The shape every rule module shares: metadata as data plus a check function."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import ModuleType

from schemalint.diagnostics import Diagnostic, Fix, Severity
from schemalint.records import Frozen

DOCS_URL = "https://github.com/schemalint/schemalint/blob/main/docs/rules/{name}.md"

CATEGORIES = ("locking", "breaking", "schema", "types", "transactions", "timeouts", "extensions",
              "replay", "queries", "engine")

# The other linters whose rules `Rule.equivalents` may name (inventories: linter/docs/peers.py).
PEER_NAMES = ("squawk", "eugene", "strong_migrations", "pgfence")


class Rule(Frozen):
    """A rule's metadata and, once bound, its check functions. Immutable; compared by value."""

    __slots__ = ("code", "name", "category", "severity", "summary", "why", "instead", "bad",
                 "good", "ok_when", "node_types", "scope", "min_pg", "max_pg", "default_enabled",
                 "options", "fix", "equivalents", "confirmed_by", "check", "check_schema",
                 "end_of_migration")

    def __init__(
        self,
        code: str,
        name: str,
        category: str,
        severity: Severity,
        summary: str,
        why: str,
        instead: str,
        bad: tuple[str, ...],
        good: tuple[str, ...],
        ok_when: str = "",
        # Statement kinds (libpg_query node names) the check wants, or a kind and one of its
        # ALTER TABLE actions ("AlterTableStmt.AT_AddColumn", see engine.RuleSet); () means
        # every statement.
        node_types: tuple[str, ...] = (),
        # "statement": check(stmt, ctx) per statement; "schema": check_schema(model, ctx) once
        # after all migrations; both may define end_of_migration(ctx) too.
        scope: str = "statement",
        # Inclusive PostgreSQL major versions the hazard exists on (None: no bound).
        min_pg: int | None = None,
        max_pg: int | None = None,
        default_enabled: bool = True,
        options: Mapping[str, object] | None = None,
        fix: str | None = None,  # None, "safe" or "unsafe"
        equivalents: Mapping[str, tuple[str, ...]] | None = None,
        # The replay findings (replay_rules) that measure this rule's hazard at the same
        # statement: with `check --replay` they are carried by this finding (check/confirm.py).
        confirmed_by: tuple[str, ...] = (),
        # Bound from the rule's module by `bind`.
        check: Callable | None = None,
        check_schema: Callable | None = None,
        end_of_migration: Callable | None = None,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "code", code)
        set_(self, "name", name)
        set_(self, "category", category)
        set_(self, "severity", severity)
        set_(self, "summary", summary)
        set_(self, "why", why)
        set_(self, "instead", instead)
        set_(self, "bad", bad)
        set_(self, "good", good)
        set_(self, "ok_when", ok_when)
        set_(self, "node_types", node_types)
        set_(self, "scope", scope)
        set_(self, "min_pg", min_pg)
        set_(self, "max_pg", max_pg)
        set_(self, "default_enabled", default_enabled)
        set_(self, "options", {} if options is None else options)
        set_(self, "fix", fix)
        set_(self, "equivalents", {} if equivalents is None else equivalents)
        set_(self, "confirmed_by", confirmed_by)
        set_(self, "check", check)
        set_(self, "check_schema", check_schema)
        set_(self, "end_of_migration", end_of_migration)

    @property
    def url(self) -> str:
        return DOCS_URL.format(name=self.name)

    def applies_to(self, pg_major: int) -> bool:
        return (self.min_pg is None or pg_major >= self.min_pg) and (
            self.max_pg is None or pg_major <= self.max_pg
        )

    def bind(self, module: ModuleType) -> Rule:
        return self.replace(
            check=getattr(module, "check", None),
            check_schema=getattr(module, "check_schema", None),
            end_of_migration=getattr(module, "end_of_migration", None),
        )

    def metadata(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "severity": str(self.severity),
            "default_enabled": self.default_enabled,
            "scope": self.scope,
            "summary": self.summary,
            "why": self.why,
            "instead": self.instead,
            "ok_when": self.ok_when,
            "pg_versions": {"min": self.min_pg, "max": self.max_pg},
            "options": dict(self.options),
            "fix": self.fix,
            "bad": list(self.bad),
            "good": list(self.good),
            "equivalents": {p: list(self.equivalents.get(p, ())) for p in PEER_NAMES},
            "url": self.url,
        }


def make_diagnostic(rule: Rule, migration, start: int, end: int, message: str,
                    help: str | None = None, fix: Fix | None = None, fingerprint_of=None) -> Diagnostic:
    lines = migration.lines
    line, col = lines.position(start)
    end_line, end_col = lines.position(max(end, start))
    diag = Diagnostic(
        code=rule.code,
        rule=rule.name,
        severity=rule.severity,
        path=migration.path,
        line=line,
        column=col,
        end_line=end_line,
        end_column=end_col,
        message=message,
        help=rule.instead if help is None else help,
        fix=fix,
        start=start,
        end=end,
    )
    if fingerprint_of is not None:
        diag.extra["statement"] = StatementRef(fingerprint_of.sql)
    return diag


class StatementRef:
    """The statement a finding is in, as reporters need it (`sql`, `fingerprint`).

    A finding keeps this rather than the parsed Statement so that it does not keep the
    statement's whole JSON tree alive until the report is written (17,000 findings on a
    50,000-statement history held ~150 MB of trees), and so that cached findings carry
    the same thing. The libpg_query fingerprint is computed only when a reporter asks
    (`parse.statements.statement_fingerprint`), and kept here once computed."""

    __slots__ = ("fingerprint", "sql")

    def __init__(self, sql: str, fingerprint: str | None = None) -> None:
        self.sql = sql
        self.fingerprint = fingerprint


Check = Callable[..., Iterable[Diagnostic]]
