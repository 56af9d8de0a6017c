"""The peer inventories (linter/docs/peers.py) and the rules' `equivalents` account for every rule of
squawk, eugene, strong_migrations and pgfence, and name only peer rules that exist."""

import json

from schemalint.check.catalog import catalog
from schemalint.cli import main
from schemalint.diagnostics.rule import PEER_NAMES
from schemalint.docs.peers import PEERS, comparison_page, problems


def test_every_peer_rule_is_accounted_for():
    assert problems(catalog()) == []


def test_unknown_peer_rule_in_equivalents_is_a_problem():
    rule = catalog()[0].replace(equivalents={"squawk": ("no-such-squawk-rule",)})
    found = problems((*catalog(), rule))
    assert any("no-such-squawk-rule" in p for p in found)


def test_unknown_peer_in_equivalents_is_a_problem():
    rule = catalog()[0].replace(equivalents={"sqawk": ("prefer-identity",)})
    assert any("unknown peer 'sqawk'" in p for p in problems((*catalog(), rule)))


def test_peer_rule_nobody_covers_is_a_problem():
    # Without the rules, every peer rule that relies on a rule's equivalents is unaccounted.
    found = problems(())
    assert any("'require-concurrent-index-creation' is unaccounted" in p for p in found)
    assert any("'E6' is unaccounted" in p for p in found)


def test_covered_rule_with_a_reason_is_a_problem():
    rule = catalog()[0].replace(equivalents={"squawk": ("require-enum-value-ordering",)})
    assert any("also has a reason" in p for p in problems((*catalog(), rule)))


def test_inventories_match_the_peers_published_counts():
    squawk = PEERS["squawk"].rules
    # squawk 2.70: 76 rules, 50 on by default (its registry's is_opt_in list has 26), plus
    # the meta rule unused-ignore; the deprecated alias require-timeout-settings is not listed.
    lint_rules = [r for r in squawk if r.id != "unused-ignore"]
    assert len(lint_rules) == 76
    assert sum(r.default_enabled for r in lint_rules) == 50
    # eugene 0.8: E1-E11, W12-W14, E15.
    assert [r.id for r in PEERS["eugene"].rules] == [
        *(f"E{i}" for i in range(1, 12)), "W12", "W13", "W14", "E15"]
    assert len(PEERS["pgfence"].rules) == 42


def test_comparison_page_lists_every_peer_rule():
    page = comparison_page(catalog())
    for peer in PEERS.values():
        for r in peer.rules:
            assert f"| `{r.id}` |" in page, (peer.key, r.id)
    assert "[create-index-non-concurrently](rules/create-index-non-concurrently.md)" in page


def test_rules_json_shows_equivalents_for_every_rule(capsys):
    assert main(["rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)["rules"]
    assert rules
    for r in rules:
        assert tuple(r["equivalents"]) == PEER_NAMES, r["name"]
    by_name = {r["name"]: r for r in rules}
    assert by_name["create-index-non-concurrently"]["equivalents"]["eugene"] == ["E6"]
