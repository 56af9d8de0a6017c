"""The schema in DBML, the language of dbdiagram.io: a `Table` per table (columns with their
settings, indexes), a `Ref` per foreign key, an `Enum` per enum type. Changes are notes
(`+ added`, `~ altered`); dropped tables and columns, which DBML cannot hold, are comments,
as are views and tables without columns (a DBML table needs one). Comments (COMMENT ON)
are the notes of tables, columns and indexes, after a change marker. A DBML table lists all
its columns, as a reference may name any of them: `columns` is accepted for the renderers'
common signature, and only "all" is drawn."""

from __future__ import annotations

import re

from schemalint.erd.mermaid import MARKERS
from schemalint.erd.picture import Picture, one_line, picture

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAIN_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\(\d+(,\d+)?\))?")


def render(data: dict, marks: dict | None = None, columns: str = "all") -> str:
    pic = picture(data, marks, "all")
    return document(pic, data.get("enums", ()))


def document(pic: Picture, enums=()) -> str:
    out: list[str] = []
    drawn = set()
    for e in pic.entities:
        table = e.table
        if e.kind in ("view", "materialized view") or not e.columns:
            what = e.kind if e.columns or e.kind != "table" else "table without columns"
            note = f" — {e.comment}" if e.comment else ""
            out += [f"// {what}: {_name(e.schema, e.name)}{note}", ""]
            continue
        drawn.add(e.key)
        pk = table["primary_key"]
        out.append(f"Table {_name(e.schema, e.name)} {{")
        for c in e.columns:
            if c.status == "dropped":
                out.append(f"  // {MARKERS['dropped']}: {_ident(c.name)} {_type(c.type)}")
                continue
            settings = []
            if pk == [c.name]:
                settings.append("pk")
            elif not c.nullable:
                settings.append("not null")
            if c.default is not None:
                settings.append(f"default: `{c.default.replace('`', '')}`")
            note = _note(MARKERS[c.status] if c.status else None, c.comment)
            if note:
                settings.append(f"note: {_string(note)}")
            tail = f" [{', '.join(settings)}]" if settings else ""
            out.append(f"  {_ident(c.name)} {_type(c.type)}{tail}")
        indexes = []
        if len(pk) > 1:
            indexes.append(f"    ({', '.join(_ident(n) for n in pk)}) [pk]")
        names = {c["name"] for c in table["columns"]}
        for index in sorted(table["indexes"], key=lambda i: i["name"]):
            if index["unique"] and index["where"] is None and index["columns"] == pk:
                continue  # the primary key's index: the pk setting says it
            cols = [_ident(n) if n in names else f"`{n.replace('`', '')}`" for n in index["columns"]]
            target = cols[0] if len(cols) == 1 else f"({', '.join(cols)})"
            settings = [f"name: {_string(index['name'])}"]
            if index["unique"]:
                settings.append("unique")
            notes = []
            if index["method"] == "hash":
                settings.append("type: hash")
            elif index["method"] != "btree":
                notes.append(f"using {index['method']}")  # DBML's index types: btree, hash
            if index["where"]:
                notes.append(f"where {index['where']}")
            note = _note(" ".join(notes), one_line(index.get("comment")))
            if note:
                settings.append(f"note: {_string(note)}")
            indexes.append(f"    {target} [{', '.join(settings)}]")
        if indexes and e.columns:
            out += ["", "  indexes {", *indexes, "  }"]
        note = _note(MARKERS[e.status] if e.status else None, e.comment)
        if note:
            out.append(f"  Note: {_string(note)}")
        out.append("}")
        out.append("")
    for e in pic.dropped:
        out.append(f"// {MARKERS['dropped']} table: {_name(e.schema, e.name)}")
    if pic.dropped:
        out.append("")
    by_key = {e.key: e for e in pic.entities}
    edges = [e for e in pic.edges if e.child in drawn and e.parent in drawn]
    # PostgreSQL accepts two foreign keys on the same columns to the same key; DBML holds one
    # reference per pair of endpoints ("Reference with the same endpoints already exists").
    endpoints: dict = {}
    for edge in edges:
        child, parent = by_key[edge.child], by_key[edge.parent]
        kind = "-" if edge.child_unique else ">"
        action = f" [delete: {edge.on_delete}]" if edge.on_delete != "no action" else ""
        line = (f"Ref {_ident(edge.name)}: {_name(child.schema, child.name)}."
                f"{_columns(edge.columns)} {kind} {_name(parent.schema, parent.name)}."
                f"{_columns(edge.ref_columns)}{action}")
        ends = frozenset(((edge.child, tuple(edge.columns)), (edge.parent, tuple(edge.ref_columns))))
        if ends in endpoints:
            line = f"// {line} (the same endpoints as {endpoints[ends]})"
        endpoints.setdefault(ends, edge.name)
        out.append(line)
    if edges:
        out.append("")
    for enum in sorted(enums, key=lambda e: (e["schema"], e["name"])):
        out.append(f"Enum {_name(enum['schema'], enum['name'])} {{")
        out += [f"  {_quoted(v)}" for v in enum["values"]]
        out.append("}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _note(marker: str | None, comment: str | None) -> str | None:
    return "; ".join(n for n in (marker, comment) if n) or None


def _name(schema: str, name: str) -> str:
    return _ident(name) if schema == "public" else f"{_ident(schema)}.{_ident(name)}"


def _columns(cols: tuple) -> str:
    return _ident(cols[0]) if len(cols) == 1 else f"({', '.join(_ident(c) for c in cols)})"


def _ident(name: str) -> str:
    return name if _PLAIN.fullmatch(name) else _quoted(name)


def _type(type_text: str) -> str:
    # DBML's quoted names have no escape for `"` (dbdiagram.io's parser stops at `\"`): the
    # SQL quotes of a type name (`"StepRunStatus"`) are left out, which names the Enum drawn.
    type_text = type_text.replace('"', "")
    return type_text if _PLAIN_TYPE.fullmatch(type_text) else _quoted(type_text)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
