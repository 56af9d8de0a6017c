"""The schema as markdown: the Mermaid diagram, then a section per table (its comment,
columns, keys, indexes, foreign keys, checks), with a comment column when a column has a
comment and a change column when there are marks."""

from __future__ import annotations

from schemalint.erd import mermaid
from schemalint.erd.picture import Picture, one_line, picture


def render(data: dict, marks: dict | None = None, columns: str = "all", level: int = 1) -> str:
    pic = picture(data, marks, columns)
    return document(pic, bool(marks), level)


def document(pic: Picture, marked: bool = False, level: int = 1) -> str:
    h = "#" * level
    out = [f"{h} Schema", "", f"{_count(len(pic.entities), 'table')}, "
           f"{_count(len(pic.edges), 'foreign key')} between them.", ""]
    if pic.entities or pic.dropped:
        out += ["```mermaid", mermaid.diagram(pic).rstrip("\n"), "```", ""]
    for e in pic.entities:
        table = e.table
        title = _code(e.label) + ("" if e.kind == "table" else f" ({e.kind})")
        if e.status:
            title += f" — {mermaid.MARKERS[e.status]}"
        out += [f"{h}# {title}", ""]
        if e.comment:
            out += [_cell(e.comment), ""]
        if e.columns:
            head = "| column | type | nullable | default | key |"
            rule = "|---|---|---|---|---|"
            commented = any(c.comment for c in e.columns)
            if commented:
                head, rule = head + " comment |", rule + "---|"
            if marked:
                head, rule = head + " change |", rule + "---|"
            out += [head, rule]
            for c in e.columns:
                row = (f"| {_code(c.name)} | {_cell(c.type)} | {'yes' if c.nullable else 'no'} | "
                       f"{_code(c.default) if c.default is not None else ''} | "
                       f"{' '.join(c.roles)} |")
                if commented:
                    row += f" {_cell(c.comment) if c.comment else ''} |"
                if marked:
                    row += f" {mermaid.MARKERS[c.status] if c.status else ''} |"
                out.append(row)
            out.append("")
        facts = []
        if table["primary_key"]:
            facts.append(f"- primary key ({', '.join(_code(c) for c in table['primary_key'])})")
        for i in _by_name(table["indexes"]):
            where = f" where {_code(i['where'])}" if i["where"] else ""
            note = one_line(i.get("comment"))
            facts.append(f"- {'unique ' if i['unique'] else ''}index {_code(i['name'])} using "
                         f"{i['method']} ({', '.join(_code(c) for c in i['columns'])}){where}"
                         + (f": {_cell(note)}" if note else ""))
        for fk in _by_name(table["foreign_keys"]):
            ref = fk["references"]
            target = ref["table"] if ref["schema"] == "public" else f"{ref['schema']}.{ref['table']}"
            facts.append(f"- foreign key {_code(fk['name'])} "
                         f"({', '.join(_code(c) for c in fk['columns'])}) references "
                         f"{_code(target or '?')} ({', '.join(_code(c) for c in ref['columns'])}), "
                         f"on delete {fk['on_delete']}")
        for c in _by_name(table["checks"]):
            facts.append(f"- check {_code(c['name'])}: {_code(c['expression'])}")
        if facts:
            out += facts + [""]
    if pic.dropped:
        out += [f"{h}# Dropped tables", ""]
        out += [f"- {_code(e.label)}" for e in pic.dropped] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def _by_name(items: list) -> list:
    return sorted(items, key=lambda item: item["name"])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _code(text: str) -> str:
    """Inline code that a backtick or a pipe in the text cannot break."""
    text = text.replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
