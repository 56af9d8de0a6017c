"""Undo everything replay set up, whatever way the run ends.

Backends push their teardown (stop the server, remove the temporary directory, drop the
database) on a `Cleanup` stack. `handle_signals()` turns SIGTERM (and SIGHUP) into a
`Terminated` exception in the main thread, the way Python already turns SIGINT into
KeyboardInterrupt, so the same `finally` blocks run for success, failure and signals.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator


class Terminated(BaseException):
    """SIGTERM/SIGHUP arrived. A BaseException so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


class Cleanup:
    """A stack of undo actions, each run once, newest first; errors are collected, not raised."""

    def __init__(self) -> None:
        self._actions: list[tuple[str, Callable[[], None]]] = []
        self.errors: list[str] = []

    def push(self, what: str, action: Callable[[], None]) -> None:
        self._actions.append((what, action))

    def run(self) -> None:
        # Signals arriving during teardown must not interrupt it half way.
        with _deferred_signals():
            while self._actions:
                what, action = self._actions.pop()
                try:
                    action()
                except Exception as exc:  # noqa: BLE001 - keep undoing the rest
                    self.errors.append(f"{what}: {exc}")

    def __enter__(self) -> Cleanup:
        return self

    def __exit__(self, *exc) -> None:
        self.run()


def _raise_terminated(signum, frame) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def handle_signals() -> Iterator[None]:
    """While active (main thread only), SIGTERM and SIGHUP raise `Terminated`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {s: signal.signal(s, _raise_terminated) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def _deferred_signals() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    wanted = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            # Re-deliver the first signal now that the teardown is complete.
            if pending[0] == signal.SIGINT:
                raise KeyboardInterrupt
            print(f"schemalint: signal {pending[0]} during cleanup", file=sys.stderr)
            raise Terminated(pending[0])
