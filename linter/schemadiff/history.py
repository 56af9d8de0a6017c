"""The schema at two points of a history, and the renames between them.

Renames come from the model, never from similarity: RENAME TABLE/COLUMN/INDEX/CONSTRAINT and
SET SCHEMA change the name of the model's object in place (model/fold_ddl.py), so an object
present at both points is the same Python object under its old and its new name. When the
base's migrations begin the head's (the common case: a branch adds files), the history is
folded once, the state captured where the base ends; otherwise (a file edited or removed)
both are folded separately and no rename is reported.
"""

from __future__ import annotations

import os

from schemalint.model.dump import schema_json
from schemalint.model.fold import Model, fold_history
from schemalint.records import Record

Key = tuple[str, str]


class Renames(Record):
    """What the model renamed between the points. tables: base key -> head key; columns and
    constraints: (base table key, base name) -> head name; indexes: base key -> head key."""

    __slots__ = ("columns", "constraints", "indexes", "tables")

    def __init__(self, tables: dict | None = None, columns: dict | None = None,
                 indexes: dict | None = None, constraints: dict | None = None) -> None:
        self.tables = {} if tables is None else tables
        self.columns = {} if columns is None else columns
        self.indexes = {} if indexes is None else indexes
        self.constraints = {} if constraints is None else constraints


class Points(Record):
    """The two dumps, the renames between them, and why renames are not known (or None)."""

    __slots__ = ("base", "head", "note", "renames")

    def __init__(self, base: dict, head: dict, renames: Renames, note: str | None = None) -> None:
        self.base = base
        self.head = head
        self.renames = renames
        self.note = note


class _Identities:
    """The model's objects at a point, by identity, with the name each had there. Holds the
    objects, so that no id() is reused while it is kept."""

    __slots__ = ("keep", "names")

    def __init__(self, model: Model) -> None:
        names: dict[int, tuple] = {}
        keep: list = []
        for table in model.tables.values():
            keep.append(table)
            names[id(table)] = table.key
            for col in table.columns.values():
                keep.append(col)
                names[id(col)] = (table.key, col.name)
            for con in table.constraints.values():
                keep.append(con)
                names[id(con)] = (table.key, con.name)
        for key, index in model.indexes.items():
            keep.append(index)
            names[id(index)] = key
        self.names = names
        self.keep = keep


def renames_since(then: _Identities, model: Model) -> Renames:
    """The objects of `model` that existed at `then` under another name."""
    names = then.names
    out = Renames()
    for table in model.tables.values():
        old_key = names.get(id(table))
        if old_key is None:
            continue
        if old_key != table.key:
            out.tables[old_key] = table.key
        for col in table.columns.values():
            old = names.get(id(col))
            if old is not None and old[1] != col.name:
                out.columns[(old_key, old[1])] = col.name
        for con in table.constraints.values():
            old = names.get(id(con))
            if old is not None and old[1] != con.name:
                out.constraints[(old_key, old[1])] = con.name
    for key, index in model.indexes.items():
        old = names.get(id(index))
        if old is not None and old != key:
            out.indexes[old] = key
    return out


def _applied(migrations, root: str) -> list[tuple[str, str, str]]:
    """What decides the model: each up migration's path under its root, direction and SQL."""
    return [(os.path.relpath(m.path, root) if root else m.path, m.direction, m.parse_text)
            for m in migrations if m.folds_into_model]


def _prefix_lengths(migrations: list, ups: int) -> range:
    """The prefix lengths of `migrations` that hold exactly its first `ups` up migrations
    (those ending after the last of them and before the next: down migrations fold nothing)."""
    positions = [i for i, m in enumerate(migrations) if m.folds_into_model]
    last = positions[ups - 1]
    following = positions[ups] if ups < len(positions) else len(migrations)
    return range(last + 1, following + 1)


def fold_points(base: list, head: list, base_root: str = "", head_root: str = "",
                pg_version: tuple[int, int] = (15, 0), assume_in_transaction: bool = False,
                stored=None) -> Points:
    """The schema after `base`'s migrations and after `head`'s (each in apply order; paths
    compared relative to their roots), with the renames the model saw between them.
    `stored(lengths)`, if given: the model after the first k of `head` for a k in `lengths`
    as a cache holds it, or None (then it is folded here)."""
    base_key, head_key = _applied(base, base_root), _applied(head, head_root)
    if head_key[:len(base_key)] == base_key:
        ups = [m for m in head if m.folds_into_model]
        model = stored(_prefix_lengths(head, len(base_key))) if stored is not None and base_key else None
        if model is None:
            model = fold_history(ups[:len(base_key)], pg_version, assume_in_transaction)
        then = _Identities(model)
        base_dump = schema_json(model)
        fold_history(ups[len(base_key):], pg_version, assume_in_transaction, model=model)
        return Points(base_dump, schema_json(model), renames_since(then, model))
    first = next((i for i, (b, h) in enumerate(zip(base_key, head_key)) if b != h), len(head_key))
    what = base_key[first][0]
    note = (f"renames are not tracked: the base's migrations do not begin the head's ({what} "
            "differs or is missing), so each point was folded on its own")
    return Points(schema_json(fold_history(base, pg_version, assume_in_transaction)),
                  schema_json(fold_history(head, pg_version, assume_in_transaction)),
                  Renames(), note)
