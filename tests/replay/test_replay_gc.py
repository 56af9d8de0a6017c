"""replay() turns the cyclic garbage collector off while it runs (runner.replay): that is only
sound while a replay leaves next to no garbage in reference cycles, failures included."""

from __future__ import annotations

import gc

from tests.replay.conftest import statement

FAILING = """CREATE TABLE items (id int PRIMARY KEY, price int);
INSERT INTO items VALUES (1, 2);
ALTER TABLE items ADD COLUMN note text;
CREATE INDEX items_price ON items (price);
ALTER USER some_admin SET search_path = public;
SELECT no_such_function();
"""


def test_a_replay_leaves_almost_no_cyclic_garbage_and_the_collector_as_it_was(run):
    gc.collect()
    report = run("CREATE TABLE other (id int);", FAILING)
    assert gc.isenabled()
    assert statement(report, "no_such_function").status == "failed"
    # The report is alive: what the collector finds now is garbage the replay left in cycles
    # (a failed statement's exception and its frames, a few dozen objects per failure).
    assert gc.collect() < 300
    gc.disable()
    try:
        run("CREATE TABLE other (id int);", FAILING)
        assert not gc.isenabled()
    finally:
        gc.enable()
