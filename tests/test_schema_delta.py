"""A pass resumed from a checkpoint runs the schema rules again only on the tables the new
migrations changed (linter/speed/schema_delta.py): the findings are a whole run's, and every
table whose state changed is among those checked again."""

from __future__ import annotations

import pytest

from schemalint.config.settings import LintConfig
from schemalint.discover.discovery import discover
from schemalint.discover.source import Migration
from schemalint.model import Model
from schemalint.model.objects import LazySite, Site
from schemalint.model.recover import with_recovered
from schemalint.model.scratch import changed_tables
from schemalint.parse.statements import parse_migration
from schemalint.speed import schema_delta

from .checkpoints import cached_run, fresh, reference
from .corpus import CORPUS, ROOT, corpus_projects

BASE = [
    Migration("001_base.sql",
              "CREATE TABLE customers (id bigint PRIMARY KEY, email text);\n"
              "CREATE TABLE events (id bigint, customer_id bigint REFERENCES customers, at timestamp)\n"
              "    PARTITION BY RANGE (at);\n"
              "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
              "CREATE TABLE audit (id bigint PRIMARY KEY, note varchar(20));\n"
              "CREATE TABLE audit_archive (archived_at timestamptz) INHERITS (audit);\n"
              "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id),\n"
              "                     payload json, shape geometry);\n"
              "CREATE TYPE mood AS ENUM ('ok');\n"
              "CREATE TABLE moods (id bigint PRIMARY KEY, m mood);\n"
              "CREATE VIEW recent AS SELECT * FROM orders;\n"),
    Migration("002_more.sql", "CREATE INDEX orders_payload_idx ON orders (id, customer_id, payload, shape, id);\n"),
]

# Each changes findings of a table other than the one it names, or replaces what it names.
ADDITIONS = {
    "parent index serves a partition's foreign key":
        "CREATE INDEX events_customer_idx ON events (customer_id);\n",
    "renamed referenced table": "ALTER TABLE customers RENAME TO clients;\n",
    "renamed referenced column": "ALTER TABLE customers RENAME COLUMN id TO customer_key;\n",
    "parent gains timestamps": "ALTER TABLE audit ADD COLUMN created_at timestamptz, ADD COLUMN updated_at timestamptz;\n",
    "parent dropped": "DROP TABLE audit CASCADE;\n",
    "partitioned table gets a primary key": "ALTER TABLE events ADD PRIMARY KEY (id, at);\n",
    "view replaced": "CREATE OR REPLACE VIEW recent AS SELECT id FROM orders;\n",
    "index dropped": "DROP INDEX orders_payload_idx;\n",
    "index renamed": "ALTER INDEX orders_payload_idx RENAME TO orders_wide_idx;\n",
    "type renamed": "ALTER TYPE mood RENAME TO feeling;\n",
    "extension created": "CREATE EXTENSION postgis;\n",
    "table moved": "CREATE SCHEMA archive;\nALTER TABLE orders SET SCHEMA archive;\n",
    "partition detached": "ALTER TABLE events DETACH PARTITION events_2024;\n",
    "new table referencing": "CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint REFERENCES orders);\n",
    "a DO block": "DO $$ BEGIN ALTER TABLE orders ADD COLUMN created_at timestamptz; END $$;\n",
    "a down migration changes nothing": None,
}


@pytest.fixture
def reruns(monkeypatch):
    """How each resumed pass's schema rules ran: the tables checked again, or None (all)."""
    seen: list = []
    real = schema_delta._rerun

    def rerun(checker, migrations, model, affected):
        result = real(checker, migrations, model, affected)
        seen.append(None if result is None else set(affected))
        return result

    def changed(model, before):
        result = real_changed(model, before)
        if result is None:
            seen.append(None)
        return result

    real_changed = schema_delta._changed
    monkeypatch.setattr(schema_delta, "_rerun", rerun)
    monkeypatch.setattr(schema_delta, "_changed", changed)
    return seen


@pytest.mark.parametrize("name", list(ADDITIONS))
def test_findings_of_a_resumed_pass_are_a_whole_runs(name, cached, reruns):
    sql = ADDITIONS[name]
    added = (Migration("003_added.sql", sql) if sql is not None else
             Migration("003_added.down.sql", "DROP TABLE orders;\n", direction="down"))
    cached_run(fresh(BASE), cached.dir)
    history = fresh(BASE) + [added]
    assert cached_run(history, cached.dir) == reference(fresh(history))
    assert cached.restored[-1] == len(BASE)
    if name == "extension created":
        assert reruns == [None]  # the column-type rules ask which extensions exist: every table
    else:
        assert len(reruns) == 1 and reruns[0] is not None, reruns


def test_unchanged_tables_keep_their_stored_findings(cached, reruns):
    cached_run(fresh(BASE), cached.dir)
    history = fresh(BASE) + [Migration("003_added.sql", "ALTER TABLE moods ADD COLUMN note char(3);\n")]
    assert cached_run(history, cached.dir) == reference(fresh(history))
    assert reruns == [{("public", "moods")}]


