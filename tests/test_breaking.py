"""`clause_span`'s one-pattern-per-clause path finds what a pattern per name finds."""

from types import SimpleNamespace

import pytest

from schemalint.rulekit.breaking import _clause_span_search, clause_span

DROP = r"DROP\s+(?:COLUMN\s+)?"
ALTER = r"ALTER\s+(?:COLUMN\s+)?"
CASES = [
    ("ALTER TABLE t DROP COLUMN a", DROP, "a", ""),
    ("ALTER TABLE t DROP COLUMN IF EXISTS a, DROP b", DROP, "b", ""),
    ("ALTER TABLE t DROP column", DROP, "column", ""),  # COLUMN is the name here
    ("ALTER TABLE t DROP COLUMN column", DROP, "column", ""),
    ('ALTER TABLE t DROP COLUMN "Mixed ""q"""', DROP, 'Mixed "q"', ""),
    ("ALTER TABLE t DROP COLUMN ab, DROP COLUMN a", DROP, "a", ""),  # `ab` is not `a`
    ("alter table t drop COLUMN A", DROP, "a", ""),
    ("ALTER TABLE t DROP COLUMN a$b", DROP, "a", ""),  # not found: `a$b` is one name
    ("ALTER TABLE t ALTER a SET DEFAULT 1, ALTER a DROP NOT NULL", ALTER, "a", r"\s+DROP\s+NOT\s+NULL"),
    ("ALTER TABLE t ALTER COLUMN x DROP NOT NULL", ALTER, "a", r"\s+DROP\s+NOT\s+NULL"),
    ("ALTER TABLE t DROP CONSTRAINT c1", r"DROP\s+CONSTRAINT\s+", "c1", ""),
    ("ALTER TABLE t DROP CONSTRAINT c1", r"DROP\s+CONSTRAINT\s+", "", ""),
    ("-- DROP COLUMN a\nALTER TABLE t DROP COLUMN a", DROP, "a", ""),
]


@pytest.mark.parametrize(("text", "prefix", "name", "suffix"), CASES)
def test_same_span_as_a_pattern_per_name(text, prefix, name, suffix):
    stmt = SimpleNamespace(text=text, start=100, end=100 + len(text))
    assert clause_span(stmt, prefix, name, suffix) == _clause_span_search(stmt, prefix, name, suffix)


def test_finds_the_name():
    text = 'ALTER TABLE t DROP COLUMN "Mixed ""q"""'
    stmt = SimpleNamespace(text=text, start=10, end=10 + len(text))
    start, end = clause_span(stmt, DROP, 'Mixed "q"')
    assert text[start - 10 : end - 10] == '"Mixed ""q"""'
