"""The tracer overlaps the ledger's work with the next statement through psycopg's own send
and fetch steps (tracer._send_parts), which are not psycopg's documented API; without them it
falls back to the synchronous path. Both must observe the same."""

from __future__ import annotations

from schemalint.replay import tracer

MIGRATION = """BEGIN;
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int, parent_id int REFERENCES parent (id));
ALTER TABLE child ADD COLUMN note text;
ALTER TABLE child ALTER COLUMN note TYPE varchar(20);
CREATE INDEX child_parent_idx ON child (parent_id);
ALTER TABLE parent RENAME COLUMN id TO pid;
DROP INDEX child_parent_idx;
COMMIT;
CREATE INDEX child_note_idx ON child (note);
ALTER TABLE child ALTER COLUMN id SET NOT NULL;
SET lock_timeout = '1s';
"""


def observed(report) -> list:
    return [(t.sql, t.status, sorted((lk.relation.name, lk.mode) for lk in t.locks),
             sorted(c.describe() for c in t.changes), sorted(r.name for r in t.rewrites))
            for t in report.statements]


def test_the_synchronous_path_observes_what_the_overlapped_one_does(run, monkeypatch):
    sent = []
    real = tracer.Tracer._send_parts
    monkeypatch.setattr(tracer.Tracer, "_send_parts", lambda self, parts: sent.append(1) or real(self, parts))
    overlapped = observed(run("SELECT 1;", MIGRATION))
    assert sent, "the overlapped path was not taken"
    monkeypatch.setattr(tracer, "generators", None)
    sent.clear()
    synchronous = observed(run("SELECT 1;", MIGRATION))
    assert not sent
    assert synchronous == overlapped
    assert any(locks for _, _, locks, _, _ in overlapped)
