"""The diff of two schema dumps (model/dump.py's shape) given the renames between them: a pure
function, data in, data out.

    {"version": 1, "note": str | None,
     "tables": [{"schema", "name", "status", "renamed_from": {"schema", "name"} | None,
                 "columns" | "indexes" | "foreign_keys" | "checks": [{"name", "status",
                     "renamed_from", "changes": {field: {"from", "to"}}, "definition"}],
                 "primary_key": {"from", "to"} | None, "kind", "comment": {"from", "to"} when
                 changed}],
     "enums": [{"schema", "name", "status", "changes"}], "sequences": [{"schema", "name", "status"}]}

A status is "added", "dropped", "altered" (something in it changed; it may also have been
renamed) or "renamed" (only its name changed). Objects are matched by the renames first, then
by name; an object dropped and created again under the same name is compared as one. Only
changed objects are listed; tables and elements in name order.
"""

from __future__ import annotations

from schemalint.schemadiff.history import Renames

VERSION = 1
# The fields of each element that are compared, in the order changes are listed.
_FIELDS = {
    "columns": ("type", "nullable", "default", "identity", "comment"),
    "indexes": ("columns", "unique", "method", "where", "comment"),
    "foreign_keys": ("columns", "references", "on_delete"),
    "checks": ("expression",),
}


def _pair(base: dict, head: dict, renamed: dict) -> list[tuple]:
    """(base name or None, head name or None) for every name of either side: renamed ones
    first paired by `renamed` (base name -> head name), the rest by equal names."""
    pairs, taken = [], set()
    for old, new in renamed.items():
        if old in base and new in head:
            pairs.append((old, new))
            taken.add(new)
    done = {old for old, _ in pairs}
    for name in base:
        if name in done:
            continue
        if name in head and name not in taken:
            pairs.append((name, name))
            taken.add(name)
        else:
            pairs.append((name, None))
    pairs += [(None, name) for name in head if name not in taken]
    return pairs


def _elements(kind: str, base: list, head: list, renamed: dict, translate=None) -> list[dict]:
    """The changed elements of one kind. `translate`: a base element as the head would spell
    it were nothing but renames done (a renamed column keeps its indexes and keys)."""
    old_by, new_by = {e["name"]: e for e in base}, {e["name"]: e for e in head}
    out = []
    for old, new in _pair(old_by, new_by, renamed):
        if new is None:
            out.append(_entry(old, "dropped", None, {}, old_by[old]))
            continue
        if old is None:
            out.append(_entry(new, "added", None, {}, new_by[new]))
            continue
        b, h = old_by[old], new_by[new]
        t = translate(b) if translate else b
        changes = {f: {"from": b.get(f), "to": h.get(f)} for f in _FIELDS[kind] if t.get(f) != h.get(f)}
        if changes or old != new:
            out.append(_entry(new, "altered" if changes else "renamed",
                              old if old != new else None, changes, h))
    if kind != "columns":  # columns keep the table's order; the rest go by name
        out.sort(key=lambda e: e["name"])
    return out


def _entry(name: str, status: str, renamed_from: str | None, changes: dict, definition: dict) -> dict:
    return {"name": name, "status": status, "renamed_from": renamed_from, "changes": changes,
            "definition": definition}


