"""Suppression comments: placement, forms, and the findings about the comments themselves."""

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig, PathOverride
from schemalint.diagnostics.engine_rules import IGNORE_WITHOUT_REASON, UNKNOWN_IGNORE, UNUSED_IGNORE
from schemalint.discover.source import Migration
from schemalint.rules import RULES

TABLE = "CREATE TABLE orders (id bigint, region text, created_at timestamptz, updated_at timestamptz);\n"


def run(sql: str, **config):
    config.setdefault("select", ("create-index-non-concurrently", "drop-index-non-concurrently",
                                 "table-without-timestamps"))
    migrations = [Migration(path="001.sql", text=TABLE), Migration(path="002.sql", text=sql)]
    return [(d.rule, d.line) for d in lint(migrations, LintConfig(**config), RULES)]


def test_unsuppressed_finding():
    assert run("CREATE INDEX a ON orders (region);\n") == [("create-index-non-concurrently", 1)]


def test_comment_on_line_before_by_name_or_code():
    sql = ("-- schemalint: ignore[create-index-non-concurrently] built before launch\n"
           "CREATE INDEX a ON orders (region);\n"
           "-- schemalint: ignore[SL101]\n\n"
           "CREATE INDEX b\n  ON orders (region);\n")
    assert run(sql) == []


def test_comment_at_end_of_last_line_of_statement():
    sql = ("CREATE INDEX a\n  ON orders (region); -- schemalint: ignore[SL101] reason\n"
           "CREATE INDEX b ON orders (region);\n")
    assert run(sql) == [("create-index-non-concurrently", 3)]


def test_comment_applies_to_next_statement_only():
    sql = ("-- schemalint: ignore[SL101] reason\n"
           "CREATE INDEX a ON orders (region);\n"
           "CREATE INDEX b ON orders (region);\n")
    assert run(sql) == [("create-index-non-concurrently", 3)]


def test_trailing_comment_does_not_cover_the_next_statement():
    sql = ("SELECT 1; -- schemalint: ignore[SL101]\n"
           "CREATE INDEX a ON orders (region);\n")
    assert sorted(run(sql)) == [("create-index-non-concurrently", 2), ("unused-ignore", 1)]


def test_other_rule_not_suppressed_and_unused_reported():
    sql = ("-- schemalint: ignore[drop-index-non-concurrently] wrong rule\n"
           "CREATE INDEX a ON orders (region);\n")
    assert run(sql) == [("unused-ignore", 1), ("create-index-non-concurrently", 2)]


def test_bare_ignore_suppresses_every_rule_of_the_statement():
    sql = "-- schemalint: ignore reason\nCREATE INDEX a ON orders (region);\n"
    assert run(sql) == []


def test_ignore_file_with_and_without_list():
    body = "CREATE INDEX a ON orders (region);\nDROP INDEX a;\n"
    assert run(body + "-- schemalint: ignore-file[SL101] legacy\n") == [("drop-index-non-concurrently", 2)]
    assert run("-- schemalint: ignore-file legacy\n" + body) == []


def test_unknown_rule_with_suggestion_and_malformed_directive():
    sql = ("CREATE INDEX a ON orders (region); -- schemalint: ignore[create-index-non-concurent]\n"
           "-- schemalint: ignroe[SL101]\n")
    found = lint([Migration("001.sql", TABLE), Migration("002.sql", sql)],
                 LintConfig(select=("SL101",)), RULES)
    unknown = [d for d in found if d.rule == UNKNOWN_IGNORE.name]
    assert len(unknown) == 2
    assert "did you mean 'create-index-non-concurrently'" in unknown[0].message
    assert unknown[0].column == sql.index("create-index-non-concurent") + 1
    assert "ignroe" in unknown[1].message
    assert any(d.rule == "create-index-non-concurrently" for d in found)


def test_unused_not_reported_for_rules_turned_off():
    sql = "-- schemalint: ignore[SL302] not selected in this run\nSELECT 1;\n"
    assert run(sql, select=("SL101",)) == []
    assert run(sql, select=("SL101", "SL302")) == [("unused-ignore", 1)]


def test_require_reason():
    sql = "-- schemalint: ignore[SL101]\nCREATE INDEX a ON orders (region);\n"
    assert run(sql, require_reason=True) == [(IGNORE_WITHOUT_REASON.name, 1)]
    assert run(sql.replace("]", "] built before launch"), require_reason=True) == []


def test_suppression_findings_can_be_turned_off_by_configuration():
    sql = "-- schemalint: ignore[SL102]\nSELECT 1;\n"
    assert run(sql, ignore=("unused-ignore",)) == []
    assert run(sql, overrides=(PathOverride(paths=("002.sql",), ignore=("SL904",)),)) == []


def test_schema_rule_finding_suppressed_at_its_create_table():
    first = ("-- schemalint: ignore[table-without-timestamps] an append-only log\n"
             "CREATE TABLE log (id bigint);\n"
             "CREATE TABLE other (id bigint);\n")
    found = lint([Migration("001.sql", first)], LintConfig(select=("SL302",)), RULES)
    assert [(d.rule, d.line) for d in found] == [("table-without-timestamps", 3)]


def test_comment_inside_a_multiline_statement_applies_to_it():
    first = ("CREATE TABLE log (\n"
             "  id bigint  -- schemalint: ignore[SL302] append-only\n"
             ");\n")
    assert lint([Migration("001.sql", first)], LintConfig(select=("SL302",)), RULES) == []


def test_files_without_marker_are_untouched():
    # The same text with the marker in a string literal elsewhere costs a scan, nothing more.
    sql = "CREATE INDEX a ON orders (region);\n"
    assert run(sql) == run(sql + "SELECT 'schemalint: ignore';\n")


def test_engine_rule_examples():
    for rule in (UNUSED_IGNORE, UNKNOWN_IGNORE, IGNORE_WITHOUT_REASON):
        cfg = {"select": ("SL101",), "require_reason": rule is IGNORE_WITHOUT_REASON}
        for kind, examples in (("bad", rule.bad), ("good", rule.good)):
            for sql in examples:
                found = lint([Migration("001.sql", TABLE), Migration("002.sql", sql)],
                             LintConfig(**cfg), RULES)
                hits = [d for d in found if d.rule == rule.name]
                assert bool(hits) == (kind == "bad"), (rule.name, kind, sql, found)
