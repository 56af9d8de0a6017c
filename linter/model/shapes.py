"""What the model keeps of parse-tree expressions: location-free canonical forms of index
elements and predicates (to tell duplicate and redundant indexes), and the columns a CHECK
constraint proves NOT NULL."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _ascii_str  # json.dumps's own

from schemalint.parse.names import strings


def _strip_locations(node):
    if isinstance(node, dict):
        return {k: _strip_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_strip_locations(v) for v in node]
    return node


def shape(node: dict) -> str:
    """A location-free canonical form of a node, to compare index elements and predicates."""
    return json.dumps(_strip_locations(node), sort_keys=True, separators=(",", ":"))


def element_shape(elem: dict) -> str:
    """An index element without the parser's defaults: `(a)` from CREATE INDEX equals the
    `(a)` of a UNIQUE constraint; ASC is btree's default order."""
    name = elem.get("name")
    if (name and type(name) is str and elem.get("ordering") in (None, "SORTBY_DEFAULT", "SORTBY_ASC")
            and elem.get("nulls_ordering") in (None, "SORTBY_NULLS_DEFAULT")
            and not (elem.get("expr") or elem.get("collation") or elem.get("opclass")
                     or elem.get("opclassopts"))):
        # A plain column, nearly every element: what `general_element_shape` writes for it.
        return '{"name":' + _ascii_str(name) + "}"
    return general_element_shape(elem)


def general_element_shape(elem: dict) -> str:
    kept = {k: elem[k] for k in ("name", "expr", "collation", "opclass", "opclassopts") if elem.get(k)}
    if elem.get("ordering") not in (None, "SORTBY_DEFAULT", "SORTBY_ASC"):
        kept["ordering"] = elem["ordering"]
    if elem.get("nulls_ordering") not in (None, "SORTBY_NULLS_DEFAULT"):
        kept["nulls_ordering"] = elem["nulls_ordering"]
    return shape(kept)


def not_null_columns_of(expr: dict | None) -> frozenset:
    """Columns a CHECK expression proves non-null: `a IS NOT NULL AND b IS NOT NULL` -> {a, b}.
    PostgreSQL 12+ uses such a validated constraint to skip SET NOT NULL's scan."""
    expr = expr or {}
    bool_expr = expr.get("BoolExpr")
    if bool_expr and bool_expr.get("boolop") == "AND_EXPR":
        out: frozenset = frozenset()
        for arg in bool_expr.get("args") or ():
            out |= not_null_columns_of(arg)
        return out
    test = expr.get("NullTest")
    wanted = "IS_NOT_NULL"
    if bool_expr and bool_expr.get("boolop") == "NOT_EXPR" and len(bool_expr.get("args") or ()) == 1:
        # NOT (a IS NULL): the planner's eval_const_expressions negates it to a IS NOT NULL.
        test, wanted = (bool_expr["args"][0] or {}).get("NullTest"), "IS_NULL"
    if not test or test.get("nulltesttype") != wanted:
        return frozenset()
    fields = strings((test.get("arg") or {}).get("ColumnRef", {}).get("fields"))
    return frozenset(fields[-1:]) if len(fields) == 1 else frozenset()


def null_filter_of(expr: dict | None) -> frozenset | None:
    """The columns a partial index's predicate only excludes the NULLs of: `a IS NOT NULL
    [AND b IS NOT NULL ...]` (or `NOT (a IS NULL)`) -> {a, b}; None for any other predicate.
    A lookup `a = $1` implies `a IS NOT NULL` (= is strict), so the planner can use such an
    index for it (predtest.c: predicate_implied_by)."""
    expr = expr or {}
    bool_expr = expr.get("BoolExpr")
    if bool_expr and bool_expr.get("boolop") == "AND_EXPR":
        out: frozenset = frozenset()
        for arg in bool_expr.get("args") or ():
            cols = null_filter_of(arg)
            if cols is None:
                return None
            out |= cols
        return out
    cols = not_null_columns_of(expr)
    return cols or None
