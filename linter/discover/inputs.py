"""What a discovery looked at: every file it read or looked for besides the migrations it
found, and the bytes of each migration file as read. The report cache (schemalint.speed) keys
a stored report by these; discovery itself only notes them, and only when asked to.

A file's content digest is blake2b of its bytes: `bytes_hash` is the one definition, used for
the digests noted here and for those the report cache computes when it checks them again."""

from __future__ import annotations

import os

_blake2b = None


def bytes_hash(data: bytes) -> str:
    global _blake2b
    if _blake2b is None:
        # hashlib's blake2b is _blake2's; importing hashlib itself also loads OpenSSL
        # (_hashlib, ~3 ms of every start-up) for algorithms never used here. Imported on
        # first use only (most runs hash nothing), once: a CI checkout hashes every file.
        try:
            from _blake2 import blake2b
        except ImportError:  # pragma: no cover - a Python built without its own blake2
            from hashlib import blake2b
        _blake2b = blake2b
    return _blake2b(data, digest_size=20).hexdigest()


def file_signature(st: os.stat_result) -> tuple[int, int, int]:
    """What a file's stat must keep for the file to be trusted unread."""
    return st.st_size, st.st_mtime_ns, st.st_ino


class InputLog:
    """The inputs of one discovery. With `recording` off (a run no cache will store) every
    method returns at once, so discovery pays nothing for it."""

    __slots__ = ("looked_at", "reads", "recording")

    def __init__(self, recording: bool = False) -> None:
        self.recording = recording
        self.looked_at: set[str] = set()  # absolute paths read or probed besides migrations
        # absolute path -> (size, mtime_ns, inode, digest) of each migration file as read
        self.reads: dict[str, tuple[int, int, int, str]] = {}

    def look(self, path: str) -> None:
        """The result depends on `path`: its contents, or that it is absent."""
        if self.recording:
            self.looked_at.add(os.path.abspath(path))

    def read(self, abs_path: str, st: os.stat_result, data: bytes) -> None:
        """The bytes read from a file, with the stat of the open file taken before the read
        (a change after it shows as a changed stat)."""
        if self.recording:
            self.reads[abs_path] = (*file_signature(st), bytes_hash(data))


def read_file(path: str) -> tuple[bytes, os.stat_result]:
    """The whole file and its stat, taken from the open file: one open, one fstat, and one
    read for a file that does not grow meanwhile (Python's file objects add a buffer object
    and a second fstat per file: thousands of files in a CI checkout)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        data = os.read(fd, st.st_size + 1)
        if len(data) > st.st_size:  # it grew (or is not a regular file): read to the end
            chunks = [data]
            while True:
                more = os.read(fd, 1 << 20)
                if not more:
                    break
                chunks.append(more)
            data = b"".join(chunks)
        return data, st
    finally:
        os.close(fd)
