"""The one Diagnostic type shared by static rules, the engine and replay."""

from __future__ import annotations

from enum import IntEnum

from schemalint.records import Frozen, Record


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {value!r} (expected error, warning or info)"
            ) from None


# Edit and Fix are immutable, hashable and compared by value; Diagnostic is mutable and compared by value.


class Edit(Frozen):
    """Replace the characters [start, end) of the original file text with `text`."""

    __slots__ = ("start", "end", "text")

    def __init__(self, start: int, end: int, text: str) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "text", text)


class Fix(Frozen):
    __slots__ = ("description", "edits", "safe")

    def __init__(self, description: str, edits: tuple[Edit, ...], safe: bool = True) -> None:
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "edits", edits)
        # A safe fix never changes what the migration does to the data or to
        # readers of the schema; anything else needs --unsafe-fixes.
        object.__setattr__(self, "safe", safe)


class Diagnostic(Record):
    """One finding. Positions are 1-based; columns count characters, not bytes."""

    # `_fields` is the field order: positional arguments, the cache's rows (cache.py).
    __slots__ = ("code", "rule", "severity", "path", "line", "column", "end_line", "end_column",
                 "message", "help", "fix", "start", "end", "fingerprint", "source", "extra")
    _fields = __slots__

    def __init__(self, code: str, rule: str, severity: Severity, path: str, line: int,
                 column: int, end_line: int, end_column: int, message: str, help: str = "",
                 fix: Fix | None = None, start: int = 0, end: int = 0, fingerprint: str = "",
                 source: str = "static", extra: dict | None = None) -> None:
        self.code = code
        self.rule = rule
        self.severity = severity
        self.path = path
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.message = message
        self.help = help
        self.fix = fix
        # Character offsets into the original file text (for fixes and snippets).
        self.start = start
        self.end = end
        # Normalised statement fingerprint (survives reformatting); used by the baseline.
        self.fingerprint = fingerprint
        self.source = source  # "static" or "replay"
        self.extra = {} if extra is None else extra

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "rule": self.rule,
            "severity": str(self.severity),
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
            "help": self.help,
        }
