"""A checkpoint stores each table's columns apart, and a restored table builds them when first
asked (speed/checkpoint.py, `Table.__getattr__`): what is asked is what a fold gave."""

from __future__ import annotations

import io

import pytest

from schemalint.check import engine
from schemalint.check.catalog import all_rules
from schemalint.config.settings import LintConfig
from schemalint.model.objects import Column, Table
from schemalint.model.scratch import _clone
from schemalint.speed import checkpoint
from schemalint.speed.store import Cache

from .checkpoints import entries, fresh
from .helpers import FILES
from .test_checkpoint import ADDED


def _folded(history):
    checker = engine.Checker(LintConfig(), all_rules())
    for m in history:
        checker.check(m)
    return checker


def _dump(model, history) -> tuple:
    buffer = io.BytesIO()
    sizes = checkpoint._write_model(checkpoint._Digesting(buffer), model, history,
                                    {id(m): i for i, m in enumerate(history)})
    assert sum(sizes) == len(buffer.getvalue())
    return buffer.getvalue(), sizes


def _load(dumped: tuple, history):
    data, (section, size) = dumped
    return checkpoint._read_model(data, section, size, history)


def _unpacked(table: Table) -> bool:
    try:
        checkpoint._COLUMNS_SLOT.__get__(table, Table)
    except AttributeError:
        return False
    return True


def _columns(table: Table) -> list:
    """A table's columns as values: the type site by its file and span (a restored site is
    another object at the same place)."""
    out = []
    for name, col in table.columns.items():
        site = col.type_site
        where = None if site is None else (site.migration.path, site.start, site.end)
        out.append((name, col.name, col.type, col.mods, col.array, col.not_null, col.default,
                    col.identity, col.serial, col.generated, col.sequence, col.comment, where))
    return out


def test_a_restored_table_builds_its_columns_when_first_asked():
    history = fresh(FILES + ADDED)
    model = _folded(history).model
    again = fresh(FILES + ADDED)
    restored = _load(_dump(model, history), again)
    assert set(restored.tables) == set(model.tables) and len(model.tables) >= 4
    assert not any(_unpacked(t) for t in restored.tables.values())
    orders = restored.tables[("public", "orders")]
    assert _columns(orders) == _columns(model.tables[("public", "orders")])
    assert _unpacked(orders) and not hasattr(orders, "_unloaded_columns")
    # The sites refer to this run's migrations.
    assert {c.type_site.migration for c in orders.columns.values() if c.type_site} <= set(again)
    assert [t.key for t in restored.tables.values() if _unpacked(t)] == [("public", "orders")]
    for key, table in restored.tables.items():
        assert _columns(table) == _columns(model.tables[key]), key


def test_a_table_never_used_is_stored_again_as_it_was_restored():
    history = fresh(FILES)
    first = _dump(_folded(history).model, history)
    restored = _load(first, history)
    restored.tables[("public", "orders")].columns["note"].not_null = True
    second = _load(_dump(restored, history), history)
    for key, table in second.tables.items():
        expected = _columns(_load(first, history).tables[key])
        if key == ("public", "orders"):
            expected = [c[:5] + (True,) + c[6:] if c[0] == "note" else c for c in expected]
        assert _columns(table) == expected, key


def test_a_copy_or_a_comparison_of_a_restored_table_has_its_columns():
    history = fresh(FILES)
    model = _folded(history).model
    restored = _load(_dump(model, history), history)
    key = ("public", "orders")
    copy = _clone(restored.tables[key])
    assert _columns(copy) == _columns(model.tables[key])
    other = _load(_dump(model, history), history).tables[key]
    assert copy.columns is restored.tables[key].columns
    assert not _unpacked(other) and other != Table(key) and _unpacked(other)


def test_an_attribute_a_table_lacks_is_an_attribute_error():
    table = Table(("public", "t"))
    with pytest.raises(AttributeError, match="'Table' object has no attribute 'colums'"):
        table.colums  # noqa: B018 - the access is the test
    assert table.columns == {}
    with pytest.raises(AttributeError):
        Table.__new__(Table).columns  # noqa: B018 - neither columns nor a way to make them


@pytest.mark.parametrize("where", ["two tables", "outside a table"])
def test_a_column_held_twice_is_not_stored(where, tmp_path):
    """Stored apart, a column two tables share (or that something else holds too) would come
    back as two objects: the model is then not stored (a miss next time, not a wrong state)."""
    history = fresh(FILES)
    checker = _folded(history)
    model = checker.model
    column = model.tables[("public", "orders")].columns["note"]
    if where == "two tables":
        model.tables[("public", "customers")].columns["shared"] = column
    else:
        model.function_volatility["a column"] = column
    with pytest.raises(checkpoint._Unstorable):
        _dump(model, history)
    store = checkpoint.Checkpoints(Cache(str(tmp_path)))
    store.save(checker, history, "key", [], [], None)
    assert entries(str(tmp_path)) == []
    # Without it, the same model is stored.
    if where == "two tables":
        del model.tables[("public", "customers")].columns["shared"]
    else:
        del model.function_volatility["a column"]
    store.save(checker, history, "key", [], [], None)
    assert entries(str(tmp_path)) == ["key"]


def test_a_column_is_a_record_of_its_table_only():
    """What the guard above relies on in every fold: no two tables share a column object
    (inherited columns are copies; a scratch copy copies them too)."""
    history = fresh(FILES + ADDED)
    model = _folded(history).model
    ids = [id(c) for t in model.tables.values() for c in t.columns.values()]
    assert len(ids) == len(set(ids)) and all(type(c) is Column for t in model.tables.values()
                                             for c in t.columns.values())


def test_a_checkpoint_stored_by_a_resumed_run_restores_the_same_findings(cached, monkeypatch):
    """A resumed run that stores a new checkpoint writes the tables it never used as they were
    restored; a run from that checkpoint reports what a run without the cache does."""
    from .checkpoints import cached_run, reference

    cached_run(fresh(FILES[:-2]), cached.dir)
    monkeypatch.setattr(checkpoint, "REFRESH_SHARE", 0.0)
    cached_run(fresh(FILES), cached.dir)  # resumed at len - 2, stores one at len
    assert cached.restored[-1] == len(FILES) - 2 and len(entries(cached.dir)) == 2
    history = fresh(FILES + ADDED)
    assert cached_run(history, cached.dir) == reference(fresh(FILES + ADDED))
    assert cached.restored[-1] == len(FILES)
