"""The overall replay timeout (`--timeout`)."""

from __future__ import annotations

import threading


class Watchdog:
    """The overall timeout: cancels A's running statement when the deadline passes."""

    def __init__(self, conn, seconds: float | None) -> None:
        self.expired = False
        self._timer = None
        if seconds:
            self._timer = threading.Timer(seconds, self._fire, args=(conn,))
            self._timer.daemon = True
            self._timer.start()

    def _fire(self, conn) -> None:
        self.expired = True
        cancel = getattr(conn, "cancel_safe", None) or conn.cancel
        try:
            cancel()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            pass

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
