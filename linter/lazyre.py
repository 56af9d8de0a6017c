"""Regular expressions compiled on first use.

A pattern that only some runs need (template rendering, error recovery) should not cost
every start-up its compile time: `re.compile` of a lexer with a `\\x80-\\uffff` class
takes 10-20 ms, more than the whole check of a small file. `lazy(pattern, flags)` returns
an accessor; call it to get the compiled pattern (compiled once, then cached).
"""

from __future__ import annotations

import re


class lazy:  # noqa: N801 - used like a function: `_TOKEN = lazy(r"...")`, then `_TOKEN()`
    __slots__ = ("_compiled", "_flags", "_pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __call__(self) -> re.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._pattern, self._flags)
        return compiled