def _table(base: dict | None, head: dict | None, renames: Renames) -> dict | None:
    table = head if head is not None else base
    entry = {"schema": table["schema"], "name": table["name"], "status": "altered",
             "renamed_from": None}
    if base is None or head is None:
        side = "added" if base is None else "dropped"
        entry["status"] = side
        for kind in _FIELDS:
            entry[kind] = [_entry(e["name"], side, None, {}, e) for e in table[kind]]
        pk = table["primary_key"] or None
        entry["primary_key"] = pk and ({"from": None, "to": pk} if side == "added" else {"from": pk, "to": None})
        return entry
    old_key = (base["schema"], base["name"])
    if old_key != (head["schema"], head["name"]):
        entry["renamed_from"] = {"schema": base["schema"], "name": base["name"]}
    changed = False
    for kind in _FIELDS:
        if kind == "indexes":
            schema = head["schema"]
            renamed = {o[1]: n[1] for o, n in renames.indexes.items() if o[0] == base["schema"] and n[0] == schema}
        elif kind == "columns":
            renamed = {o[1]: n for o, n in renames.columns.items() if o[0] == old_key}
        else:
            renamed = {o[1]: n for o, n in renames.constraints.items() if o[0] == old_key}
        entry[kind] = _elements(kind, base[kind], head[kind], renamed,
                                lambda e, k=kind: _translated(k, e, old_key, renames))
        changed = changed or bool(entry[kind])
    pk_from, pk_to = base["primary_key"], [_new_name(c, old_key, renames) for c in base["primary_key"]]
    entry["primary_key"] = None
    if pk_to != head["primary_key"]:
        entry["primary_key"] = {"from": pk_from or None, "to": head["primary_key"] or None}
        changed = True
    if base["kind"] != head["kind"]:
        entry["kind"] = {"from": base["kind"], "to": head["kind"]}
        changed = True
    if base.get("comment") != head.get("comment"):  # .get: a dump from before comments
        entry["comment"] = {"from": base.get("comment"), "to": head.get("comment")}
        changed = True
    if not changed:
        if entry["renamed_from"] is None:
            return None
        entry["status"] = "renamed"
    return entry


def _new_name(column: str, table: tuple, renames: Renames) -> str:
    return renames.columns.get((table, column), column)


def _translated(kind: str, element: dict, table: tuple, renames: Renames) -> dict:
    """`element` of the base table `table` with the renames applied to the names it holds."""
    if kind == "columns" or not (renames.columns or renames.tables):
        return element
    out = dict(element)
    if kind in ("indexes", "foreign_keys"):
        out["columns"] = [_new_name(c, table, renames) for c in element["columns"]]
    if kind == "foreign_keys":
        ref = element["references"]
        key = (ref["schema"], ref["table"])
        new = renames.tables.get(key, key)
        out["references"] = {"schema": new[0], "table": new[1],
                             "columns": [_new_name(c, key, renames) for c in ref["columns"]]}
    return out


def diff_schemas(base: dict, head: dict, renames: Renames | None = None, note: str | None = None) -> dict:
    """What changed from the `base` dump to the `head` dump (model/dump.py's shape)."""
    renames = Renames() if renames is None else renames
    old = {(t["schema"], t["name"]): t for t in base["tables"]}
    new = {(t["schema"], t["name"]): t for t in head["tables"]}
    tables = []
    for o, n in _pair(old, new, renames.tables):
        entry = _table(old.get(o) if o else None, new.get(n) if n else None, renames)
        if entry is not None:
            tables.append(entry)
    tables.sort(key=lambda t: (t["schema"], t["name"]))
    return {"version": VERSION, "note": note, "tables": tables,
            "enums": _named(base["enums"], head["enums"], ("values",)),
            "sequences": _named(base["sequences"], head["sequences"], ())}


def _named(base: list, head: list, fields: tuple) -> list[dict]:
    """Enums or sequences, matched by (schema, name)."""
    old = {(e["schema"], e["name"]): e for e in base}
    new = {(e["schema"], e["name"]): e for e in head}
    out = []
    for key in sorted(old.keys() | new.keys()):
        b, h = old.get(key), new.get(key)
        status = "added" if b is None else "dropped" if h is None else None
        changes = {} if status else {f: {"from": b[f], "to": h[f]} for f in fields if b[f] != h[f]}
        if status or changes:
            out.append({"schema": key[0], "name": key[1], "status": status or "altered",
                        "changes": changes})
    return out


def marks(diff: dict) -> dict:
    """The changed tables and columns, in the shape the ERD renderers take:
    {"<schema>.<table>": {"status": "added"|"dropped"|"altered"|None,
                          "columns": {"<column>": {"status": "added"|"dropped"|"altered",
                                                   "type": "<type text>"}}}}
    A renamed table or column counts as altered; a column's type is its head type (its base
    type when dropped)."""
    out = {}
    for t in diff["tables"]:
        status = "altered" if t["status"] == "renamed" else t["status"]
        out[f"{t['schema']}.{t['name']}"] = {"status": status, "columns": {
            c["name"]: {"status": "altered" if c["status"] == "renamed" else c["status"],
                        "type": c["definition"]["type"] or "?"}
            for c in t["columns"]}}
    return out
