"""One voice (issue 15, item 4): a rule's fix must not be what another default rule then flags.
Each fixable rule's fix (safe and unsafe) is applied to its bad examples, and the result is
checked again with the default rules under each `id_policy`: no other default rule may make a
finding it did not make before the fix."""

from collections import Counter

import pytest

from schemalint.check.engine import lint
from schemalint.check.fix import plan_fixes
from schemalint.config.settings import LintConfig, PgVersion
from schemalint.discover.layouts import LoadEnv, load_text
from schemalint.rules import RULES

ID_POLICIES = ("uuid", "identity")
FIXABLE = [r for r in RULES if r.fix]


def _config(rule, policy: str) -> LintConfig:
    # The default rules, plus the rule whose fix is tried (it may be opt-in).
    return LintConfig(pg_version=PgVersion(rule.min_pg or 15, 0), extend_select=(rule.name,),
                      options={"sequential-primary-key": {"id_policy": policy}})


def _lint(text: str, config: LintConfig):
    return lint(load_text("example.sql", text, LoadEnv()), config, RULES)


def _fix(rule, sql: str, config: LintConfig):
    """(findings before, the fixed text or None when the rule fixes nothing in this example)."""
    before = _lint(sql, config)
    plan = plan_fixes([d for d in before if d.rule == rule.name], {"example.sql": sql}, unsafe=True)
    return before, (plan.files[0].fixed if plan.files else None)


# The bad examples the rule's fix changes (some examples show a case the fix leaves alone).
CASES = [(r, i, sql, policy) for r in FIXABLE for i, sql in enumerate(r.bad) for policy in ID_POLICIES
         if _fix(r, sql, _config(r, policy))[1] is not None]


def test_every_fixable_rule_has_an_example_its_fix_changes():
    assert {r.name for r, *_ in CASES} == {r.name for r in FIXABLE}


@pytest.mark.parametrize("rule,i,sql,policy", CASES,
                         ids=lambda v: v.name if hasattr(v, "name") else v if isinstance(v, str) and len(v) < 12 else None)
def test_a_fix_is_not_flagged_by_another_default_rule(rule, i, sql, policy):
    config = _config(rule, policy)
    before, fixed = _fix(rule, sql, config)
    # A finding another rule makes of the fixed text that it did not make before, word for word
    # (a new one, or one about what the fix wrote: `serial` became `identity`), is a second voice.
    was = Counter((d.rule, d.message) for d in before if d.rule != rule.name)
    now = Counter((d.rule, d.message) for d in _lint(fixed, config) if d.rule != rule.name)
    louder = sorted(now - was)
    assert not louder, f"{rule.name}'s fix under id_policy {policy} is flagged by {louder}:\n{fixed}"


KEYS = ("CREATE TABLE customers (id serial PRIMARY KEY, number bigserial);\n"
        "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "                     customer_id integer REFERENCES customers (id));\n")


def _voices(policy: str) -> set[tuple[int, str]]:
    config = LintConfig(options={"sequential-primary-key": {"id_policy": policy}})
    return {(d.line, d.rule) for d in _lint(KEYS, config)
            if d.rule in ("sequential-primary-key", "serial-column", "integer-key-column")}


def test_uuid_policy_leaves_sequential_keys_to_sequential_primary_key():
    # The serial and identity keys: sequential-primary-key (a uuid); the serial that is not a
    # key: serial-column; the narrow foreign key: integer-key-column.
    assert _voices("uuid") == {(1, "sequential-primary-key"), (1, "serial-column"),
                               (2, "sequential-primary-key"), (3, "integer-key-column")}


def test_identity_policy_accepts_sequential_keys_in_the_identity_form():
    # The serial key: serial-column and integer-key-column, both with the same bigint identity fix.
    assert _voices("identity") == {(1, "serial-column"), (1, "integer-key-column"), (3, "integer-key-column")}
    config = LintConfig(options={"sequential-primary-key": {"id_policy": "identity"}})
    fixes = {d.rule: d.fix.edits for d in _lint(KEYS, config) if d.line == 1 and d.rule != "sequential-primary-key"
             and "customers.id" in d.message}
    assert fixes["serial-column"] == fixes["integer-key-column"]
