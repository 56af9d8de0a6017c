"""The one Diagnostic type shared by static rules, the engine and replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


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


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the characters [start, end) of the original file text with `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    description: str
    edits: tuple[Edit, ...]
    # A safe fix never changes what the migration does to the data or to
    # readers of the schema; anything else needs --unsafe-fixes.
    safe: bool = True


@dataclass(slots=True)
class Diagnostic:
    """One finding. Positions are 1-based; columns count characters, not bytes."""

    code: str
    rule: str
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    help: str = ""
    fix: Fix | None = None
    # Character offsets into the original file text (for fixes and snippets).
    start: int = 0
    end: int = 0
    # Normalised statement fingerprint (survives reformatting); used by the baseline.
    fingerprint: str = ""
    source: str = "static"  # "static" or "replay"
    extra: dict = field(default_factory=dict)

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
