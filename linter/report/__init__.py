"""Reporters: one module per output format, each `render(result) -> str`."""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, Severity

FORMATS = ("text", "json")


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    # path -> original text, for source snippets
    sources: dict[str, str] = field(default_factory=dict)
    files_checked: int = 0
    statements: int = 0
    fail_on: str = "error"
    rules: dict = field(default_factory=dict)  # code -> Rule, for formats that describe rules
    color: bool = False
    extra: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        c = Counter(str(d.severity) for d in self.diagnostics)
        return {"error": c["error"], "warning": c["warning"], "info": c["info"]}

    def summary(self) -> dict:
        counts = self.counts()
        return {
            "files": self.files_checked,
            "statements": self.statements,
            "diagnostics": len(self.diagnostics),
            **counts,
            "fail_on": self.fail_on,
            "failed": failed(self.diagnostics, self.fail_on),
        }


def threshold(fail_on: str) -> Severity | None:
    return None if fail_on == "never" else Severity.parse(fail_on)


def failed(diagnostics: list[Diagnostic], fail_on: str) -> bool:
    level = threshold(fail_on)
    return level is not None and any(d.severity >= level for d in diagnostics)


def render(fmt: str, result: LintResult) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    module = importlib.import_module(f"{__name__}.{fmt}_report")
    return module.render(result)
