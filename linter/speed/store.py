"""The cache directory: one subdirectory per version of schemalint's code, entries written
atomically, and the findings of whole runs (`runs/`).

Entries are written to a temporary file and renamed into place (atomic on POSIX and
Windows), so concurrent runs never see half an entry; an entry that cannot be read or
decoded is ignored and recomputed; a cache directory that cannot be written is skipped
silently. Deleting the directory is always safe.
"""

from __future__ import annotations

import marshal
import os

from schemalint.speed.keys import FORMAT, code_fingerprint

# Whole-run entries kept (newest first): one per distinct set of inputs and settings.
MAX_RUN_ENTRIES = 16
# What a version's directory may hold (anything else there is not ours to delete).
_ENTRY_NAMES = ("parse.pack", "runs", "reports", "checkpoints")


class Cache:
    def __init__(self, root: str) -> None:
        self.root = root
        self.tag = code_fingerprint()
        self.base = os.path.join(root, self.tag[:20])
        self._prepared = False

    # --- files --------------------------------------------------------------------
    def read(self, path: str) -> bytes | None:
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def write(self, path: str, *chunks: bytes, fill=None) -> bool:
        """Write an entry atomically; False when it could not be written. `fill`, if given,
        writes the rest to the open file (an entry too large to hold in memory twice); an
        exception it raises leaves no file behind and propagates."""
        try:
            self.prepare()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            # A name no other process uses (pid) and no earlier crash left behind (O_EXCL).
            tmp = f"{path}.{os.getpid()}.{id(chunks)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
            try:
                with os.fdopen(fd, "wb") as fh:
                    for chunk in chunks:
                        fh.write(chunk)
                    if fill is not None:
                        fill(fh)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            return False  # a read-only or full disk: run without caching
        return True

    def prepare(self) -> None:
        """Before the first write (of any level, the report cache's too): create the cache
        directory (marked as a cache for git and backup tools) and drop entries written by
        other versions of schemalint. Raises OSError when it cannot be created."""
        if self._prepared:
            return
        self._prepared = True
        fresh = not os.path.isdir(self.base)
        os.makedirs(self.base, exist_ok=True)
        gitignore = os.path.join(self.root, ".gitignore")
        if not os.path.exists(gitignore):
            with open(gitignore, "w", encoding="utf-8") as fh:
                fh.write("# Created by schemalint.\n*\n")
            with open(os.path.join(self.root, "CACHEDIR.TAG"), "w", encoding="utf-8") as fh:
                fh.write("Signature: 8a477f597d28d172789f06886806bc55\n"
                         "# This is a cache directory created by schemalint.\n")
        if fresh:
            for entry in os.scandir(self.root):
                if entry.path != self.base and _is_ours(entry):
                    import shutil  # only now: ~3 ms to import (bz2, lzma, zlib)

                    shutil.rmtree(entry.path, ignore_errors=True)

    # An entry is a header naming its own key, then marshal data: a file that is
    # truncated, foreign or was written for another key is recognised and ignored.
    @staticmethod
    def header(key: str) -> bytes:
        return b"SLC%d:" % FORMAT + key.encode("ascii") + b"\n"

    # --- whole runs -------------------------------------------------------------------
    def run_path(self, key: str) -> str:
        return os.path.join(self.base, "runs", key)

    def load_run(self, key: str):
        """The (statements, encoded findings, suppressed) `store_run` stored, or None."""
        data = self.read(self.run_path(key))
        header = self.header(key)
        if data is None or not data.startswith(header):
            return None
        try:
            (statements, names, encoded_at, suppressed), rows = read_frames(memoryview(data)[len(header):])
        except Exception:  # noqa: BLE001 - truncated or damaged: a miss
            return None
        return statements, (names, rows, encoded_at), suppressed

    def store_run(self, key: str, payload) -> None:
        statements, (names, rows, encoded_at), suppressed = payload
        self.write(self.run_path(key), self.header(key),
                   fill=lambda fh: write_frames(fh.write, (statements, names, encoded_at, suppressed), rows))
        runs = os.path.join(self.base, "runs")
        try:
            entries = sorted(os.scandir(runs), key=lambda e: e.stat().st_mtime, reverse=True)
            for old in entries[MAX_RUN_ENTRIES:]:
                os.unlink(old.path)
        except OSError:
            pass


# Rows per frame of `write_frames`: about 1 MB of encoded findings.
ROWS_PER_FRAME = 2048


def write_frames(write, head, rows: list) -> int:
    """`head` and `rows` as frames (an 8-byte length, then marshal data): the head, then the
    rows a frame at a time. A long history's findings marshalled whole are one string of tens
    of megabytes (bench (b)'s `runs/` entry: 18 MB) that grows by copies at the end of a cold
    run, the moment of its peak memory; a frame at a time, nothing but the rows is held.
    Returns the bytes written."""
    written = 0
    for part in _frames(head, rows):
        data = marshal.dumps(part)
        write(len(data).to_bytes(8, "little"))
        write(data)
        written += 8 + len(data)
    return written


def _frames(head, rows: list):
    yield head
    for start in range(0, len(rows), ROWS_PER_FRAME):
        yield rows[start:start + ROWS_PER_FRAME]


def read_frames(view: memoryview) -> tuple:
    """(head, rows) from what `write_frames` wrote, filling `view` exactly; ValueError when
    it does not."""
    at, end = 0, len(view)
    frames = []
    while at < end:
        size = int.from_bytes(view[at:at + 8], "little")
        if at + 8 + size > end:
            raise ValueError("a frame past the end")
        frames.append(marshal.loads(view[at + 8:at + 8 + size]))
        at += 8 + size
    if not frames:
        raise ValueError("no frames")
    rows = []
    for frame in frames[1:]:
        rows.extend(frame)
    return frames[0], rows


def _is_ours(entry) -> bool:
    """A directory of entries from another schemalint version (never anything else that
    happens to live where --cache-dir points)."""
    name = entry.name
    if len(name) != 20 or not entry.is_dir(follow_symlinks=False):
        return False
    if any(c not in "0123456789abcdef" for c in name):
        return False
    try:
        # `with`: all() stops at the first foreign name and would leave the listing open.
        with os.scandir(entry.path) as listing:
            return all(e.name in _ENTRY_NAMES or e.name.endswith(".tmp") for e in listing)
    except OSError:
        return False
