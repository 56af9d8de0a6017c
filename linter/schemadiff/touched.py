"""The part of the schema a change touched, for a picture of it: the changed tables and the
tables one foreign key away (either direction), as a dump (model/dump.py's shape) the ERD
renderers draw, with the marks they colour it by. Dropped tables and columns are not in the
head's schema: they are taken from the base's, so the picture shows them, marked dropped."""

from __future__ import annotations

from schemalint.schemadiff.compare import marks as diff_marks


def _key(table: dict) -> tuple[str, str]:
    return (table["schema"], table["name"])


def touched(diff: dict, base: dict, head: dict, hops: int = 1) -> tuple[dict, dict, int]:
    """(data, marks, edges): the touched tables plus `hops` foreign-key hops, in dump order,
    the ERD marks (compare.marks, and None for the tables only reached by a hop), and the
    number of foreign keys between the tables drawn (a diagram's edges)."""
    head_tables = {_key(t): t for t in head["tables"]}
    base_tables = {_key(t): t for t in base["tables"]}
    changed = {(t["schema"], t["name"]): t for t in diff["tables"]}
    keys = set(changed)
    neighbours: dict[tuple, set] = {}
    for t in head["tables"]:
        for fk in t["foreign_keys"]:
            ref = (fk["references"]["schema"], fk["references"]["table"])
            if ref in head_tables and ref != _key(t):
                neighbours.setdefault(_key(t), set()).add(ref)
                neighbours.setdefault(ref, set()).add(_key(t))
    frontier = set(keys)
    for _ in range(hops):
        frontier = {n for k in frontier for n in neighbours.get(k, ())} - keys
        keys |= frontier
    tables = []
    for key in sorted(keys):
        entry = changed.get(key)
        if entry is not None and entry["status"] == "dropped":
            tables.append(base_tables[key])
            continue
        table = head_tables[key]
        dropped = [c["definition"] for c in (entry or {}).get("columns", ()) if c["status"] == "dropped"]
        tables.append({**table, "columns": table["columns"] + dropped} if dropped else table)
    drawn = {_key(t) for t in tables}
    edges = sum(1 for t in tables for fk in t["foreign_keys"]
                if (fk["references"]["schema"], fk["references"]["table"]) in drawn)
    marks = diff_marks(diff)
    for key in sorted(keys - set(changed)):
        marks[f"{key[0]}.{key[1]}"] = {"status": None, "columns": {}}
    return {"version": head.get("version", 1), "tables": tables, "enums": [], "sequences": []}, marks, edges
