"""PostgreSQL's table-level lock modes and their conflict matrix, as replay needs them.

Source: PostgreSQL documentation, "Explicit Locking", Table 13.2 "Conflicting Lock Modes"
(unchanged since 8.2). `pg_locks.mode` spells modes like "AccessExclusiveLock".
"""

from __future__ import annotations

from enum import IntEnum


class Mode(IntEnum):
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
        return self.name.replace("_", " ")

    @classmethod
    def from_pg_locks(cls, text: str) -> Mode | None:
        """'AccessExclusiveLock' -> ACCESS_EXCLUSIVE; None for non-table modes."""
        return _BY_PG_LOCKS.get(text)


_BY_PG_LOCKS = {
    "".join(w.capitalize() for w in m.name.split("_")) + "Lock": m for m in Mode
}

# Each mode -> the modes it conflicts with (Table 13.2).
_CONFLICTS: dict[Mode, frozenset[Mode]] = {
    Mode.ACCESS_SHARE: frozenset({Mode.ACCESS_EXCLUSIVE}),
    Mode.ROW_SHARE: frozenset({Mode.EXCLUSIVE, Mode.ACCESS_EXCLUSIVE}),
    Mode.ROW_EXCLUSIVE: frozenset({Mode.SHARE, Mode.SHARE_ROW_EXCLUSIVE, Mode.EXCLUSIVE,
                                   Mode.ACCESS_EXCLUSIVE}),
    Mode.SHARE_UPDATE_EXCLUSIVE: frozenset({Mode.SHARE_UPDATE_EXCLUSIVE, Mode.SHARE,
                                            Mode.SHARE_ROW_EXCLUSIVE, Mode.EXCLUSIVE,
                                            Mode.ACCESS_EXCLUSIVE}),
    Mode.SHARE: frozenset({Mode.ROW_EXCLUSIVE, Mode.SHARE_UPDATE_EXCLUSIVE,
                           Mode.SHARE_ROW_EXCLUSIVE, Mode.EXCLUSIVE, Mode.ACCESS_EXCLUSIVE}),
    Mode.SHARE_ROW_EXCLUSIVE: frozenset({Mode.ROW_EXCLUSIVE, Mode.SHARE_UPDATE_EXCLUSIVE,
                                         Mode.SHARE, Mode.SHARE_ROW_EXCLUSIVE, Mode.EXCLUSIVE,
                                         Mode.ACCESS_EXCLUSIVE}),
    Mode.EXCLUSIVE: frozenset(set(Mode) - {Mode.ACCESS_SHARE}),
    Mode.ACCESS_EXCLUSIVE: frozenset(Mode),
}


def conflicts(a: Mode, b: Mode) -> bool:
    return b in _CONFLICTS[a]


def blocks(mode: Mode) -> tuple[str, ...]:
    """What a lock held in `mode` makes wait: reads (SELECT needs ACCESS SHARE), writes
    (INSERT/UPDATE/DELETE need ROW EXCLUSIVE) and DDL/maintenance (the weakest of which,
    VACUUM, ANALYZE and CREATE INDEX CONCURRENTLY, take SHARE UPDATE EXCLUSIVE)."""
    out = []
    if conflicts(mode, Mode.ACCESS_SHARE):
        out.append("reads")
    if conflicts(mode, Mode.ROW_EXCLUSIVE):
        out.append("writes")
    if conflicts(mode, Mode.SHARE_UPDATE_EXCLUSIVE):
        out.append("ddl")
    return tuple(out)
