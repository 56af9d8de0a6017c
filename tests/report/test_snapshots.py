"""One rendered snapshot per output format, so no format changes by accident.

The goldens live in tests/report/snapshots/. After an intended change, regenerate them with

    SCHEMALINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/report/test_snapshots.py

and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from schemalint import __version__
from schemalint.diagnostics import Severity
from schemalint.engine import lint
from schemalint.report import FORMATS, LintResult, render
from schemalint.rules import RULES

from tests.helpers import load_fixture

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE / "snapshots"
EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "junit": "xml",
              "github": "github.txt", "gitlab": "gitlab.json", "markdown": "md"}
UPDATE = bool(os.environ.get("SCHEMALINT_UPDATE_SNAPSHOTS"))


def fixture_result(fail_on: str = "error") -> LintResult:
    """The report fixture linted: every severity, non-ASCII text, a multi-line span, a parse
    error, a path with `,`, `:` and `%`, and a clean file."""
    fx = load_fixture((HERE / "fixtures" / "report.sql").read_text(encoding="utf-8"), "report.sql")
    fx.config.select = ()
    fx.config.severity = {"sequential-primary-key": Severity.INFO}
    stats: dict = {}
    diagnostics = lint(fx.migrations, fx.config, RULES, stats=stats)
    return LintResult(
        diagnostics=diagnostics,
        sources={m.path: m.text for m in fx.migrations},
        files_checked=len(fx.migrations),
        statements=stats["statements"],
        fail_on=fail_on,
    )


def test_every_format_has_a_snapshot():
    assert set(EXTENSIONS) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_snapshot(fmt):
    rendered = render(fmt, fixture_result())
    # The version belongs to the release, not to the format.
    rendered = rendered.replace(f'"{__version__}"', '"<version>"')
    golden = SNAPSHOTS / f"report.{EXTENSIONS[fmt]}"
    if UPDATE:
        golden.write_text(rendered, encoding="utf-8", newline="")
    assert golden.exists(), f"missing {golden}; create it with SCHEMALINT_UPDATE_SNAPSHOTS=1"
    assert rendered == golden.read_text(encoding="utf-8"), (
        f"{fmt} output changed; if intended, run with SCHEMALINT_UPDATE_SNAPSHOTS=1 and review the diff"
    )
