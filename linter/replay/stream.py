"""The statements replay sends, file by file, with bounded memory.

A file up to `LARGE` characters is parsed once and its statements are kept (the static lock
comparison reads them again at the end). A larger one is streamed: parsed in batches as the
tracer goes, each batch's trees dropped before the next is parsed, so the trees of a 50 MB
file never all exist at once; reading it again parses it again."""

from __future__ import annotations

from schemalint.parse.statements import iter_parse, parse_migration

# The size above which the parser itself works in batches (parse.statements._LARGE).
LARGE = 1 << 22
_UNSET = object()


class FileStatements:
    """One migration's statements: iterable again and again, its first parse error, and
    the last statement handed out (`self[-1]` once iterated, as the tracer asks for it)."""

    __slots__ = ("_error", "_kept", "last", "migration")

    def __init__(self, migration) -> None:
        self.migration = migration
        self._kept: list | None = None
        self._error = _UNSET
        self.last = None

    @property
    def large(self) -> bool:
        return len(self.migration.parse_text) > LARGE

    def _parse(self) -> list:
        if self._kept is None:
            result = parse_migration(self.migration)
            self._kept = result.statements
            self._error = result.errors[0] if result.errors else None
        return self._kept

    @property
    def error(self):
        """The first parse error, or None (a large file is parsed through once to know)."""
        if self._error is _UNSET:
            if self.large:
                self._error = next((r.errors[0] for r in iter_parse(self.migration) if r.errors), None)
            else:
                self._parse()
        return self._error

    @property
    def statements(self) -> FileStatements:
        """`ParseResult.statements`' place, for readers of a parse (compare.mismatches)."""
        return self

    def __iter__(self):
        if not self.large:
            for stmt in self._parse():
                self.last = stmt
                yield stmt
            return
        for result in iter_parse(self.migration):
            for stmt in result.statements:
                self.last = stmt
                yield stmt

    def __bool__(self) -> bool:
        return self.last is not None or bool(self._kept)

    def __getitem__(self, index: int):
        if index != -1:
            raise IndexError("only the last statement handed out is kept")
        if self.last is None:
            raise IndexError("no statement handed out yet")
        return self.last

    def after(self, offset: int):
        """The statements that start at or after `offset`."""
        return (s for s in self if s.start >= offset)


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
