"""Parse many files in worker processes while the main process folds and checks.

Parsing is context-free (`parse.parse_sql` depends on one file's text alone), so files
can be parsed in any process; folding and the rules are not (the model depends on every
earlier file), so they stay in the main process, in order. Workers send back each file's
`RawParse` as `marshal` bytes: loading those costs about half of `json.loads` on the same
tree, and is all the parsing the main process then does.

Used only when the text to parse is large enough to pay for starting the workers
(`PARALLEL_MIN_CHARS`), with `fork` (Linux) so that workers start with pglast already
imported; elsewhere, or when a worker dies, files are parsed in the main process. The
results are the same either way: the same function parses each file.
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Iterator, Sequence

from .parse import RawParse, parse_sql

# Below this much SQL (characters still to parse), serial parsing wins: forking two
# workers and shipping texts and trees between processes costs ~20-30 ms.
PARALLEL_MIN_CHARS = 1_500_000
# Files are sent to workers in batches of about this much text, so that the main
# process can start on the first files while the rest are parsed.
BATCH_CHARS = 200_000
DEFAULT_WORKERS = 2
# Batches submitted ahead of the one the main process is reading. Workers parse several
# times faster than the main process folds and checks: submitting every batch at once left
# the whole history's parse results (~100 MB of marshal bytes for 50,000 statements) waiting
# in the main process.
AHEAD_PER_WORKER = 3


def workers_wanted(total_chars: int) -> int:
    """How many worker processes to use for this much text (0: parse in this process).

    `SCHEMALINT_JOBS=N` overrides (1 or 0 forces serial parsing)."""
    env = os.environ.get("SCHEMALINT_JOBS", "").strip()
    if env:
        try:
            jobs = int(env)
        except ValueError:
            jobs = DEFAULT_WORKERS
        return jobs if jobs >= 2 and _can_fork() else 0
    if total_chars < PARALLEL_MIN_CHARS or not _can_fork():
        return 0
    return max(0, min(DEFAULT_WORKERS, os.cpu_count() or 1))


def _can_fork() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def parse_batch(texts: list[str]) -> list[bytes]:
    """Worker side: parse each text, return each RawParse as marshal bytes."""
    return [marshal.dumps(parse_sql(t)) for t in texts]


def _batches(texts: Sequence[str]) -> Iterator[list[int]]:
    batch: list[int] = []
    size = 0
    for i, t in enumerate(texts):
        batch.append(i)
        size += len(t)
        if size >= BATCH_CHARS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class ParallelParser:
    """Parses `texts` in `workers` processes; `get(i)` blocks until text i is parsed.

    The returned `RawParse` objects are equal to `parse_sql(texts[i])`, and marshal
    bytes are kept in `blob(i)` for the cache to store without encoding them again."""

    def __init__(self, texts: Sequence[str], workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.texts = texts
        self._blobs: dict[int, bytes] = {}
        self._batch_of: dict[int, tuple[object, list[int]]] = {}
        self._pool = ProcessPoolExecutor(max_workers=workers,
                                         mp_context=multiprocessing.get_context("fork"))
        self._broken = False
        self._batches = list(_batches(texts))
        self._number = {i: n for n, batch in enumerate(self._batches) for i in batch}
        self._submitted = 0  # batches handed to the pool so far (in order)
        self._ahead = max(1, workers * AHEAD_PER_WORKER)
        self._submit_before(self._ahead)

    def _submit_before(self, end: int) -> None:
        """Hand the batches numbered below `end` to the pool."""
        end = min(end, len(self._batches))
        while self._submitted < end and not self._broken:
            batch = self._batches[self._submitted]
            try:
                future = self._pool.submit(parse_batch, [self.texts[i] for i in batch])
            except Exception:  # noqa: BLE001 - a broken pool: parse here from now on
                self._broken = True
                return
            self._submitted += 1
            for i in batch:
                self._batch_of[i] = (future, batch)

    def get(self, i: int) -> RawParse:
        blob = self.blob(i)
        if blob is None:
            return parse_sql(self.texts[i])
        return marshal.loads(blob)

    def blob(self, i: int) -> bytes | None:
        """The marshal bytes of text i's RawParse (None if the workers failed)."""
        number = self._number.get(i)
        if number is not None:
            self._submit_before(number + 1 + self._ahead)
        if i in self._blobs:
            return self._blobs.pop(i)
        if self._broken or i not in self._batch_of:
            return None
        future, batch = self._batch_of[i]
        try:
            blobs = future.result()
        except Exception as exc:  # noqa: BLE001 - parse this batch here instead
            from concurrent.futures.process import BrokenProcessPool

            # A dead pool fails every later batch too: stop waiting for it.
            self._broken = isinstance(exc, BrokenProcessPool)
            for j in batch:
                del self._batch_of[j]
            return None
        # Keep the other files of this batch until they are asked for.
        for j, blob in zip(batch, blobs, strict=True):
            del self._batch_of[j]
            self._blobs[j] = blob
        return self._blobs.pop(i)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
