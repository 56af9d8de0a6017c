"""Which tables a diagram shows: `--schema`, `--tables PATTERN` (globs) and `--around TABLE
--depth N` (the foreign-key neighbourhood, both directions). Each option given narrows the
choice; the result is the dump's data with only the chosen tables (and the enums and
sequences of the chosen schema)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from schemalint.errors import UsageError


def focus(data: dict, *, schema: str | None = None, tables: tuple[str, ...] = (),
          around: str | None = None, depth: int = 1) -> dict:
    chosen = data["tables"]
    if schema is not None:
        chosen = [t for t in chosen if t["schema"] == schema]
        if not chosen:
            raise UsageError(f"--schema {schema}: no table in schema {schema!r}")
    if tables:
        for pattern in tables:
            if not any(_matches(t, pattern) for t in chosen):
                raise UsageError(f"--tables {pattern}: no table matches")
        chosen = [t for t in chosen if any(_matches(t, p) for p in tables)]
    if around is not None:
        near = neighbourhood(data["tables"], _resolve(data["tables"], around), depth)
        chosen = [t for t in chosen if (t["schema"], t["name"]) in near]
    out = dict(data)
    out["tables"] = chosen
    if schema is not None:
        out["enums"] = [e for e in data.get("enums", ()) if e["schema"] == schema]
        out["sequences"] = [s for s in data.get("sequences", ()) if s["schema"] == schema]
    return out


def _matches(table: dict, pattern: str) -> bool:
    """A pattern with a dot matches `schema.table`; one without, the table's name."""
    if "." in pattern:
        return fnmatchcase(f"{table['schema']}.{table['name']}", pattern)
    return fnmatchcase(table["name"], pattern)


def _resolve(tables: list[dict], name: str) -> tuple[str, str]:
    if "." in name:
        schema, _, bare = name.partition(".")
        found = [t for t in tables if (t["schema"], t["name"]) == (schema, bare)]
    else:
        found = [t for t in tables if t["name"] == name]
        public = [t for t in found if t["schema"] == "public"]
        found = public or found
    if not found:
        raise UsageError(f"--around {name}: no such table in the schema")
    if len(found) > 1:
        spelled = ", ".join(sorted(f"{t['schema']}.{t['name']}" for t in found))
        raise UsageError(f"--around {name}: ambiguous ({spelled}); give the schema")
    return found[0]["schema"], found[0]["name"]


def neighbourhood(tables: list[dict], start: tuple[str, str], depth: int) -> set:
    """The tables within `depth` foreign keys of `start`, whichever way each key points."""
    links: dict[tuple, set] = {}
    for t in tables:
        child = (t["schema"], t["name"])
        for fk in t["foreign_keys"]:
            ref = fk["references"]
            if ref["table"] is None:
                continue
            parent = (ref["schema"], ref["table"])
            links.setdefault(child, set()).add(parent)
            links.setdefault(parent, set()).add(child)
    seen = {start}
    frontier = {start}
    for _ in range(depth):
        frontier = {n for k in frontier for n in links.get(k, ())} - seen
        if not frontier:
            break
        seen |= frontier
    return seen
