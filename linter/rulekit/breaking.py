"""Facts the breaking-change rules share: what a DROP removes, whether an object is new in
this migration file, and whether its name is taken again later in the file (a swap or a
drop-and-recreate, which readers do not notice)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from schemalint.model import Site
from schemalint.parse.names import qualified_key, strings
from schemalint.records import Frozen
from schemalint.rulekit.facts import alter_commands, is_table_alter

_RELATIONS = {"OBJECT_TABLE": "table", "OBJECT_FOREIGN_TABLE": "foreign table", "OBJECT_VIEW": "view",
              "OBJECT_MATVIEW": "materialized view", "OBJECT_SEQUENCE": "sequence", "OBJECT_INDEX": "index"}
_TYPES = {"OBJECT_TYPE": "type", "OBJECT_DOMAIN": "domain"}
_ROUTINES = {"OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure", "OBJECT_ROUTINE": "routine",
             "OBJECT_AGGREGATE": "aggregate"}


class Dropped(Frozen):
    """An object a DROP removes. Immutable, compared by value."""

    __slots__ = ("kind", "key", "names")

    def __init__(self, kind: str, key: tuple, names: tuple[str, ...]) -> None:
        set_ = object.__setattr__
        set_(self, "kind", kind)  # "table", "view", "function", "type", "schema", ...
        set_(self, "key", key)  # in the forms of Session.named_at
        set_(self, "names", names)  # as written (schema-qualified or not)

    @property
    def name(self) -> str:
        return self.names[-1]


def is_down(stmt) -> bool:
    """A down (rollback) migration exists to undo its up migration: its drops are the point."""
    return stmt.migration.direction == "down"


def dropped_objects(stmt, model) -> Iterator[Dropped]:
    node = stmt.node
    remove = node.get("removeType")
    schema = model.search_schema
    for obj in node.get("objects") or ():
        if remove in _RELATIONS:
            names = strings(obj.get("List", {}).get("items"))
            if names:
                yield Dropped(_RELATIONS[remove], qualified_key(names, schema), tuple(names))
        elif remove in _TYPES:
            names = strings(obj.get("TypeName", {}).get("names") or obj.get("List", {}).get("items"))
            if names:
                yield Dropped(_TYPES[remove], ("type", *qualified_key(names, schema)), tuple(names))
        elif remove in _ROUTINES:
            names = strings(obj.get("ObjectWithArgs", {}).get("objname"))
            if names:
                yield Dropped(_ROUTINES[remove], ("function", *qualified_key(names, schema)), tuple(names))
        elif remove in ("OBJECT_SCHEMA", "OBJECT_EXTENSION"):
            names = strings([obj])
            if names:
                kind = "schema" if remove == "OBJECT_SCHEMA" else "extension"
                yield Dropped(kind, (kind, names[0]), tuple(names))


def new_before(session, key: tuple, index: int) -> bool:
    """The object was created in this migration file before statement `index`."""
    return key in session.created and session.named_at.get(key, 1 << 30) < index


def replaced_after(session, key: tuple, index: int) -> bool:
    """An object takes this name again after statement `index` in this migration file."""
    return session.named_at.get(key, -1) > index


def swapped_out(session, key: tuple) -> bool:
    """The object got this name by a rename in this file, and its old name was then taken
    by another object: `RENAME t TO t_old; RENAME t_new TO t; DROP t_old` keeps `t`."""
    old = session.renamed_from.get(key)
    return old is not None and old != key and session.named_at.get(old, -1) > session.named_at.get(key, -1)


def name_span(stmt, name: str, start: int = 0) -> tuple[int, int]:
    """Span of the identifier `name` (quoted or not) in the statement text after `start`
    characters, else the whole statement."""
    text = stmt.text
    found = _find_name(text, name, start)
    if found is None:
        return stmt.start, stmt.end
    return stmt.start + found[0], stmt.start + found[1]


def _word(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def _find_name(text: str, name: str, start: int) -> tuple[int, int] | None:
    """The first `"name"` or bare `name` (not inside a longer word), case-insensitively.

    Plain string searches on the lower-cased text: compiling a regex per name cost more
    than everything else on long histories (hundreds of thousands of distinct names)."""
    low = text.lower()
    if len(low) != len(text) or not name:
        # Lower-casing changed lengths (e.g. U+0130): offsets would not line up.
        quoted = '"' + name.replace('"', '""') + '"'
        pattern = re.escape(quoted) + "|" + r"(?<![\w$\"])" + re.escape(name) + r"(?![\w$])"
        m = re.compile(pattern, re.I).search(text, start)
        return None if m is None else (m.start(), m.end())
    lname = name.lower()
    quoted = '"' + lname.replace('"', '""') + '"'
    q = low.find(quoted, start)
    best = (q, q + len(quoted)) if q != -1 else None
    limit = len(low) if best is None else best[0]
    pos = low.find(lname, start, limit + len(lname))
    n = len(lname)
    while pos != -1 and pos < limit:
        before = low[pos - 1] if pos > 0 else ""
        after = low[pos + n] if pos + n < len(low) else ""
        if not (before and (_word(before) or before == '"')) and not (after and _word(after)):
            return pos, pos + n
        pos = low.find(lname, pos + 1, limit + n)
    return best


def stmt_site(stmt, span: tuple[int, int] | None = None) -> Site:
    start, end = span if span is not None else (stmt.start, stmt.end)
    return Site(stmt.migration, start, end, stmt.sql)


def breaking_drops(statements, ctx, remove_types: tuple[str, ...], recreate_ok: bool) -> Iterator[tuple]:
    """(stmt, Dropped) for each object a DROP of `remove_types` removes that readers may still
    use: not in a down migration, not created earlier in the same file, not the old half of
    a swap, and (with `recreate_ok`) not given back its name later in the file."""
    session = ctx.session
    for stmt in statements:
        if stmt.kind != "DropStmt" or stmt.node.get("removeType") not in remove_types or is_down(stmt):
            continue
        for obj in dropped_objects(stmt, ctx.model):
            if new_before(session, obj.key, stmt.index) or swapped_out(session, obj.key):
                continue
            if recreate_ok and replaced_after(session, obj.key, stmt.index):
                continue
            yield stmt, obj


def existing_table_actions(statements, ctx, subtype: str) -> Iterator[tuple]:
    """(position in `statements`, statement, table key, subcommand) for each ALTER TABLE
    subcommand of `subtype` on a table that predates this file, in an up migration: a
    breaking change to something created earlier in the same file breaks no reader."""
    session = ctx.session
    for i, stmt in enumerate(statements):
        node = stmt.node
        if stmt.kind != "AlterTableStmt" or not is_table_alter(node) or is_down(stmt):
            continue
        key = ctx.key(node["relation"])
        if new_before(session, key, stmt.index):
            continue
        for cmd in alter_commands(node):
            if cmd.get("subtype") == subtype:
                yield i, stmt, key, cmd


def swapped_in(session, key: tuple, index: int) -> bool:
    """Before statement `index`, this file renamed the object called `key` away: taking the
    name now is the second half of a swap."""
    return any(old == key and session.named_at.get(new, 1 << 30) < index
               for new, old in session.renamed_from.items())


def clause_span(stmt, prefix: str, name: str, suffix: str = "") -> tuple[int, int]:
    """Span of identifier `name` right after the regex `prefix` (e.g. `DROP\\s+(?:COLUMN\\s+)?`)
    and before the regex `suffix` in the statement text; the statement if not found."""
    text = stmt.text
    if text.isascii() and "\x00" not in name:
        # One compiled pattern per (prefix, suffix): the name is passed in the subject and
        # matched by backreference. A pattern per name cost 0.3 ms to compile, for nearly
        # every finding. Same result as below for ASCII text, where case-insensitive
        # backreferences and literals agree (they differ only on folds such as U+017F).
        quoted = '"' + name.replace('"', '""') + '"'
        m = _clause_regex(prefix, suffix).match(f"{quoted}\x00{name}\x00{text}")
        if m is None:
            return stmt.start, stmt.end
        shift = len(quoted) + len(name) + 2
        return stmt.start + m.start("id") - shift, stmt.start + m.end("id") - shift
    return _clause_span_search(stmt, prefix, name, suffix)


def _clause_span_search(stmt, prefix: str, name: str, suffix: str) -> tuple[int, int]:
    quoted = re.escape('"' + name.replace('"', '""') + '"')
    m = re.search(rf"{prefix}(?:IF\s+EXISTS\s+)?({quoted}|{re.escape(name)}(?![\w$])){suffix}", stmt.text, re.I)
    if m is None:
        return stmt.start, stmt.end
    return stmt.start + m.start(1), stmt.start + m.end(1)


@lru_cache(maxsize=64)
def _clause_regex(prefix: str, suffix: str) -> re.Pattern[str]:
    # Subject: `"quoted"\0name\0statement`; the lazy `.*?` tries each start position in
    # turn, as `re.search` does.
    return re.compile(
        r"\A(?P<q>[^\x00]*)\x00(?P<n>[^\x00]*)\x00(?s:.*?)"
        rf"(?:{prefix})(?:IF\s+EXISTS\s+)?(?P<id>(?P=q)|(?P=n)(?![\w$]))(?:{suffix})",
        re.I,
    )
