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
from schemalint.check.catalog import catalog
from schemalint.check.engine import lint
from schemalint.diagnostics import Edit, Fix, Severity
from schemalint.report import FORMATS, LintResult, render
from schemalint.report.sarif_report import semantic_version
from schemalint.rules import RULES
from tests.helpers import load_fixture

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE / "snapshots"
EXTENSIONS = {"text": "txt", "concise": "concise.txt", "json": "json", "sarif": "sarif", "junit": "xml",
              "github": "github.txt", "gitlab": "gitlab.json", "markdown": "md"}
UPDATE = bool(os.environ.get("SCHEMALINT_UPDATE_SNAPSHOTS"))


def _fixed_text(d) -> None:
    # The snapshots pin the formats, not the rules' wording (which other work improves):
    # messages and help are replaced by fixed text with the characters formats must escape,
    # control characters included (a terminal escape, a bell).
    d.message = f"`{d.rule}` finding: 100% <sure>, a|b \x1b[2J"
    d.help = "Do this instead:\n    SELECT 'a' || 'b';\x07"
    if d.fix is not None:
        d.fix = Fix("Replace it", (Edit(d.start, d.end, "x"),), safe=False)


def _fixed_rule(rule):
    return rule.replace(
        summary=f"Summary of {rule.name}.", why=f"Why {rule.name} matters.",
        instead="Something safer.", ok_when="", bad=(f"-- bad {rule.code}",),
        good=(f"-- good {rule.code}",),
    )


def fixture_result(fail_on: str = "error") -> LintResult:
    """The report fixture linted: every severity, non-ASCII text, a multi-line span, a parse
    error, a path with `,`, `:` and `%`, and a clean file. Positions, spans and statement
    fingerprints are the engine's; texts are fixed (see `_fixed_text`)."""
    fx = load_fixture((HERE / "fixtures" / "report.sql").read_text(encoding="utf-8"), "report.sql")
    # Explicit rules, so that rules added later do not change the snapshots.
    fx.config.select = ("SL101", "SL102", "SL103", "SL106", "SL303")
    fx.config.severity = {"sequential-primary-key": Severity.INFO}
    stats: dict = {}
    diagnostics = lint(fx.migrations, fx.config, RULES, stats=stats)
    for d in diagnostics:
        _fixed_text(d)
    rules = {r.code: _fixed_rule(r) for r in catalog() if r.code in {d.code for d in diagnostics}}
    return LintResult(
        diagnostics=diagnostics,
        sources={m.path: m.text for m in fx.migrations},
        files_checked=len(fx.migrations),
        statements=stats["statements"],
        fail_on=fail_on,
        rules=rules,
        baselined=2,
        suppressed=1,
    )


def test_every_format_has_a_snapshot():
    assert set(EXTENSIONS) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_snapshot(fmt):
    rendered = render(fmt, fixture_result())
    # The version belongs to the release, not to the format.
    rendered = rendered.replace(f'"{__version__}"', '"<version>"')
    rendered = rendered.replace(f'"{semantic_version(__version__)}"', '"<version>"')
    golden = SNAPSHOTS / f"report.{EXTENSIONS[fmt]}"
    if UPDATE:
        golden.write_text(rendered, encoding="utf-8", newline="")
    assert golden.exists(), f"missing {golden}; create it with SCHEMALINT_UPDATE_SNAPSHOTS=1"
    assert rendered == golden.read_text(encoding="utf-8"), (
        f"{fmt} output changed; if intended, run with SCHEMALINT_UPDATE_SNAPSHOTS=1 and review the diff"
    )
