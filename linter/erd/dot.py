"""The schema as a Graphviz DOT graph: a node per table with an HTML-like table label (a row
per column), an edge per foreign key from the referencing column's port to the referenced
column's. Changes are coloured: added green, dropped red (struck through, dashed border),
altered amber. A table's comment is a row under its title; the node's tooltip holds it and
the columns' comments. `dot -Tsvg` turns it into the SVG picture (commands/schema.py runs
it)."""

from __future__ import annotations

from schemalint.erd.picture import Entity, Picture, picture

# (background, text) per change.
COLOURS = {"added": ("#d8f0d8", "#1a6b1a"), "dropped": ("#f8d8d8", "#a31515"),
           "altered": ("#fdefc8", "#8a5a00")}
_HEADER = "#e8e8e8"
_BORDER = "#666666"


def render(data: dict, marks: dict | None = None, columns: str = "all") -> str:
    return graph(picture(data, marks, columns))


def graph(pic: Picture) -> str:
    out = [
        "digraph schema {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, nodesep=0.4, ranksep=0.9];',
        '  node [shape=plaintext, fontname="Helvetica", fontsize=10];',
        # Crow's foot ends: the parent's (tail) exactly one, the child's (head) zero or more.
        '  edge [fontname="Helvetica", fontsize=9, color="#555555", dir=both, '
        'arrowtail=teetee, arrowhead=crowodot];',
    ]
    by_key = {e.key: e for e in pic.entities}
    for e in pic.entities + pic.dropped:
        tip = _tooltip(e)
        tip = f", tooltip={tip}" if tip else ""
        out.append(f"  {_id(e.key)} [label=<{_label(e)}>{tip}];")
    for edge in pic.edges:
        child, parent = by_key[edge.child], by_key[edge.parent]
        attrs = [f"tooltip={_quote(edge.name)}"]
        if edge.parent_optional:
            attrs += ["style=dashed", "arrowtail=teeodot"]
        if edge.child_unique:
            attrs.append("arrowhead=teeodot")
        # Out of the referenced column's east side, into the referencing column's west side.
        out.append(f"  {_id(edge.parent)}:{_port(parent, edge.ref_columns, 'e')}:e -> "
                   f"{_id(edge.child)}:{_port(child, edge.columns, 'w')}:w [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _label(e: Entity) -> str:
    bg, fg = COLOURS.get(e.status, (_HEADER, "#000000"))
    style = f' style="dashed" color="{fg}"' if e.status == "dropped" else f' color="{_BORDER}"'
    title = _escape(e.label)
    if e.status == "dropped":
        title = f"<s>{title}</s>"
    title = f"<b>{title}</b>"
    if e.kind != "table":
        title += f" <i>({_escape(e.kind)})</i>"
    if e.status:
        title += f" <i>{e.status}</i>"
    rows = [f'<table border="1" cellborder="0" cellspacing="0" cellpadding="4" '
            f'{style}>',
            f'<tr><td colspan="3" port="_table" bgcolor="{bg}"><font color="{fg}">{title}'
            f"</font></td></tr>"]
    if e.comment:
        rows.append(f'<tr><td colspan="3" align="left"><i>{_escape(e.comment)}</i></td></tr>')
    for i, c in enumerate(e.columns):
        cbg, cfg = COLOURS.get(c.status, ("", ""))
        bgattr = f' bgcolor="{cbg}"' if cbg else ""
        name, type_text = _escape(c.name), _escape(c.type)
        if c.status == "dropped":
            name, type_text = f"<s>{name}</s>", f"<s>{type_text}</s>"
        if not c.nullable and c.status != "dropped":
            type_text += " not null"
        if cfg:
            name, type_text = (f'<font color="{cfg}">{name}</font>',
                               f'<font color="{cfg}">{type_text}</font>')
        keys = " ".join(c.roles)
        rows.append(f'<tr><td port="w{i}" align="left"{bgattr}>{name}</td>'
                    f'<td align="left"{bgattr}>{type_text}</td>'
                    f'<td port="e{i}" align="left"{bgattr}>{keys}</td></tr>')
    rows.append("</table>")
    return "".join(rows)


def _tooltip(e: Entity) -> str:
    """The table's comment and its columns' (`name: comment`), a line each (`\\n`, the
    line break of a DOT escString), as a quoted DOT string; "" when none has a comment."""
    lines = [e.comment] if e.comment else []
    lines += [f"{c.name}: {c.comment}" for c in e.columns if c.comment]
    if not lines:
        return ""
    return '"' + "\\n".join(_quote(line)[1:-1] for line in lines) + '"'


def _port(e: Entity, columns: tuple, side: str) -> str:
    """The first key column's row (its cell on `side`), or the table's title when the column
    is not drawn."""
    for i, c in enumerate(e.columns):
        if columns and c.name == columns[0] and c.status != "dropped":
            return f"{side}{i}"
    return "_table"


def _id(key: str) -> str:
    return _quote(key)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
