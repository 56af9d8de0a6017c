"""The engine: folding order, down migrations, dispatch."""

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig
from schemalint.discover.source import Migration
from schemalint.rules import RULES


def _lint(*migrations, select=("ALL",)):
    return lint(list(migrations), LintConfig(select=tuple(select)), RULES)


def test_down_migration_sees_the_schema_after_its_up_but_changes_nothing():
    up = Migration(path="1/up.sql", text="CREATE TABLE t (a varchar(20));\n")
    # Narrowing varchar rewrites (and checks) every row: only knowable from the model.
    down = Migration(path="1/down.sql", direction="down",
                     text="ALTER TABLE t ALTER COLUMN a TYPE varchar(10);\nDROP TABLE t;\n")
    later = Migration(path="2/up.sql", text="CREATE INDEX i ON t (a);\n")
    found = _lint(up, down, later, select=("alter-column-type-rewrites-table",
                                           "create-index-non-concurrently"))
    assert [(d.path, d.rule) for d in found] == [
        ("1/down.sql", "alter-column-type-rewrites-table"),
        # The down file's DROP TABLE was not folded: t still exists for 2/up.sql.
        ("2/up.sql", "create-index-non-concurrently"),
    ]


def test_objects_created_in_a_down_migration_count_as_created_there():
    up = Migration(path="1/up.sql", text="DROP TABLE old;\n")
    down = Migration(path="1/down.sql", direction="down",
                     text="CREATE TABLE old (a int);\nCREATE INDEX old_a ON old (a);\n")
    assert not [d for d in _lint(up, down, select=("create-index-non-concurrently",))]


def test_widening_in_a_down_migration_is_not_flagged():
    up = Migration(path="1/up.sql", text="CREATE TABLE t (a varchar(10));\n")
    down = Migration(path="1/down.sql", direction="down",
                     text="ALTER TABLE t ALTER COLUMN a TYPE varchar(20);\n")
    assert not _lint(up, down, select=("alter-column-type-rewrites-table",))


def test_rules_for_alter_table_actions_meet_only_statements_with_those_actions():
    seen = []

    def spy(stmt, ctx):
        seen.append(stmt.text)
        return ()

    base = next(r for r in RULES if r.name == "drop-column")
    rule = base.replace(code="SL998", name="spy", check=spy,
                        node_types=("IndexStmt", "AlterTableStmt.AT_DropColumn"))
    m = Migration(path="m.sql", text=(
        "ALTER TABLE t ADD COLUMN a int;\n"
        "ALTER TABLE t ADD COLUMN b int, DROP COLUMN c;\n"
        "CREATE INDEX i ON t (a);\n"
        "ALTER TABLE t DROP COLUMN d;\n"
    ))
    lint([m], LintConfig(select=("spy",)), [rule])
    assert seen == ["ALTER TABLE t ADD COLUMN b int, DROP COLUMN c", "CREATE INDEX i ON t (a)",
                    "ALTER TABLE t DROP COLUMN d"]


def test_a_run_leaves_no_reference_cycles():
    # The check command turns the cyclic GC off while it lints (cache.lint_migrations): a
    # cycle through a statement (e.g. a memoised fact pointing back at it) would then keep
    # every statement's JSON tree alive until the end of the run.
    import gc
    from pathlib import Path

    fixtures = sorted((Path(__file__).parent / "rules" / "fixtures").glob("*.sql"))
    migrations = [Migration(path=p.name, text=p.read_text(encoding="utf-8")) for p in fixtures]
    lint(migrations, LintConfig(select=("ALL",)), RULES)  # warm up lazy imports and caches
    migrations = [Migration(path=m.path, text=m.text) for m in migrations]
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        found = lint(migrations, LintConfig(select=("ALL",)), RULES)
        assert found
        del found, migrations
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
