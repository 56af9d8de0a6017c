"""The statements whose structure reading covers only the tables they name (kinds.named_tables)
beyond ALTER TABLE and CREATE INDEX: CREATE TABLE, RENAME COLUMN and RENAME CONSTRAINT, and
DROP INDEX (its table from the ledger). Each must still report exactly its own changes,
including those in another table a renamed column or a new partition reaches."""

from __future__ import annotations

from tests.replay.conftest import described, statement
from tests.replay.test_structure import SETUP


def test_create_table_reports_its_table_and_leaves_the_locked_tables_alone(run):
    report = run(SETUP, """BEGIN;
ALTER TABLE child ADD COLUMN note text;
CREATE TABLE other (LIKE child, other_id int PRIMARY KEY REFERENCES parent (id));
ALTER TABLE child ADD COLUMN more text;
COMMIT;""")
    assert described(statement(report, "CREATE TABLE other")) == ["added table other"]
    assert [c.name for c in statement(report, "CREATE TABLE other").changes] == ["other"]
    assert described(statement(report, "ADD COLUMN more")) == ["added column more on child: text"]
    # The next statement that reads `other` finds what CREATE TABLE added, unchanged.
    report = run(SETUP, """BEGIN;
CREATE TABLE other (id int PRIMARY KEY, note text);
ALTER TABLE other ADD COLUMN more text;
COMMIT;""")
    assert described(statement(report, "ADD COLUMN more")) == ["added column more on other: text"]


def test_rename_column_changes_the_foreign_keys_of_the_locked_referencing_table(run):
    report = run(SETUP, """BEGIN;
ALTER TABLE child ADD COLUMN note text;
ALTER TABLE parent RENAME COLUMN id TO pid;
ALTER TABLE child ADD COLUMN more text;
COMMIT;""")
    assert described(statement(report, "RENAME COLUMN")) == [
        "added column pid on parent: integer NOT NULL",
        "changed constraint child_parent_id_fkey on child: FOREIGN KEY (parent_id) REFERENCES "
        "parent(id) -> FOREIGN KEY (parent_id) REFERENCES parent(pid)",
        "changed constraint parent_pkey on parent: PRIMARY KEY (id) -> PRIMARY KEY (pid)",
        "dropped column id on parent: integer NOT NULL"]
    assert described(statement(report, "ADD COLUMN more")) == ["added column more on child: text"]


def test_rename_constraint_changes_its_table(run):
    report = run(SETUP, """BEGIN;
ALTER TABLE parent ADD COLUMN name text;
ALTER TABLE child RENAME CONSTRAINT child_parent_id_fkey TO child_parent;
ALTER TABLE parent ADD COLUMN more text;
COMMIT;""")
    assert described(statement(report, "RENAME CONSTRAINT")) == [
        "added constraint child_parent on child: FOREIGN KEY (parent_id) REFERENCES parent(id)",
        "dropped constraint child_parent_id_fkey on child: FOREIGN KEY (parent_id) REFERENCES parent(id)"]
    assert described(statement(report, "ADD COLUMN more")) == ["added column more on parent: text"]


def test_drop_index_reports_the_index_gone_from_its_table_and_partitions(run):
    report = run(SETUP + """
CREATE INDEX child_parent ON child (parent_id);
CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX events_at ON events (at);
""", """BEGIN;
ALTER TABLE parent ADD COLUMN name text;
CREATE INDEX child_id ON child (id);
DROP INDEX child_parent;
DROP INDEX child_id;
DROP INDEX events_at;
COMMIT;""")
    assert described(statement(report, "DROP INDEX child_parent")) == [
        "dropped index child_parent on child: CREATE INDEX child_parent ON public.child USING btree (parent_id)"]
    # An index created by the statement before: the ledger knows it by the time it drops.
    assert described(statement(report, "DROP INDEX child_id")) == [
        "dropped index child_id on child: CREATE INDEX child_id ON public.child USING btree (id)"]
    assert described(statement(report, "DROP INDEX events_at")) == [
        "dropped index events_2025_at_idx on events_2025: CREATE INDEX events_2025_at_idx ON "
        "public.events_2025 USING btree (at)",
        "dropped index events_at on events: CREATE INDEX events_at ON ONLY public.events USING btree (at)"]


def test_a_new_partition_of_a_referenced_table_is_seen_in_the_referencing_table(run):
    # PostgreSQL gives the referencing table a constraint for each partition of the table
    # its foreign key references (CloneFkReferenced): the CREATE TABLE changes it. A bound
    # that calls a function makes the same statement read every DDL-locked table.
    setup = """
CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE refs (event_id int, at date, FOREIGN KEY (event_id, at) REFERENCES events);
"""
    seen = []
    for bound in ("'2025-01-01'", "date('2025-01-01')"):
        report = run(setup, f"""BEGIN;
ALTER TABLE refs ADD COLUMN note text;
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ({bound}) TO ('2026-01-01');
COMMIT;""")
        seen.append(described(statement(report, "CREATE TABLE events_2025")))
    assert seen[0] == [
        "added constraint refs_event_id_at_fkey1 on refs: FOREIGN KEY (event_id, at) REFERENCES "
        "events_2025(id, at)",
        "added table events_2025"]
    assert seen[1] == seen[0]
