"""Whether the process that made something (a temporary directory, a scratch role) is still
running, told apart from a later process that reused its pid."""

from __future__ import annotations

import os


def start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux /proc/<pid>/stat field
    22), which tells a live owner from a later process that reused its pid; "" elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def alive(pid: int, started: str) -> bool:
    """`started` is start_time(pid) as the owner recorded it ("" when unknown)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    return not started or start_time(pid) in ("", started)
