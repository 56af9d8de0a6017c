"""Each rule's documented bad examples trigger it; its good examples do not."""

import pytest

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig, PgVersion
from schemalint.discover.layouts import LoadEnv, load_text
from schemalint.rules import RULES

CASES = [(r, "bad", i, sql) for r in RULES for i, sql in enumerate(r.bad)] + [
    (r, "good", i, sql) for r in RULES for i, sql in enumerate(r.good)
]


def _lint_example(rule, sql):
    # Examples are one migration file, read as `auto` reads it (a goose or dbmate marker makes
    # it that framework's); the rule is enabled whatever its default, on a PG version it
    # applies to.
    major = rule.min_pg or (rule.max_pg if rule.max_pg and rule.max_pg < 15 else 15)
    config = LintConfig(pg_version=PgVersion(major, 0), select=(rule.name,))
    return lint(load_text("example.sql", sql, LoadEnv()), config, RULES)


@pytest.mark.parametrize("rule,kind,i,sql", CASES, ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None)
def test_example(rule, kind, i, sql):
    found = _lint_example(rule, sql)
    assert not [d for d in found if d.rule in ("parse-error", "internal-error")], found
    hits = [d for d in found if d.rule == rule.name]
    if kind == "bad":
        assert hits, f"{rule.name}: bad example {i} did not trigger the rule:\n{sql}"
    else:
        assert not hits, f"{rule.name}: good example {i} triggered the rule:\n{sql}\n{hits}"


def test_rules_have_examples_and_unique_ids():
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    for r in RULES:
        assert r.bad and r.good, f"{r.name} needs bad and good examples"
        assert r.summary and r.why and r.instead, r.name
        assert r.check or r.check_schema or r.end_of_migration, r.name
