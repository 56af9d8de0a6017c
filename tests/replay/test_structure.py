"""The changes replay reports when a statement re-reads tables an earlier statement of the
transaction locked: each statement gets exactly its own changes, including those that
leave the changed table's own catalog rows alone (a rename of the table a foreign key
references), and a rollback to a savepoint is seen undone. ALTER TABLE and CREATE INDEX
re-read only the tables they name and their partitions (tracer.named_tables), unless a
command cascades: these pin what that must keep."""

from __future__ import annotations

from tests.replay.conftest import described, statement

SETUP = """
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int, parent_id int REFERENCES parent (id));
"""


def test_rename_of_a_referenced_table_changes_the_locked_child(run):
    report = run(SETUP, """BEGIN;
ALTER TABLE child ADD COLUMN note text;
ALTER TABLE parent RENAME TO parents;
ALTER TABLE child ADD COLUMN more text;
COMMIT;""")
    assert described(statement(report, "ADD COLUMN note")) == ["added column note on child: text"]
    assert described(statement(report, "RENAME TO parents")) == [
        "changed constraint child_parent_id_fkey on child: FOREIGN KEY (parent_id) REFERENCES "
        "parent(id) -> FOREIGN KEY (parent_id) REFERENCES parents(id)"]
    assert described(statement(report, "ADD COLUMN more")) == ["added column more on child: text"]


def test_unchanged_locked_tables_report_nothing_and_changed_ones_their_change(run):
    report = run(SETUP, """BEGIN;
ALTER TABLE child ADD COLUMN note text;
ALTER TABLE parent ADD COLUMN name text;
CREATE INDEX child_note ON child (note);
ALTER TABLE parent ALTER COLUMN name SET NOT NULL;
COMMIT;""")
    assert described(statement(report, "ADD COLUMN name")) == ["added column name on parent: text"]
    assert described(statement(report, "CREATE INDEX")) == [
        "added index child_note on child: CREATE INDEX child_note ON public.child USING btree (note)"]
    assert described(statement(report, "SET NOT NULL")) == [
        "changed column name on parent: text -> text NOT NULL"]


def test_a_rename_rolled_back_to_a_savepoint_is_seen_undone(run):
    report = run(SETUP, """BEGIN;
ALTER TABLE child ADD COLUMN note text;
SAVEPOINT s;
ALTER TABLE parent RENAME TO parents;
ROLLBACK TO SAVEPOINT s;
ALTER TABLE parent ADD COLUMN name text;
COMMIT;""")
    assert ("changed constraint child_parent_id_fkey on child: FOREIGN KEY (parent_id) REFERENCES "
            "parents(id) -> FOREIGN KEY (parent_id) REFERENCES parent(id)"
            ) in described(statement(report, "ADD COLUMN name"))


PARTITIONED = """
CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
"""


def test_alter_table_and_create_index_reach_the_partitions(run):
    report = run(PARTITIONED, """BEGIN;
ALTER TABLE events ADD COLUMN note text;
CREATE INDEX events_at ON events (at);
COMMIT;""")
    assert described(statement(report, "ADD COLUMN note")) == [
        "added column note on events: text", "added column note on events_2025: text"]
    assert described(statement(report, "CREATE INDEX")) == [
        "added index events_2025_at_idx on events_2025: CREATE INDEX events_2025_at_idx ON "
        "public.events_2025 USING btree (at)",
        "added index events_at on events: CREATE INDEX events_at ON ONLY public.events USING btree (at)"]


def test_a_cascade_reaches_the_tables_it_does_not_name(run):
    report = run(SETUP, """BEGIN;
ALTER TABLE child ADD COLUMN note text;
ALTER TABLE parent DROP CONSTRAINT parent_pkey CASCADE;
COMMIT;""")
    assert described(statement(report, "CASCADE")) == [
        "dropped constraint child_parent_id_fkey on child: FOREIGN KEY (parent_id) REFERENCES "
        "parent(id)",
        "dropped constraint parent_pkey on parent: PRIMARY KEY (id)"]
