"""The registry lists exactly the rule modules in rules/, and each module is named after its rule."""

import importlib
from pathlib import Path

import schemalint.rules as rules_pkg
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.rules import RULES

RULES_DIR = Path(rules_pkg.__file__).parent


def test_registry_matches_folder():
    modules = {p.stem for p in RULES_DIR.glob("*.py") if not p.stem.startswith("_")}
    registered = {r.name.replace("-", "_") for r in RULES}
    assert modules == registered


def test_module_name_is_rule_name():
    for rule in RULES:
        module = importlib.import_module(f"schemalint.rules.{rule.name.replace('-', '_')}")
        assert module.RULE.code == rule.code


def test_codes_follow_categories():
    hundreds = {"locking": "1", "transactions": ("1", "5"), "breaking": "2", "schema": "3",
                "types": "4", "timeouts": "5", "extensions": "7"}
    for rule in RULES:
        assert rule.code.startswith("SL") and len(rule.code) == 5
        assert rule.code[2] in hundreds[rule.category], (rule.name, rule.code, rule.category)


def test_confirmed_by_names_replay_findings():
    # A typo in `confirmed_by` would silently leave the replay finding beside the static one.
    replay_names = {r.name for r in REPLAY_RULES}
    named = {(r.name, n) for r in RULES for n in r.confirmed_by}
    assert named and {n for _, n in named} <= replay_names, named
    # The rules that predict a blocking lock or a rewrite are measured by replay's lock findings.
    for r in RULES:
        if "table-rewrite" in r.confirmed_by:
            assert "long-blocking-lock" in r.confirmed_by, r.name
