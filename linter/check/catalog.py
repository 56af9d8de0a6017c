"""The rule catalog: lookup by code or name, selector validation, redirects."""

from __future__ import annotations

from schemalint.config.settings import selector_matches
from schemalint.diagnostics.engine_rules import ENGINE_RULES
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.errors import UsageError
from schemalint.rules import RULES

# Renamed rules: old name -> current name. Codes are never reused.
REDIRECTS: dict[str, str] = {}


def all_rules() -> tuple:
    return RULES


def catalog() -> tuple:
    """Every rule, engine and replay findings included (for docs and `schemalint rules`)."""
    return RULES + REPLAY_RULES + ENGINE_RULES


def by_name_or_code(token: str):
    token = REDIRECTS.get(token, token)
    for rule in catalog():
        if token in (rule.name, rule.code):
            return rule
    return None


def known_selector(token: str) -> bool:
    return any(selector_matches(r, token) for r in catalog())


def suggestion(token: str) -> str:
    words = [r.name for r in catalog()] + [r.code for r in catalog()]
    import difflib  # only to suggest a rule name after a typo

    close = difflib.get_close_matches(token, words, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validate_selectors(values, where: str) -> None:
    for token in values:
        if not known_selector(token):
            raise UsageError(f"{where}: unknown rule {token!r}{suggestion(token)}")
