"""A schema diff (compare.py's data) as text or markdown."""

from __future__ import annotations

from html import escape

from schemalint.model.dump import qualified_text

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
