"""Writing docs/performance.md, which several bench scripts share: each owns one section between
its own markers and keeps every other part of the file as it is. The file is replaced in one
step (a temporary file renamed over it), and only once the text is complete: a script that
fails while measuring or rendering leaves the file as it was.

bench/run.py owns the part between `RUN_BEGIN` and `RUN_END` (before those markers existed, the
top of the file up to `PIECES_BEGIN`); bench/pieces.py owns the part between `PIECES_BEGIN` and
`PIECES_END`; hand-written paragraphs around them stay.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

RUN_BEGIN, RUN_END = "<!-- run: begin -->", "<!-- run: end -->"
PIECES_BEGIN, PIECES_END = "<!-- pieces: begin -->", "<!-- pieces: end -->"


def read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""


def replace_section(old: str, section: str, begin: str, end: str,
                    legacy_end: str | None = None) -> str:
    """`old` with the part between `begin` and `end` (markers included) replaced by `section`,
    which must carry the markers. No markers in `old`: with `legacy_end`, the section replaces
    the top of the file up to `legacy_end` (or the whole file when that is absent too);
    without it, the section is appended."""
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        return head + section.rstrip("\n") + rest.split(end, 1)[1]
    if legacy_end is not None:
        if legacy_end in old:
            return section.rstrip("\n") + "\n\n" + legacy_end + old.split(legacy_end, 1)[1]
        return section.rstrip("\n") + "\n"
    return old.rstrip("\n") + ("\n\n" if old.strip() else "") + section.rstrip("\n") + "\n"


def write_atomic(path: str, text: str) -> None:
    """Replace `path` with `text` in one step: a reader (or a crash) never sees half a file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".performance-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def publish(path: str, produce: Callable[[], str], begin: str, end: str,
            legacy_end: str | None = None) -> None:
    """Write the section `produce()` returns into `path` (see `replace_section`). `produce`
    runs to the end (measuring, rendering) before the file is read or written, so an
    exception in it leaves `path` untouched, and a section another script wrote meanwhile
    is kept."""
    section = produce()
    write_atomic(path, replace_section(read(path), section, begin, end, legacy_end))
