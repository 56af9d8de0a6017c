"""The columns a query filters and joins on, read from its parse tree (pglast's JSON, as
`schemalint.parse` gives it): the candidates for an index.

A column counts when it is compared with something (`=`, `IN`, `<`, `>`, `<=`, `>=`,
`BETWEEN`, `LIKE`): an equality makes it a leading column, a range a trailing one, as a
B-tree uses them (PostgreSQL "Multicolumn Indexes": equality constraints on leading
columns, plus inequality on the first column without one, limit the index scanned)."""

from __future__ import annotations

from dataclasses import dataclass, field

_EQUAL = {"=": "eq"}
_RANGE = {"<": "range", ">": "range", "<=": "range", ">=": "range", "~~": "range"}
_KINDS = {"AEXPR_OP", "AEXPR_IN", "AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN", "AEXPR_LIKE"}


@dataclass
class Predicates:
    # Each name a column may be qualified with (alias, or the table's own name) -> the table,
    # schema-qualified unless in public.
    tables: dict[str, str] = field(default_factory=dict)
    # (qualifier or None, column, "eq" | "range"), in the order they are written.
    columns: list[tuple[str | None, str, str]] = field(default_factory=list)


def predicates(node: dict) -> Predicates:
    out = Predicates()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(reversed(n))
            continue
        if not isinstance(n, dict):
            continue
        var = n.get("RangeVar")
        if isinstance(var, dict) and "relname" in var:
            name = var["relname"] if var.get("schemaname") in (None, "public") else \
                f"{var['schemaname']}.{var['relname']}"
            alias = (var.get("alias") or {}).get("aliasname")
            out.tables[alias or var["relname"]] = name
            out.tables.setdefault(name, name)
        expr = n.get("A_Expr")
        if isinstance(expr, dict) and expr.get("kind") in _KINDS:
            _compared(expr, out.columns)
        stack.extend(reversed(list(n.values())))
    return out


def _compared(expr: dict, columns: list) -> None:
    op = _operator(expr)
    kind = expr.get("kind")
    how = ("eq" if kind == "AEXPR_IN" and op == "=" else
           "range" if kind in ("AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN", "AEXPR_LIKE") else
           _EQUAL.get(op) or _RANGE.get(op))
    if how is None:
        return
    for side in (expr.get("lexpr"), expr.get("rexpr")):
        ref = _column(side)
        if ref is not None and (*ref, how) not in columns:
            columns.append((*ref, how))


def _operator(expr: dict) -> str:
    names = expr.get("name") or []
    last = names[-1] if names else {}
    return (last.get("String") or {}).get("sval", "")


def _column(node) -> tuple[str | None, str] | None:
    """(qualifier, column) of a plain column reference, else None."""
    if not isinstance(node, dict):
        return None
    if "TypeCast" in node:  # `created_at >= $1::date` compares the column all the same
        return _column(node["TypeCast"].get("arg"))
    ref = node.get("ColumnRef")
    if not isinstance(ref, dict):
        return None
    parts = [(f.get("String") or {}).get("sval") for f in ref.get("fields", ())]
    if not parts or None in parts:
        return None  # `*`, `t.*`
    if len(parts) == 1:
        return None, parts[0]
    return ".".join(parts[:-1]), parts[-1]
