"""The locks a migration file takes, as the locking and timeout rules need them: which ACCESS
EXCLUSIVE locks the open transaction holds, and the first statement that waits for a
blocking lock (or runs slow under one) with no timeout set.

The engine keeps one `LockLedger` beside the model and updates it around each fold:
`before(stmt)` with the model as the statement finds it, `after(stmt, claims)` once it is
folded. Rules read it as `ctx.locks`.
"""

from __future__ import annotations

from schemalint.model.lock_modes import LockMode
from schemalint.model.locks import statement_locks
from schemalint.rulekit.rewrites import slow_reason

# Statements that never lengthen a held lock in a way that matters / that always do work.
_NO_WORK = frozenset({"TransactionStmt", "VariableSetStmt", "VariableShowStmt", "CommentStmt",
                      "GrantStmt", "GrantRoleStmt", "AlterOwnerStmt"})
_WORK = frozenset({"DoStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CopyStmt",
                   "CallStmt"})


class LockLedger:
    """Per-file lock bookkeeping, read by the locking and timeout rules."""

    __slots__ = ("_claims", "_claims_for", "access_exclusive", "access_exclusive_extended",
                 "first_unbounded_slow", "first_unguarded_lock", "model")

    def __init__(self, model) -> None:
        self.model = model
        self._claims_for = None
        self._claims: list = []
        self.begin_migration()

    def begin_migration(self) -> None:
        # ACCESS EXCLUSIVE locks on pre-existing relations held by the open transaction:
        # key -> the statement that took it. Held until COMMIT (13.3.1: "Once acquired, a
        # lock is normally held until the end of the transaction").
        self.access_exclusive: dict = {}
        # A later statement in that transaction already extended the hold (waited on
        # another relation's lock or did slow work).
        self.access_exclusive_extended = False
        # The first statement of this file that took a lock blocking reads or writes on a
        # pre-existing relation with no lock_timeout set: (statement, LockClaim).
        self.first_unguarded_lock: tuple | None = None
        # The first slow statement (scan/rewrite/index build under a lock blocking reads or
        # writes on a pre-existing relation) with no statement_timeout set: (statement, reason).
        self.first_unbounded_slow: tuple | None = None

    def claims(self, stmt) -> list:
        """`locks.statement_locks` for `stmt` against the model, computed once per statement
        (rules and the ledger share it). Ask before `stmt` is folded."""
        if self._claims_for is not stmt:
            self._claims_for = stmt
            model = self.model
            self._claims = statement_locks(stmt, model, model.pg_version)
        return self._claims

    def before(self, stmt) -> list:
        """Note the first unguarded lock and unbounded slow statement; `stmt` not yet folded.
        Returns its claims, for `after`."""
        claims = self.claims(stmt)
        model = self.model
        s = model.session
        blocking = self._blocking_claim(claims, s.created) if claims else None
        if blocking is not None and not s.lock_timeout and self.first_unguarded_lock is None:
            self.first_unguarded_lock = (stmt, blocking)
        if s.statement_timeout or self.first_unbounded_slow is not None:
            return claims
        # A slow statement keeps others waiting through its own blocking lock, or through the
        # ACCESS EXCLUSIVE locks its transaction already holds (13.3.1: held until the end of
        # the transaction), e.g. CREATE TABLE ... AS after a DROP TABLE in the same transaction.
        if blocking is None and not (s.in_transaction and self.access_exclusive):
            return claims
        why = slow_reason(stmt, model, model.pg_version[0], (s.timezone or "").upper() == "UTC")
        if why:
            self.first_unbounded_slow = (stmt, why)
        return claims

    def after(self, stmt, claims: list) -> None:
        """The locks the open transaction holds once `stmt` is folded (released at its end)."""
        s = self.model.session
        if not s.in_transaction:
            self.access_exclusive.clear()
            self.access_exclusive_extended = False
            return
        if stmt.kind == "TransactionStmt":
            return
        if self.access_exclusive and not self.access_exclusive_extended:
            self.access_exclusive_extended = self.extends_exclusive_hold(stmt, claims)
        for c in claims:
            if c.mode == LockMode.ACCESS_EXCLUSIVE and c.relation not in s.created:
                self.access_exclusive.setdefault(c.relation, stmt)

    def extends_exclusive_hold(self, stmt, claims: list) -> bool:
        """Would `stmt` make the ACCESS EXCLUSIVE locks this transaction holds last longer in a
        way that matters: it waits for a lock on another pre-existing relation, does slow work
        (scan, rewrite, index build), or runs DML or procedural code."""
        if stmt.kind in _NO_WORK:
            return False
        if stmt.kind in _WORK:
            return True
        created, held = self.model.session.created, self.access_exclusive
        if any(c.relation not in held and c.relation not in created for c in claims):
            return True
        model = self.model
        return slow_reason(stmt, model, model.pg_version[0]) is not None

    @staticmethod
    def _blocking_claim(claims: list, created: set):
        """The first claim blocking reads or writes on a relation that existed before this file,
        a table's before an index's (DROP INDEX locks both; readers queue on the table)."""
        found = None
        for c in claims:
            if ("reads" in c.blocks or "writes" in c.blocks) and c.relation not in created:
                if c.kind == "table":
                    return c
                found = found or c
        return found
