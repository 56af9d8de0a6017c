"""The process `schemalint` runs in from the command line, and what its run leaves to the exit.

`main()` run from the command line (the console script, `python -m schemalint`) ends the
process once its command returns (`ENDS_AFTER_COMMAND`, set by `cli.main`; a test or a library
calling `main([...])` leaves it False). Freeing a run's objects one by one then is work for
nothing: the model (every table, column and the site that wrote it), the parse results and
tens of thousands of findings are returned to the system at once when the process ends. So
the run keeps them (`keep`), and the command line leaves through `exit_now`, which runs what
the interpreter's exit runs for other code (atexit handlers, weakref finalizers registered with
them, the flush of both streams) but not the teardown of every object — as mypy's command
line does (`mypy.util.hard_exit`). `bench/checkpoint_stages.py`'s `objects freed` variant
measures what it saves.
"""

from __future__ import annotations

import os
import sys

ENDS_AFTER_COMMAND = False

_kept: list = []


def keep(*objects) -> None:
    """Hold `objects` until the process ends, when it ends after this command."""
    if ENDS_AFTER_COMMAND:
        _kept.extend(objects)


def exit_now(code: int) -> None:
    """End the process with `code`, without freeing its objects first; returns (and the
    interpreter exits as usual) when another thread runs, which the exit would wait for."""
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    import atexit

    atexit._run_exitfuncs()  # what Py_Finalize would run first; the registry stays private
    flush_streams()
    os._exit(code)


def flush_streams() -> None:
    """Flush standard output and error (before the process ends, or forks: buffered output
    would otherwise be lost, or written twice)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - closed, a full disk or an odd stream: nothing more to tell
            pass
