"""Every tests/rules/fixtures/*.sql: the findings must be exactly the `-- expect:` marks."""

from pathlib import Path

import pytest

from schemalint.check.engine import lint
from schemalint.rules import RULES
from tests.helpers import load_fixture

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.sql"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    fixture = load_fixture(path.read_text(encoding="utf-8"), path.name)
    found = lint(fixture.migrations, fixture.config, RULES)
    rules_in_fixture = {r for (_, _, _, r) in fixture.expected} | {path.stem}
    # Only the rules a fixture is about are compared, so adding a rule elsewhere never
    # breaks an unrelated fixture; parse errors and internal errors always count.
    got = {
        (d.path, d.line, d.column, d.rule)
        for d in found
        if d.rule in rules_in_fixture or d.rule in ("parse-error", "internal-error")
    }
    expected = {
        (p, line, col, rule) if col is not None else next(
            (g for g in got if g[:2] == (p, line) and g[3] == rule), (p, line, None, rule))
        for (p, line, col, rule) in fixture.expected
    }
    assert got == expected, "\n".join(
        [f"unexpected: {g}" for g in sorted(got - expected, key=str)]
        + [f"missing:    {e}" for e in sorted(expected - got, key=str)]
    )


def test_every_rule_has_a_fixture() -> None:
    names = {p.stem for p in FIXTURES}
    missing = [r.name for r in RULES if r.name not in names]
    assert not missing, f"rules without tests/rules/fixtures/<name>.sql: {missing}"