def _state(obj):
    """A comparable form of a model object: its slots' values; a site, a migration or
    anything else by identity (a fold that moves a column's type writes a new site)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, dict):
        return tuple((k, _state(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return tuple(_state(v) for v in obj)
    if isinstance(obj, (set, frozenset)):
        return tuple(sorted(map(repr, obj)))
    slots = getattr(type(obj), "__slots__", None)
    if slots and type(obj).__module__ == "schemalint.model.objects" and not isinstance(obj, (Site, LazySite)):
        return (type(obj).__name__, *(_state(getattr(obj, s, None)) for s in slots))
    return ("id", id(obj))


def _tables_state(model) -> dict:
    by_table: dict = {}
    for key, index in sorted(model.indexes.items()):
        by_table.setdefault(index.table, []).append((key, _state(index)))
    return {key: (_state(table), tuple(by_table.get(key, ()))) for key, table in model.tables.items()}


def _fold(model, migrations, parsed) -> None:
    for migration in migrations:
        result = parsed[id(migration)]
        model.begin_migration(migration, False)
        for stmt in with_recovered(model, migration, result) if result.errors else result.statements:
            try:
                model.fold(stmt)
            except Exception:  # noqa: BLE001 - as `check` does
                pass
        model.end_migration()


def _histories():
    yield "BASE+ADDITIONS", fresh(BASE) + [Migration(f"1{i:02d}.sql", sql)
                                           for i, sql in enumerate(ADDITIONS.values()) if sql]
    for name, sql in ADDITIONS.items():
        if sql:  # partitions and inherited tables in the final model, each change alone
            yield f"BASE+{name}", fresh(BASE) + [Migration("003_added.sql", sql)]
    for case in sorted(p for p in (ROOT / "tests" / "heldout").iterdir() if p.is_dir() and not p.name.startswith("_")):
        yield case.name, discover([str(case)]).migrations
    for project in corpus_projects():
        yield project.name, discover([str(project)]).migrations


@pytest.mark.parametrize("name,migrations", list(_histories()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_table_whose_state_changed_is_checked_again(name, migrations):
    """At cuts of real histories: the tables whose state (columns, constraints, indexes, their
    sites...) differs once the rest of the history has folded are among those checked again."""
    if len(migrations) < 2:
        pytest.skip("one file: no cut")
    parsed = {id(m): parse_migration(m) for m in migrations}
    step = max(1, len(migrations) // 12)
    for k in range(1, len(migrations), step):
        model = Model(LintConfig().pg_version)
        _fold(model, migrations[:k], parsed)
        before_state = _tables_state(model)
        before = schema_delta.Snapshot(model, [])
        _fold(model, migrations[k:], parsed)
        changed = schema_delta._changed(model, before)
        if changed is None:
            continue  # extensions changed: every table is checked again
        affected = schema_delta._affected(model, changed, [])
        after_state = _tables_state(model)
        differ = {key for key in before_state.keys() | after_state.keys()
                  if before_state.get(key) != after_state.get(key)}
        assert differ <= affected, f"{name}: cut at {k}: not checked again: {sorted(differ - affected)[:5]}"


def test_changed_tables_is_what_a_down_migrations_scratch_copy_protects():
    model = Model(LintConfig().pg_version)
    base = fresh(BASE)
    _fold(model, base, {id(m): parse_migration(m) for m in base})
    stmt = parse_migration(Migration("x.sql", "ALTER TABLE customers RENAME TO clients;\n")).statements[0]
    # The table, and those whose foreign keys follow it (a partition holds a clone of its
    # parent's).
    assert changed_tables(model, stmt) == {("public", "customers"), ("public", "events"), ("public", "events_2024"),
                                           ("public", "orders")}


def test_corpus_present_or_skipped():
    if not corpus_projects():
        pytest.skip(f"real-world corpus not present at {CORPUS} (CI has it there)")
    assert len(corpus_projects()) > 3


def _final_checker(migrations, config):
    from schemalint.check.catalog import all_rules
    from schemalint.check.engine import Checker

    checker = Checker(config, all_rules())
    checker.run(migrations)
    return checker


@pytest.mark.parametrize("name,migrations", list(_histories()), ids=lambda v: v if isinstance(v, str) else "")
def test_the_schema_rules_findings_of_a_table_come_from_that_table_and_its_ancestors(name, migrations):
    """What the checkpoint relies on, for every schema rule (all selected): when one table
    changes, running the rules on it and the tables descending from it (and sharing a
    finding's site with it) gives exactly the whole run's findings about those tables."""
    from .helpers import as_dicts

    config = LintConfig(select=("ALL",))
    checker = _final_checker(migrations, config)
    model = checker.model
    sites: list = []
    whole: list = []
    checker.check_schema(migrations, sites=sites, out=whole)
    owners = schema_delta.attribute(whole, sites, schema_delta.site_owners(
        sites, model.tables.values(), model.indexes.values()))
    assert owners is not None, f"{name}: a schema finding no table owns"
    keys = list(model.tables)
    for key in keys[:: max(1, len(keys) // 150)]:
        affected = schema_delta._affected(model, {key}, owners)
        rerun = schema_delta._rerun(checker, migrations, model, affected)
        assert rerun is not None, f"{name}: {key}"
        expected = [d for d, o in zip(whole, owners) if not affected.isdisjoint(o)]
        key_of = lambda d: (d["path"], d["start"], d["code"], d["message"])  # noqa: E731
        assert sorted(as_dicts(rerun[0]), key=key_of) == sorted(as_dicts(expected), key=key_of), f"{name}: {key}"
