"""The schema as a Mermaid `erDiagram`, which GitHub renders in markdown and comments.

Mermaid's lexer (erDiagram.jison) limits what a bare word may hold: an attribute's type and
name are `[A-Za-z_*\\u00C0-\\uFFFF][A-Za-z0-9_\\-\\[\\]()\\u00C0-\\uFFFF*]*`, and an entity
name that is not such a word, or is one of the diagram's keywords (`class`, `style`, ...),
goes in double quotes, which may not hold `"`, `%` or a backslash. Types are therefore
written with PostgreSQL's short names where it has one (`timestamptz`, `varchar(255)`) and
with `_` for a space or a comma (`numeric(10_2)`, older Mermaid releases reject the comma);
a column whose name had to change keeps its real name in the attribute's comment.
Mermaid has no per-attribute style: changes are markers, `+ added`, `- dropped`, `~ altered`,
in the attribute's comment and after a changed table's name. The attribute's comment holds
the column's COMMENT ON only when it holds neither (one short note stays readable); a
table's comment has no place in the grammar.
"""

from __future__ import annotations

import re

from schemalint.erd.picture import Picture, picture

MARKERS = {"added": "+ added", "dropped": "- dropped", "altered": "~ altered"}
# Relationship ends: (parent side, child side) for each cardinality.
_PARENT = {False: "||", True: "|o"}  # exactly one / zero or one (a nullable key column)
_CHILD = {False: "o{", True: "o|"}  # zero or more / zero or one (unique key columns)
_WORD = re.compile(r"[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\-\[\]()\u00C0-\uFFFF]*")
_NOT_WORD_CHAR = re.compile(r"[^A-Za-z0-9_\-\[\]()\u00C0-\uFFFF]")
# Words Mermaid 11's erDiagram grammar reads as its own (case-insensitively), each found to
# break a diagram as a bare entity name (`direction`, for the lexer's `direction TB` rule) or
# as an attribute's type or name: never bare.
_ENTITY_KEYWORDS = frozenset({"erdiagram", "class", "classdef", "style", "direction", "accdescr",
                              "end", "subgraph", "one", "many", "to", "pk", "fk", "uk"})
_ATTRIBUTE_KEYWORDS = frozenset({"pk", "fk", "uk"})
_SHORT_TYPES = (
    ("timestamp with time zone", "timestamptz"), ("timestamp without time zone", "timestamp"),
    ("time with time zone", "timetz"), ("time without time zone", "time"),
    ("character varying", "varchar"), ("bit varying", "varbit"),
    ("double precision", "float8"),
)
_QUOTED_BAD = re.compile(r'["%\\\r\n\v\b]')


def render(data: dict, marks: dict | None = None, columns: str = "all") -> str:
    return diagram(picture(data, marks, columns))


def diagram(pic: Picture, indent: str = "    ") -> str:
    names = {e.key: entity_name(e.label, e.status) for e in pic.entities + pic.dropped}
    out = ["erDiagram"]
    for e in pic.entities + pic.dropped:
        if not e.columns:
            out.append(f"{indent}{names[e.key]}")
            continue
        out.append(f"{indent}{names[e.key]} {{")
        for c in e.columns:
            name = attribute_name(c.name)
            notes = [MARKERS[c.status]] if c.status else []
            if name != c.name:
                notes.append(c.name)
            if not notes and c.comment:
                notes.append(c.comment)
            line = f"{indent * 2}{type_word(c.type)} {name}"
            if c.roles:
                line += " " + ", ".join(c.roles)
            if notes:
                line += ' "' + _comment("; ".join(notes)) + '"'
            out.append(line)
        out.append(f"{indent}}}")
    for edge in pic.edges:
        line = "--" if edge.identifying else ".."
        out.append(f"{indent}{names[edge.parent]} {_PARENT[edge.parent_optional]}{line}"
                   f"{_CHILD[edge.child_unique]} {names[edge.child]} : \"{_comment(edge.name)}\"")
    return "\n".join(out) + "\n"


def entity_name(label: str, status: str | None = None) -> str:
    """A table's name in the diagram: bare when Mermaid's lexer allows, else quoted; a
    changed table's name carries its marker (`"orders (+ added)"`)."""
    if status:
        label = f"{label} ({MARKERS[status]})"
    if _WORD.fullmatch(label) and label.lower() not in _ENTITY_KEYWORDS and "-" not in label:
        return label
    return '"' + _QUOTED_BAD.sub("_", label) + '"'


def attribute_name(name: str) -> str:
    word = _NOT_WORD_CHAR.sub("_", name).replace("-", "_") or "_"
    if not _WORD.fullmatch(word) or word.lower() in _ATTRIBUTE_KEYWORDS:
        word = "_" + word
    return word


def type_word(type_text: str) -> str:
    for long, short in _SHORT_TYPES:
        if type_text.startswith(long):
            type_text = short + type_text[len(long):]
            break
    # `timestamp(3) with time zone` keeps its precision before the zone.
    for base, zone, short in (("timestamp", " with time zone", "timestamptz"),
                              ("timestamp", " without time zone", "timestamp"),
                              ("time", " with time zone", "timetz"),
                              ("time", " without time zone", "time")):
        if type_text.startswith(base + "(") and zone in type_text:
            type_text = short + type_text[len(base):].replace(zone, "")
            break
    word = _NOT_WORD_CHAR.sub("_", type_text.replace('"', ""))
    return word if _WORD.fullmatch(word) and word.lower() not in _ATTRIBUTE_KEYWORDS else "_" + word


def _comment(text: str) -> str:
    return text.replace('"', "'").replace("%", "pct")
