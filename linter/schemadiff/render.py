"""A schema diff (compare.py's data) as text or markdown."""

from __future__ import annotations

from html import escape

from schemalint.model.dump import qualified_text

# Mermaid's defaults (mermaid.js.org, config schema): a diagram over maxTextSize characters or
# with more than maxEdges edges is not drawn, an error is shown instead. GitHub renders with them.
MERMAID_MAX_TEXT = 50_000
MERMAID_MAX_EDGES = 500
# A pull request comment holds at most 65,536 characters (the Action's COMMENT_LIMIT keeps a
# margin): the schema section takes at most this much of it, leaving the rest to the findings.
SECTION_BUDGET = 30_000
# The diff's lines take at most this much of the section; the ERD gets what is left.
DIFF_BUDGET = 12_000
# The ERD starts open up to this many tables.
ERD_OPEN_TABLES = 12

# The heading of the section: the Action comments on a pull request that has it.
SCHEMA_CHANGES = "#### Schema changes: "

_SIGNS = {"added": "+", "dropped": "-", "altered": "~", "renamed": "~"}
_KINDS = (("columns", "column"), ("indexes", "index"), ("foreign_keys", "foreign key"),
          ("checks", "check"))


def summary(diff: dict) -> str:
    """`2 tables added, 1 altered` or `no schema changes`."""
    counts: dict[str, int] = {}
    for t in diff["tables"]:
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    parts = [f"{n} {status}" for status in ("added", "dropped", "altered", "renamed")
             if (n := counts.get(status))]
    others = len(diff["enums"]) + len(diff["sequences"])
    text = (f"{sum(counts.values())} table{'s' if sum(counts.values()) != 1 else ''} changed "
            f"({', '.join(parts)})") if parts else ""
    if others:
        text += ("; " if text else "") + f"{others} type{'s' if others != 1 else ''} or sequence" \
                                         f"{'s' if others != 1 else ''} changed"
    return text or "no schema changes"


def _value(field: str, value) -> str:
    if field == "nullable":
        return "null" if value else "not null"
    if field == "unique":
        return "unique" if value else "not unique"
    if field == "references" and isinstance(value, dict):
        return f"{qualified_text(value['schema'], value['table'] or '?')} ({', '.join(value['columns'])})"
    if isinstance(value, list):
        return f"({', '.join(value)})"
    return "none" if value is None else str(value)


def _definition(kind: str, d: dict) -> str:
    if kind == "columns":
        text = d["type"] or "?"
        text += "" if d["nullable"] else " not null"
        if d["identity"]:
            text += f" generated {d['identity']} as identity"
        return text + (f" default {d['default']}" if d["default"] is not None else "")
    if kind == "indexes":
        where = f" where {d['where']}" if d["where"] else ""
        return f"{'unique ' if d['unique'] else ''}using {d['method']} ({', '.join(d['columns'])}){where}"
    if kind == "foreign_keys":
        return f"({', '.join(d['columns'])}) references {_value('references', d['references'])} " \
               f"on delete {d['on_delete']}"
    return f"({d['expression']})"


def element_line(kind: str, label: str, e: dict) -> str:
    """One changed element, e.g. `~   column age: type integer -> bigint; null -> not null`
    (the sign first, as a unified diff has it, so markdown's `diff` blocks colour it)."""
    text = f"{_SIGNS[e['status']]}   {label} {e['name']}"
    if e["renamed_from"]:
        text += f" (renamed from {e['renamed_from']})"
    if e["status"] in ("added", "dropped"):
        return f"{text} {_definition(kind, e['definition'])}"
    changes = "; ".join(f"{field} {_value(field, c['from'])} -> {_value(field, c['to'])}"
                        for field, c in e["changes"].items())
    return f"{text}: {changes}" if changes else text


def _table_lines(t: dict) -> list[str]:
    head = f"{_SIGNS[t['status']]} table {qualified_text(t['schema'], t['name'])}"
    if t["renamed_from"]:
        head += f" (renamed from {qualified_text(t['renamed_from']['schema'], t['renamed_from']['name'])})"
    lines = [head]
    if "kind" in t:
        lines.append(f"~   kind {t['kind']['from']} -> {t['kind']['to']}")
    if "comment" in t:
        lines.append(f"~   comment {_value('comment', t['comment']['from'])} -> "
                     f"{_value('comment', t['comment']['to'])}")
    lines += [element_line(kind, label, e) for kind, label in _KINDS[:1] for e in t[kind]]
    pk = t["primary_key"]
    if pk:
        if t["status"] in ("added", "dropped"):
            lines.append(f"{_SIGNS[t['status']]}   primary key {_value('columns', pk['from'] or pk['to'])}")
        else:
            lines.append(f"~   primary key {_value('columns', pk['from'] or [])} -> "
                         f"{_value('columns', pk['to'] or [])}")
    lines += [element_line(kind, label, e) for kind, label in _KINDS[1:] for e in t[kind]]
    return lines


