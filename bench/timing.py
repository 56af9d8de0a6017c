"""A stopwatch for the in-process bench scripts (stages.py, checkpoint_stages.py): functions
wrapped so that each call's time adds to a stage, put back by `restore`."""

from __future__ import annotations

import contextlib
import os
import time


class Stopwatch:
    def __init__(self, clock=time.perf_counter) -> None:
        self.clock = clock
        self.spent: dict[str, float] = {}
        self._patched: list[tuple[object, str, object]] = []

    def wrap(self, owner, name: str, stage: str) -> None:
        """`owner.name` timed into `stage` (several functions may share one)."""
        real = getattr(owner, name)
        clock, spent = self.clock, self.spent

        def timed(*args, **kwargs):
            start = clock()
            try:
                return real(*args, **kwargs)
            finally:
                spent[stage] = spent.get(stage, 0.0) + clock() - start

        setattr(owner, name, timed)
        self._patched.append((owner, name, real))

    def wrap_each(self, stages) -> None:
        """`wrap` for each (owner, name, stage) of `stages`: a script's stages as a table."""
        for owner, name, stage in stages:
            self.wrap(owner, name, stage)

    def replace(self, owner, name: str, value) -> None:
        """`owner.name` set to `value` until `restore`."""
        self._patched.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def restore(self) -> None:
        for owner, name, real in reversed(self._patched):
            setattr(owner, name, real)
        self._patched.clear()


@contextlib.contextmanager
def quiet_stdout():
    """Standard output to /dev/null (a command's report), the real one back afterwards."""
    with open(os.devnull, "w", encoding="utf-8") as devnull, contextlib.redirect_stdout(devnull):
        yield
