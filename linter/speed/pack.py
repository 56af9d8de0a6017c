"""The parse results of a project, per file: `parse.pack` in the cache's directory.

A file's `RawParse` (statements as kind, JSON tree and span; syntax errors as position and
message) depends on the text handed to the parser and nothing else, so it is keyed by that
text's hash (the directory it lives in is keyed by schemalint's code). When one migration
is added or edited, every other file's parse comes from here.

One pack file of records instead of one small file per migration (0.5 ms each to open):
after the header, each record is a 4-byte length, the marshal of (digest, last used, blob
length), then the blob (marshal bytes of a RawParse). Blobs are kept as slices of the
file's bytes, not copied; new entries are appended to the next pack as they are parsed, so
a cold run over a large history never holds all of them (issue 6's memory bound), and the
next pack is renamed into place at the end. It keeps the entries of the last run, then
recently used ones up to a size and an age.
"""

from __future__ import annotations

import marshal
import os
import time

from schemalint.speed.store import Cache

MAX_PACK_BYTES = 512 * 1024 * 1024
MAX_AGE_SECONDS = 30 * 86_400
# Pack files a forked child inherited from its parent: never closed or flushed by the child.
_INHERITED: list = []


class ParsePack:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.path = os.path.join(cache.base, "parse.pack")
        self.entries: dict[str, tuple[int, memoryview]] = {}  # digest -> (last used, blob)
        self.new: set[str] = set()  # written to the next pack by this process
        self.used: set[str] = set()  # loaded from this pack
        self._out = None
        self._tmp: str | None = None  # the next pack's temporary name, once chosen
        self._size = 0
        data = cache.read(self.path)
        header = cache.header("parse")
        if data is None or not data.startswith(header):
            return
        view = memoryview(data)
        pos, end = len(header), len(data)
        while pos + 4 <= end:
            size = int.from_bytes(view[pos:pos + 4], "little")
            start = pos + 4 + size
            try:
                digest, used_at, blob_len = marshal.loads(view[pos + 4:start])
            except Exception:  # noqa: BLE001 - damaged: keep what came before
                break
            if (start > end or not isinstance(digest, str) or not isinstance(used_at, int)
                    or not isinstance(blob_len, int) or start + blob_len > end):
                break  # truncated
            self.entries[digest] = (used_at, view[start:start + blob_len])
            pos = start + blob_len

    def get(self, digest: str):
        """The cached RawParse of this text, or None."""
        entry = self.entries.get(digest)
        if entry is None:
            return None
        try:
            raw = marshal.loads(entry[1])
        except Exception:  # noqa: BLE001 - a damaged entry: a miss
            return None
        if (isinstance(raw, tuple) and len(raw) == 2 and isinstance(raw[0], list)
                and isinstance(raw[1], list)):
            self.used.add(digest)
            return raw
        return None

    def add(self, digest: str, blob: bytes) -> None:
        """Add a RawParse already encoded with marshal to the next pack (`save`)."""
        if digest in self.new or not self._open():
            return
        try:
            self._record(digest, int(time.time()), blob)
            self.new.add(digest)
        except OSError:
            self.discard()

    def _record(self, digest: str, used_at: int, blob) -> None:
        meta = marshal.dumps((digest, used_at, len(blob)))
        out = self._out
        out.write(len(meta).to_bytes(4, "little"))
        out.write(meta)
        out.write(blob)
        self._size += len(blob)

    def _open(self) -> bool:
        """Start the next pack file (a temporary name until `save`)."""
        if self._out is not None:
            return True
        try:
            self.cache.prepare()
            if self._tmp is None:
                self._tmp = f"{self.path}.{os.getpid()}.{id(self)}.tmp"
            self._out = open(self._tmp, "wb")
            self._out.write(self.cache.header("parse"))
            return True
        except OSError:
            self._out = None
            return False

    def discard(self) -> None:
        """Give up the next pack (a failed run, a full disk): remove its file."""
        out, self._out = self._out, None
        if out is not None:
            out.close()
            try:
                os.unlink(self._tmp)
            except OSError:
                pass

    def save(self) -> None:
        """Write the pack when there are new entries (or used ones not refreshed for a
        day): entries of this run first, then older ones while under the size cap."""
        now = int(time.time())
        stale = any(now - self.entries[d][0] > 86_400 for d in self.used)
        if not self.new and not stale:
            self.discard()
            return
        if not self._open():
            return
        try:
            written = set(self.new)
            for d in self.used - written:
                self._record(d, now, self.entries[d][1])
                written.add(d)
            others = sorted(((e[0], d) for d, e in self.entries.items() if d not in written),
                            reverse=True)
            for used_at, d in others:
                blob = self.entries[d][1]
                if self._size + len(blob) > MAX_PACK_BYTES or now - used_at > MAX_AGE_SECONDS:
                    break
                self._record(d, used_at, blob)
            out, self._out = self._out, None
            out.close()
            os.replace(self._tmp, self.path)
        except OSError:
            self.discard()  # a full disk: run without caching

    # --- a forked child's parse results (parallel.py) ---------------------------------
    def child_path(self, pid: int) -> str:
        return f"{self.path}.{pid}.child.tmp"

    def flush(self) -> None:
        """Before a fork: nothing of the next pack may sit in a buffer both processes hold."""
        if self._out is not None:
            self._out.flush()

    def in_child(self) -> None:
        """In a forked child: write new parse results to a pack file of its own
        (`child_path`), which the parent adds to its next pack (`absorb`)."""
        # The parent's open pack file object stays referenced, never closed or freed here:
        # that would flush whatever its buffer held into the file the parent is writing
        # (the parent flushes before forking; this makes sure).
        _INHERITED.append(self._out)
        self._out = None
        self.new = set()
        self._size = 0
        self._tmp = self.child_path(os.getpid())

    def close_child(self) -> tuple[str | None, list[str], list[str]]:
        """In the child, when done: (its pack file or None, the digests in it, the digests
        it loaded from the pack), for `absorb`."""
        out, self._out = self._out, None
        path = None
        if out is not None:
            try:
                out.close()
                path = self._tmp
            except OSError:
                pass
        return path, sorted(self.new), sorted(self.used)

    def absorb(self, path: str | None, digests: list[str], used: list[str]) -> None:
        """Take in what a child's `close_child` reported: its pack file is appended to the
        next pack (the caller deletes the file), and the entries it used count as used here
        (`save` keeps them fresh)."""
        self.used.update(used)
        if path is None:
            return
        try:
            with open(path, "rb") as fh:
                header = self.cache.header("parse")
                if fh.read(len(header)) == header and self._open():
                    import shutil  # only here: ~3 ms to import (bz2, lzma, zlib)

                    start = self._out.tell()
                    shutil.copyfileobj(fh, self._out, 1 << 20)
                    self._size += self._out.tell() - start
                    self.new.update(digests)
        except OSError:
            self.discard()  # the pack may now hold half a record: write none this run
