"""Replay tests run a real PostgreSQL (the `local` backend's machinery). One server per test
module; each replay works in its own scratch database through the `dsn` backend."""

from __future__ import annotations

import os

import pytest

from schemalint.discover.source import Migration
from schemalint.replay import local
from schemalint.replay.cleanup import Cleanup
from schemalint.replay.options import ReplayOptions
from schemalint.replay.runner import replay

# SCHEMALINT_TEST_PG_BIN: run the replay tests on the server binaries of that directory (to
# test another major version than the one found first).
BINARIES = (local.require_binaries(os.environ["SCHEMALINT_TEST_PG_BIN"], None)
            if os.environ.get("SCHEMALINT_TEST_PG_BIN") else local.find_binaries())
needs_postgres = pytest.mark.skipif(
    BINARIES is None, reason="PostgreSQL server binaries not found (apt-get install postgresql)")


@pytest.fixture(scope="module")
def server():
    if BINARIES is None:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    with Cleanup() as cleanup:
        yield local.start(BINARIES, cleanup)


@pytest.fixture
def run(server):
    """run(sql, sql, ..., **options) -> ReplayReport: each string is one migration file
    (001.sql, ...); all but the last are applied untraced unless `last` is given."""

    def go(*sqls: str, in_transaction=None, **options):
        migrations = [Migration(path=f"{i + 1:03d}.sql", text=sql, in_transaction=in_transaction)
                      for i, sql in enumerate(sqls)]
        options.setdefault("last", 1)
        opts = ReplayOptions(backend="dsn", dsn=server.conninfo(), **options)
        return replay(migrations, opts)

    return go


def statement(report, text: str):
    """The trace of the statement whose SQL contains `text`."""
    found = [t for t in report.statements if text in t.sql]
    assert len(found) == 1, [t.sql for t in report.statements]
    return found[0]


def locks_on(trace, relation: str) -> set[str]:
    return {lk.mode for lk in trace.locks if lk.relation.name == relation}


def described(trace) -> list[str]:
    """The changes replay reported for one statement, as sorted descriptions."""
    return sorted(c.describe() for c in trace.changes)