def _type_lines(diff: dict) -> list[str]:
    lines = []
    for e in diff["enums"]:
        changes = "; ".join(f"values ({', '.join(c['from'])}) -> ({', '.join(c['to'])})"
                            for c in e["changes"].values())
        lines.append(f"{_SIGNS[e['status']]} enum {qualified_text(e['schema'], e['name'])}"
                     + (f": {changes}" if changes else ""))
    lines += [f"{_SIGNS[s['status']]} sequence {qualified_text(s['schema'], s['name'])}"
              for s in diff["sequences"]]
    return lines


def diff_text(diff: dict, title: str = "schema diff") -> str:
    out = [f"{title}: {summary(diff)}"]
    if diff["note"]:
        out.append(f"note: {diff['note']}")
    for t in diff["tables"]:
        out += _table_lines(t)
    out += _type_lines(diff)
    return "\n".join(out) + "\n"


def diff_markdown(diff: dict, title: str = "Schema diff", open_limit: int = 40) -> str:
    """A section for a pull request: the summary, then the changes in a code block with the
    diff syntax (GitHub colours + and - lines), collapsed beyond `open_limit` lines."""
    body = []
    for t in diff["tables"]:
        body += _table_lines(t)
    body += _type_lines(diff)
    out = [f"#### {title}: {escape(summary(diff))}", ""]
    if diff["note"]:
        out += [f"> {escape(diff['note'])}", ""]
    if not body:
        return "\n".join(out)
    block = ["```diff", *(line.replace("```", "`\u200b``") for line in body), "```"]
    if len(body) > open_limit:
        return "\n".join([*out, "<details><summary>the changes, table by table</summary>", "",
                          *block, "", "</details>", ""])
    return "\n".join([*out, *block, ""])


def review_markdown(diff: dict, mermaid: str | None = None, tables: list[str] | None = None,
                    edges: int = 0, budget: int = SECTION_BUDGET) -> str:
    """The schema section of a pull request comment: the diff (cut, with a note, beyond
    DIFF_BUDGET) and the Mermaid ERD of the touched tables, collapsed when large; the ERD
    becomes a list of the tables when it would break Mermaid's limits or the budget. Never
    longer than `budget` characters. Empty when nothing changed."""
    if not diff["tables"] and not diff["enums"] and not diff["sequences"]:
        return ""
    body = []
    for t in diff["tables"]:
        body += _table_lines(t)
    body += _type_lines(diff)
    lines, size = [], 0
    for line in body:
        size += len(line) + 1
        if size > min(DIFF_BUDGET, budget // 2) - 80:  # room for the note below
            lines.append(f"... {len(body) - len(lines)} more lines: `schemalint diff` shows them all")
            break
        lines.append(line.replace("```", "`\u200b``"))
    out = [f"{SCHEMA_CHANGES}{escape(summary(diff))}", ""]
    if diff["note"]:
        out += [f"> {escape(diff['note'])}", ""]
    block = ["```diff", *lines, "```"]
    if len(lines) > 40:
        block = ["<details><summary>the changes, table by table</summary>", "", *block, "", "</details>"]
    out += [*block, "", ""]
    text = "\n".join(out)
    tables = tables or []
    if not tables:
        return text
    room = budget - len(text)
    label = (f"ERD: {len(tables)} table{'s' if len(tables) != 1 else ''} (those changed, and "
             "those one foreign key away)")
    is_open = " open" if len(tables) <= ERD_OPEN_TABLES else ""
    fence = f"<details{is_open}><summary>{label}</summary>\n\n```mermaid\n"
    closing = "```\n\n</details>\n"
    if (mermaid and len(mermaid) <= MERMAID_MAX_TEXT and edges <= MERMAID_MAX_EDGES
            and len(fence) + len(mermaid) + len(closing) <= room):
        return text + fence + mermaid.rstrip("\n") + "\n" + closing
    if mermaid is None:
        head = f"<details><summary>{label}</summary>\n\n"
    else:
        why = ("too large for Mermaid to draw" if len(mermaid) > MERMAID_MAX_TEXT or edges > MERMAID_MAX_EDGES
               else "too large for this comment")
        head = f"<details><summary>{label} ({why}: `schemalint schema --changed-since` draws it)</summary>\n\n"
    names, used = [], len(text) + len(head) + 20
    for name in tables:
        used += len(name) + 5
        if used > budget:
            names.append(f"- ... {len(tables) - len(names)} more")
            break
        names.append(f"- `{name}`")
    return text + head + "\n".join(names) + "\n\n</details>\n"
