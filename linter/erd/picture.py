"""What every diagram draws, computed once from `schemalint schema --format json`'s data
(model/dump.py) and the optional change marks: the tables with their columns and key roles,
the foreign keys as relationships with their cardinality, and the dropped tables.

Marks (the schema diff's output) have one fixed shape:

    {"<schema>.<table>": {"status": "added" | "dropped" | "altered" | None,
                          "columns": {"<column>": {"status": "added" | "dropped" | "altered",
                                                   "type": "<type text>"}}}}

Dropped tables and columns are not in the dump: they are drawn from the marks. Everything
is sorted, so the same schema always gives the same text.
"""

from __future__ import annotations

from schemalint.records import Record

COLUMN_MODES = ("all", "keys", "none")


class Column(Record):
    __slots__ = ("name", "type", "nullable", "default", "roles", "status", "comment")

    def __init__(self, *, name, type, nullable, default, roles, status, comment=None):
        self.name, self.type, self.nullable, self.default = name, type, nullable, default
        self.roles, self.status = roles, status  # roles: a tuple of "PK", "FK", "UK"
        self.comment = comment  # COMMENT ON, on one line (`one_line`)


class Entity(Record):
    __slots__ = ("key", "schema", "name", "kind", "columns", "status", "table", "comment")

    def __init__(self, *, key, schema, name, kind, columns, status, table, comment=None):
        self.key, self.schema, self.name, self.kind = key, schema, name, kind
        self.columns, self.status, self.table = columns, status, table  # table: the dump's dict
        self.comment = comment

    @property
    def label(self) -> str:
        return self.name if self.schema == "public" else self.key


class Edge(Record):
    """A foreign key: the child (referencing) table to the parent (referenced) one.
    `parent_optional`: a child row may reference no parent (a key column is nullable);
    `child_unique`: at most one child row per parent (the key columns are unique in the
    child); `identifying`: the key columns are part of the child's primary key."""

    __slots__ = ("name", "child", "columns", "parent", "ref_columns", "parent_optional",
                 "child_unique", "identifying", "on_delete")

    def __init__(self, *, name, child, columns, parent, ref_columns, parent_optional,
                 child_unique, identifying, on_delete):
        self.name, self.child, self.columns = name, child, columns
        self.parent, self.ref_columns = parent, ref_columns
        self.parent_optional, self.child_unique = parent_optional, child_unique
        self.identifying, self.on_delete = identifying, on_delete


class Picture(Record):
    __slots__ = ("entities", "edges", "dropped")

    def __init__(self, *, entities, edges, dropped):
        self.entities, self.edges, self.dropped = entities, edges, dropped


def one_line(text: str | None) -> str | None:
    """A comment as one line (its whitespace runs, newlines too, made one space): every
    format draws it in a single-line string or cell. An empty result is no comment."""
    return (" ".join(text.split()) or None) if text else None


def table_key(schema: str, name: str) -> str:
    """A table's key in the marks: `<schema>.<table>`, the schema always spelled."""
    return f"{schema}.{name}"


def unique_sets(table: dict) -> list[frozenset]:
    """The column sets a unique index or the primary key makes unique (a partial or an
    expression index does not: it constrains some rows, or values of an expression)."""
    sets = [frozenset(table["primary_key"])] if table["primary_key"] else []
    names = {c["name"] for c in table["columns"]}
    for index in table["indexes"]:
        if index["unique"] and index["where"] is None and set(index["columns"]) <= names:
            sets.append(frozenset(index["columns"]))
    return sets


def picture(data: dict, marks: dict | None = None, columns: str = "all") -> Picture:
    """The tables of `data` (already focused) and the foreign keys between them, with the
    marks applied; `columns`: every column, only key columns, or none."""
    if columns not in COLUMN_MODES:
        raise ValueError(f"columns must be one of {COLUMN_MODES}, not {columns!r}")
    marks = marks or {}
    tables = {table_key(t["schema"], t["name"]): t for t in data["tables"]}
    entities = [_entity(key, table, marks.get(key) or {}, columns)
                for key, table in sorted(tables.items())]
    edges = []
    for key, table in sorted(tables.items()):
        nullable = {c["name"] for c in table["columns"] if c["nullable"]}
        unique = unique_sets(table)
        pk = set(table["primary_key"])
        for fk in table["foreign_keys"]:
            ref = fk["references"]
            parent = table_key(ref["schema"], ref["table"]) if ref["table"] else None
            if parent not in tables:
                continue  # the referenced table is not drawn (focused out, or unknown)
            cols = fk["columns"]
            edges.append(Edge(
                name=fk["name"], child=key, columns=tuple(cols), parent=parent,
                ref_columns=tuple(ref["columns"]),
                parent_optional=any(c in nullable for c in cols),
                child_unique=any(s <= set(cols) for s in unique),
                identifying=bool(pk) and set(cols) <= pk, on_delete=fk["on_delete"]))
    edges.sort(key=lambda e: (e.child, e.parent, e.name))
    dropped = [_dropped_entity(key, mark, columns) for key, mark in sorted(marks.items())
               if mark.get("status") == "dropped" and key not in tables]
    return Picture(entities=entities, edges=edges, dropped=dropped)


def _entity(key: str, table: dict, mark: dict, mode: str) -> Entity:
    fk_columns = {c for fk in table["foreign_keys"] for c in fk["columns"]}
    pk = set(table["primary_key"])
    uk = {c for s in unique_sets(table) if len(s) == 1 for c in s} - pk
    column_marks = mark.get("columns") or {}
    added_table = mark.get("status") == "added"
    cols = []
    for c in table["columns"]:
        name = c["name"]
        roles = tuple(r for r, s in (("PK", pk), ("FK", fk_columns), ("UK", uk)) if name in s)
        status = (column_marks.get(name) or {}).get("status") or ("added" if added_table else None)
        cols.append(Column(name=name, type=c["type"] or "?", nullable=c["nullable"],
                           default=c["default"], roles=roles, status=status,
                           comment=one_line(c.get("comment"))))
    present = {c["name"] for c in table["columns"]}
    for name, cm in sorted(column_marks.items()):
        if cm.get("status") == "dropped" and name not in present:
            cols.append(Column(name=name, type=cm.get("type") or "?", nullable=True,
                               default=None, roles=(), status="dropped"))
    return Entity(key=key, schema=table["schema"], name=table["name"], kind=table["kind"],
                  columns=_shown(cols, mode), status=mark.get("status"), table=table,
                  comment=one_line(table.get("comment")))


def _dropped_entity(key: str, mark: dict, mode: str) -> Entity:
    schema, _, name = key.partition(".")
    cols = [Column(name=n, type=cm.get("type") or "?", nullable=True, default=None, roles=(),
                   status="dropped") for n, cm in sorted((mark.get("columns") or {}).items())]
    return Entity(key=key, schema=schema, name=name, kind="table", columns=_shown(cols, mode),
                  status="dropped", table=None)


def _shown(cols: list[Column], mode: str) -> tuple[Column, ...]:
    if mode == "all":
        return tuple(cols)
    if mode == "keys":
        return tuple(c for c in cols if c.roles)
    return ()
