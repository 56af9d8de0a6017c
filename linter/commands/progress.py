"""Progress of long work on standard error (`replay`, and `check` over a long history).

On a terminal: a live line with the files done out of the total, the elapsed time and the file
at work (rich), replaced at the end by one summary line. Elsewhere (CI logs, pipes): the summary
line alone, e.g. "replayed 120 files in 34.2 s". With `--quiet`: nothing.

A replay always shows it: it starts a PostgreSQL server and sends every statement, seconds at
the least. A check shows it when it reads at least `LARGE_CHECK_CHARS` of SQL: a cold check's
time follows the amount of SQL (docs/performance.md, input (b): 9.0 MB checked cold in about
7 s of CPU, ~0.8 s per MB), not the
number of files (one schema dump can outweigh a hundred migrations), and the choice does not
depend on how loaded the machine is, so the same run always prints the same lines. Smaller
checks, the pre-commit hook's and every answer from the report cache print nothing and never
import rich (tests/test_startup_imports.py).
"""

from __future__ import annotations

import time

LARGE_CHECK_CHARS = 1_000_000


def large_check(migrations) -> bool:
    return sum(len(m.text) for m in migrations) >= LARGE_CHECK_CHARS


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class Progress:
    """`begin(total)`, `advance(path)` before each file, `finish()` at the end; `close()`
    after an error (it takes the live line away and prints no summary)."""

    def __init__(self, verb: str, past: str, err, *, quiet: bool = False,
                 color: bool | None = None) -> None:
        self.verb, self.past = verb, past  # "checking", "checked"
        self.err = err
        self.quiet = quiet
        self.color = color  # --color / --no-color; None: rich follows NO_COLOR and FORCE_COLOR
        self.shown = False
        self.total = self.done = 0
        self.seen: set[str] = set()
        self.started = time.monotonic()
        self.bar = None
        self.task = None

    def begin(self, total: int, shown: bool = True) -> None:
        """`total`: the number of files; `shown`: whether this work is long enough to show
        (see the module's docstring)."""
        self.total, self.done = total, 0
        self.seen = set()
        self.shown = shown and not self.quiet
        if self.shown and _is_terminal(self.err):
            self._open()

    def advance(self, path: str) -> None:
        """`path` is the file starting now; those before it are done. A file counts once
        (its up and down sections are two migrations)."""
        if path not in self.seen:
            self.seen.add(path)
            self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done - 1, file=path)

    def _open(self) -> None:
        # rich only when progress is shown on a terminal (see the module's docstring).
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar
        from rich.table import Column

        # The counts and the clock keep their width; a long path is cut, not them.
        path = Column(ratio=1, no_wrap=True, overflow="ellipsis")
        self.bar = Bar(TextColumn(self.verb), BarColumn(bar_width=20), MofNCompleteColumn(),
                       TextColumn("files"), TimeElapsedColumn(),
                       TextColumn("{task.fields[file]}", table_column=path),
                       console=Console(file=self.err, no_color=self.color is False),
                       transient=True, expand=True)
        self.task = self.bar.add_task(self.verb, total=self.total, file="")
        self.bar.start()

    def close(self) -> None:
        """Take the live line off the terminal; idempotent."""
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done)  # its last frame: how far it went
            self.bar.stop()
            self.bar = None

    def finish(self, complete: bool = True) -> None:
        """Close, then print the summary line. `complete`: every file was done (a check whose
        findings came from the cache went through none of them one by one); else the count
        says how far the work went (a replay that stopped)."""
        self.close()
        if not self.shown:
            return
        elapsed = time.monotonic() - self.started
        done = self.total if complete else min(self.done, self.total)
        count = (f"{self.total:,} file{'s' if self.total != 1 else ''}" if done >= self.total
                 else f"{done:,} of {self.total:,} files")
        print(f"{self.past} {count} in {elapsed:.1f} s", file=self.err)
