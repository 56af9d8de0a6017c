"""Expression text from the parse trees the model keeps (defaults, CHECK expressions, index
expressions and predicates), for `schemalint schema`. pglast's printer works on its own node
objects, so the libpg_query JSON is turned into them first; casts are written `x::type`, as
PostgreSQL's own deparser (pg_get_expr) writes them. Loaded only by a dump that prints
expressions (model/dump.py): pglast's printers cost ~100 ms to import."""

from __future__ import annotations

from pglast import ast
from pglast.stream import RawStream

# A_Const's value fields in libpg_query JSON -> pglast's value node, its field and the
# value an omitted field stands for (JSON leaves out zeros and false).
_VALUES = {"ival": ("Integer", 0), "sval": ("String", ""), "fval": ("Float", "0"),
           "boolval": ("Boolean", False), "bsval": ("BitString", "")}
_BY_CLASS = {cls: (field, default) for field, (cls, default) in _VALUES.items()}


# Texts by expression, parser locations left out: a history repeats its defaults (`now()`,
# `0`, `''::text`) on hundreds of columns, and printing one takes pglast ~1 ms. Bounded, for
# long-lived processes (the language server).
_TEXTS: dict[tuple, str] = {}
_TEXTS_MAX = 20_000


def expression_text(node: dict | None) -> str | None:
    """The SQL text of a libpg_query JSON expression; None without one."""
    if not node:
        return None
    key = _shape(node)
    text = _TEXTS.get(key)
    if text is None:
        try:
            text = _Stream()(_to_ast(node))
        except Exception:  # noqa: BLE001 - a construct pglast cannot print: say so, keep going
            text = "?"
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        _TEXTS[key] = text
    return text


def _shape(value):
    """A hashable copy of a JSON tree without its `location` fields (where a node was
    written, which does not change its text)."""
    if isinstance(value, dict):
        return tuple((k, _shape(v)) for k, v in value.items() if k != "location")
    if isinstance(value, list):
        return tuple(_shape(v) for v in value)
    return value


class _Stream(RawStream):
    def print_node(self, node, is_name=False, is_symbol=False):
        if isinstance(node, ast.TypeCast) and node.arg is not None:
            simple = isinstance(node.arg, (ast.A_Const, ast.ColumnRef, ast.FuncCall, ast.TypeCast,
                                           ast.ParamRef, ast.SQLValueFunction))
            if not simple:
                self.write("(")
            super().print_node(node.arg)
            if not simple:
                self.write(")")
            self.write("::")
            super().print_node(node.typeName)
            return
        super().print_node(node, is_name, is_symbol)


def _to_ast(value, c_type: str | None = None):
    if isinstance(value, list):
        return tuple(_to_ast(v) for v in value)
    if not isinstance(value, dict):
        return value
    if c_type and c_type.endswith("*") and c_type[:-1] not in ("Node", "List", "Expr"):
        name = c_type[:-1]
        if hasattr(ast, name):
            return _node(name, value)
    if len(value) == 1:
        ((name, fields),) = value.items()
        if name == "List":
            return tuple(_to_ast(v) for v in fields.get("items") or ())
        if isinstance(fields, dict) and hasattr(ast, name):
            return _node(name, fields)
    raise ValueError(f"not an expression node: {sorted(value)[:3]}")


def _node(name: str, fields: dict):
    if name == "A_Const":
        data = {"@": name, "isnull": bool(fields.get("isnull"))}
        for key, (cls, default) in _VALUES.items():
            if key in fields:
                data["val"] = {"@": cls, key: fields[key].get(key, default)}
        return ast.A_Const(data)
    if name in _BY_CLASS:
        field, default = _BY_CLASS[name]
        return getattr(ast, name)({"@": name, field: fields.get(field, default)})
    cls = getattr(ast, name)
    slots = cls.__slots__
    data = {"@": name}
    for key, val in fields.items():
        info = slots.get(key)
        if info is None:
            continue
        data[key] = _to_ast(val, getattr(info, "c_type", None))
    return cls(data)
