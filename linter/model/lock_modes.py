"""The eight table-level lock modes, which of them conflict, and a claim of one mode on one
relation: the vocabulary of the lock table (`schemalint.model.locks`).

Source: PostgreSQL documentation, "Explicit Locking", section 13.3.1 "Table-Level Locks":
the modes, the commands that acquire each, and Table 13.2 "Conflicting Lock Modes".
"""

from __future__ import annotations

from enum import IntEnum

from schemalint.records import Frozen

Key = tuple[str, str]  # a relation: (schema, name)


class LockMode(IntEnum):
    """PostgreSQL table-level lock modes, weakest first (the values are PostgreSQL's LOCKMODE
    numbers, which is also what libpg_query puts in LockStmt.mode)."""

    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def sql_name(self) -> str:
        """As written in LOCK TABLE and the docs: 'SHARE ROW EXCLUSIVE'."""
        return self.name.replace("_", " ")

    @property
    def pg_locks_name(self) -> str:
        """As `pg_locks.mode` shows it: 'ShareRowExclusiveLock'."""
        return "".join(w.capitalize() for w in self.name.split("_")) + "Lock"

    @classmethod
    def from_pg_locks(cls, name: str) -> LockMode:
        try:
            return _BY_PG_LOCKS_NAME[name]
        except KeyError:
            raise ValueError(f"not a table-level lock mode: {name!r}") from None

    def __str__(self) -> str:
        return self.sql_name


_BY_PG_LOCKS_NAME = {m.pg_locks_name: m for m in LockMode}

_M = LockMode
# Table 13.2 "Conflicting Lock Modes": each mode -> the modes it conflicts with.
# The relation is symmetric; a test checks that.
_CONFLICTS: dict[LockMode, frozenset[LockMode]] = {
    _M.ACCESS_SHARE: frozenset({_M.ACCESS_EXCLUSIVE}),
    _M.ROW_SHARE: frozenset({_M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.ROW_EXCLUSIVE: frozenset({_M.SHARE, _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.SHARE_UPDATE_EXCLUSIVE: frozenset({_M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE, _M.SHARE_ROW_EXCLUSIVE,
                                          _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.SHARE: frozenset({_M.ROW_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE_ROW_EXCLUSIVE,
                         _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.SHARE_ROW_EXCLUSIVE: frozenset({_M.ROW_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE,
                                       _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.EXCLUSIVE: frozenset({_M.ROW_SHARE, _M.ROW_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE,
                             _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.ACCESS_EXCLUSIVE: frozenset(LockMode),
}


def conflicts(a: LockMode, b: LockMode) -> bool:
    """Two sessions cannot hold `a` and `b` on the same relation at once (Table 13.2)."""
    return b in _CONFLICTS[a]


# What a held lock keeps other sessions from doing. SELECT takes ACCESS SHARE;
# INSERT/UPDATE/DELETE/MERGE take ROW EXCLUSIVE; VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY
# and the weakest ALTER TABLE forms take SHARE UPDATE EXCLUSIVE (13.3.1).
_BLOCKS = {
    mode: frozenset(
        what for what, probe in (("reads", _M.ACCESS_SHARE), ("writes", _M.ROW_EXCLUSIVE),
                                 ("ddl", _M.SHARE_UPDATE_EXCLUSIVE))
        if conflicts(mode, probe)
    )
    for mode in LockMode
}


def blocks(mode: LockMode) -> frozenset[str]:
    """The subset of {"reads", "writes", "ddl"} that `mode` blocks."""
    return _BLOCKS[mode]


def blocked_phrase(mode: LockMode) -> str:
    """'reads and writes' / 'writes' / 'VACUUM, ANALYZE and other schema changes', for messages."""
    b = _BLOCKS[mode]
    if "reads" in b:
        return "reads and writes"
    if "writes" in b:
        return "writes"
    if "ddl" in b:
        return "VACUUM, ANALYZE and other schema changes"
    return "only ACCESS EXCLUSIVE lockers"


class LockClaim(Frozen):
    """One lock a statement takes: `mode` on `relation`, with the clause that takes it."""

    __slots__ = ("relation", "kind", "mode", "reason")

    def __init__(self, relation: Key, kind: str, mode: LockMode, reason: str) -> None:
        set_ = object.__setattr__
        set_(self, "relation", relation)
        set_(self, "kind", kind)  # "table" | "index" | "sequence"
        set_(self, "mode", mode)
        set_(self, "reason", reason)

    @property
    def blocks(self) -> frozenset[str]:
        return _BLOCKS[self.mode]


def strongest(claims, key: Key) -> LockClaim | None:
    """The strongest claim on relation `key` among `claims`."""
    found = [c for c in claims if c.relation == key]
    return max(found, key=lambda c: c.mode) if found else None
