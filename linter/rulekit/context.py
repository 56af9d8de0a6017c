"""What a rule sees while it checks: the statement, the model as the statement finds it,
the file's lock ledger, the rule's options, and `report` to make a finding."""

from __future__ import annotations

from collections.abc import Mapping

from schemalint.diagnostics import Diagnostic, Fix
from schemalint.diagnostics.rule import Rule, make_diagnostic
from schemalint.discover.layouts import STRING, sends
from schemalint.rulekit.lock_ledger import LockLedger


class Context:
    """What a rule may read while checking one statement. Rules never mutate it."""

    __slots__ = ("_key", "_rangevar", "config", "file_statements", "locks", "model", "options", "rule", "sites",
                 "stmt")

    def __init__(self, model, config, locks: LockLedger | None = None) -> None:
        self.model = model
        self.config = config
        # The locks this file's statements take and hold (lock_ledger.py).
        self.locks = locks
        self.stmt = None
        self.rule: Rule | None = None
        self.options: Mapping[str, object] = {}
        # How many statements the current migration holds (the engine sets it per file).
        self.file_statements = 0
        # The last rangevar `key` resolved, and its key: the rules of one statement ask for
        # the key of the same `relation` node again and again (100,000s of lookups).
        self._rangevar = None
        self._key = None
        # When a list: (finding, site) for each finding reported at a model site, so that a
        # checkpoint can tell which table each schema finding belongs to (speed/schema_delta.py).
        self.sites: list | None = None

    def forget_keys(self) -> None:
        """The model changed (the statement was folded): resolve names afresh."""
        self._rangevar = None

    # --- facts ------------------------------------------------------------------------
    @property
    def pg_version(self) -> tuple[int, int]:
        return self.model.pg_version

    @property
    def pg_major(self) -> int:
        return self.model.pg_version[0]

    @property
    def session(self):
        return self.model.session

    @property
    def in_transaction(self) -> bool:
        return self.model.session.in_transaction

    @property
    def sends_one_string(self) -> bool:
        """The framework's runner sends the current migration as one query string."""
        return sends(self.stmt.migration.layout) == STRING

    @property
    def in_transaction_block(self) -> bool:
        """The statement runs in a transaction block: an explicit or the framework's
        transaction, or the implicit block PostgreSQL makes of one query string holding
        several statements (protocol page, "Multiple Statements in a Simple Query"), where
        CONCURRENTLY fails too ("cannot run inside a transaction block")."""
        return self.in_transaction or (self.file_statements > 1 and self.sends_one_string)

    def key(self, rangevar: dict) -> tuple[str, str]:
        if rangevar is self._rangevar:
            return self._key
        key = self._key = self.model.key(rangevar)
        self._rangevar = rangevar
        return key

    def table(self, rangevar_or_key):
        # The key through this context's cache, then the model's own lookup.
        return self.model.table(rangevar_or_key if isinstance(rangevar_or_key, tuple)
                                else self.key(rangevar_or_key))

    def uses_extension(self, name: str) -> bool:
        """The extension is declared in the configuration (`extensions`) or a CREATE EXTENSION
        of the history before this statement created it (in any schema)."""
        return name in self.config.extensions or name in self.model.extensions

    def created_here(self, rangevar_or_key) -> bool:
        """The relation was created earlier in this same migration file, so nothing
        reads or writes it yet, whatever the transaction state."""
        return self.model.created_in_this_migration(
            rangevar_or_key if isinstance(rangevar_or_key, tuple) else self.key(rangevar_or_key))

    # --- reporting --------------------------------------------------------------------
    def report(
        self,
        message: str,
        *,
        location: int | None = None,
        span: tuple[int, int] | None = None,
        help: str | None = None,
        fix: Fix | None = None,
        site=None,
    ) -> Diagnostic:
        """A finding of the running rule: at `site` (a model Site, for schema rules), else
        in the current statement at `span`, at the token at node `location`, or over the
        whole statement."""
        if site is not None:
            found = make_diagnostic(self.rule, site.migration, site.start, site.end, message,
                                    help, fix, fingerprint_of=site)
            if self.sites is not None:
                self.sites.append((found, site))
            return found
        stmt = self.stmt
        start, end = span if span is not None else stmt.span_at(location)
        return make_diagnostic(self.rule, stmt.migration, start, end, message, help, fix,
                               fingerprint_of=stmt)
