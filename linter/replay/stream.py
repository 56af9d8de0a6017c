"""The statements replay sends, file by file, with bounded memory.

A file up to `LARGE` characters is parsed once and its statements are kept, trees and all
(the static lock comparison reads them again at the end). A larger one is parsed once in
batches, keeping each statement but dropping the tree of data statements (INSERT, UPDATE,
DELETE, COPY, SELECT: the tracer reads only their kind and text), so the trees of a 50 MB
file of INSERTs never all exist at once; the lock comparison, which needs every tree,
parses such a file again as a stream."""

from __future__ import annotations

from bisect import bisect_left

from schemalint.parse.statements import iter_parse, parse_migration

# The size above which the parser itself works in batches (parse.statements._LARGE).
LARGE = 1 << 22
# Statements whose tree the tracer never reads (kinds.must_run_outside_transaction and
# queries.structure_query read the others').
_TREE_UNREAD = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "CopyStmt", "SelectStmt"})
_NO_TREE: dict = {}


class FileStatements:
    """One migration's statements: iterable again and again, its first parse error, and
    the last statement handed out (`self[-1]` once iterated, as the tracer asks for it)."""

    __slots__ = ("_error", "_kept", "last", "limit", "migration")

    def __init__(self, migration, limit: int | None = None) -> None:
        self.migration = migration
        self._kept: list | None = None
        self._error = None
        self.last = None
        # Stop the statements with trees (`statements`) at this offset: the lock comparison
        # needs nothing after the last statement it compares.
        self.limit = limit

    @property
    def large(self) -> bool:
        return len(self.migration.parse_text) > LARGE

    def _parse(self) -> list:
        if self._kept is None:
            if self.large:
                kept: list = []
                for result in iter_parse(self.migration):
                    if result.errors and self._error is None:
                        self._error = result.errors[0]
                    for stmt in result.statements:
                        if stmt.kind in _TREE_UNREAD:
                            stmt.node = _NO_TREE
                        kept.append(stmt)
                self._kept = kept
            else:
                result = parse_migration(self.migration)
                self._kept = result.statements
                self._error = result.errors[0] if result.errors else None
        return self._kept

    @property
    def error(self):
        """The first parse error, or None."""
        self._parse()
        return self._error

    def __iter__(self):
        for stmt in self._parse():
            self.last = stmt
            yield stmt

    def __bool__(self) -> bool:
        return bool(self._parse())

    def __getitem__(self, index: int):
        if index != -1:
            raise IndexError("only the last statement handed out is kept")
        if self.last is None:
            raise IndexError("no statement handed out yet")
        return self.last

    def after(self, offset: int) -> list:
        """The statements that start at or after `offset`."""
        kept = self._parse()
        return kept[bisect_left([s.start for s in kept], offset):] if kept else []

    @property
    def statements(self):
        """The statements with their trees, up to `limit` (`ParseResult.statements`' place,
        for compare.mismatches): the kept ones, or a large file parsed again as a stream."""
        if not self.large:
            kept = self._parse()
            return kept if self.limit is None else [s for s in kept if s.start <= self.limit]
        return self._stream()

    def _stream(self):
        for result in iter_parse(self.migration):
            for stmt in result.statements:
                if self.limit is not None and stmt.start > self.limit:
                    return
                yield stmt


class Parsed:
    """{migration: FileStatements}, made on first use (the `parsed` compare.mismatches reads)."""

    __slots__ = ("_files",)

    def __init__(self) -> None:
        self._files: dict = {}

    def get(self, migration, default=None) -> FileStatements:
        files = self._files.get(migration)
        if files is None:
            files = self._files[migration] = FileStatements(migration)
        return files

    __getitem__ = get

    def forget(self, migration) -> None:
        """Drop what is kept of `migration` once it ran (a large file's statements)."""
        files = self._files.get(migration)
        if files is not None and files.large:
            files._kept = None
