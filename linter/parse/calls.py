"""Arguments of function calls in a parse tree, as migrations call extensions' management
functions (`SELECT create_hypertable('t', by_range('time'), migrate_data => true)`)."""

from __future__ import annotations

from schemalint.parse.names import const_value, qualified_key, strings


def function_calls(node: dict, name: str):
    """The calls of function `name` (any schema) in the select list or the FROM list of a
    SELECT (`SELECT f(...)`, `SELECT * FROM f(...)`): how migrations call TimescaleDB's and
    PostGIS's management functions."""
    found = [((item.get("ResTarget") or {}).get("val") or {}).get("FuncCall")
             for item in node.get("targetList") or ()]
    for item in node.get("fromClause") or ():
        for fn in (item.get("RangeFunction") or {}).get("functions") or ():
            found += [i.get("FuncCall") for i in (fn.get("List") or {}).get("items") or ()]
    for call in found:
        if call is not None and strings(call.get("funcname"))[-1:] == [name]:
            yield call


def call_argument(call: dict, position: int | None, names: tuple[str, ...]):
    """The argument at `position` (0-based; None: only by name) or passed by one of `names`
    (`name => value`); None when not given."""
    args = call.get("args") or ()
    for arg in args:
        named = arg.get("NamedArgExpr")
        if named is not None and named.get("name") in names:
            return named.get("arg")
    if position is None:
        return None
    positional = [a for a in args if "NamedArgExpr" not in a]
    return positional[position] if position < len(positional) else None


def is_true(expr) -> bool:
    """A boolean literal true as SQL writes it: `true`, `'true'`, `'on'`, `'yes'`, `1`."""
    value = const_value(expr)
    if isinstance(value, str):
        return value.strip().lower() in ("t", "true", "on", "yes", "y", "1")
    return value is True or value == 1


def regclass_key(expr, search_schema: str):
    """The (schema, table) of a `'name'` or `'schema.name'::regclass` argument, else None."""
    value = const_value(expr)
    if not isinstance(value, str) or not value:
        return None
    parts = [p.strip('"') if p.startswith('"') else p.lower() for p in value.split(".")]
    return qualified_key(parts, search_schema)
