"""Helpers to read names and types out of libpg_query JSON nodes."""

from __future__ import annotations

from functools import lru_cache

from schemalint.lazyre import lazy

# Type names as the parser spells them (pg_catalog internal names) -> what users write.
_TYPE_DISPLAY = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "bpchar": "char",
    "timestamptz": "timestamptz",
    "timetz": "timetz",
}

SERIAL_TYPES = {"serial": "int4", "serial4": "int4", "bigserial": "int8", "serial8": "int8",
                "smallserial": "int2", "serial2": "int2"}


def option_on(items, name: str) -> bool:
    """Whether a utility statement's option list (`VACUUM (FULL false)`, `REINDEX (CONCURRENTLY)`)
    turns `name` on, as PostgreSQL's defGetBoolean reads it: no value, true, on or 1; false, off
    or 0 turn it off (any other value is an error there: taken as on). The last mention wins,
    as in ExecVacuum / ExecReindex (`REINDEX (CONCURRENTLY false) TABLE CONCURRENTLY t` is
    concurrent: the keyword is appended to the list)."""
    on = False
    for item in items or ():
        elem = item.get("DefElem")
        if elem is None or elem.get("defname") != name:
            continue
        arg = elem.get("arg")
        if arg is None:
            on = True
        elif "Integer" in arg:
            on = arg["Integer"].get("ival", 0) != 0
        else:
            on = ((arg.get("String") or {}).get("sval") or "").lower() not in ("false", "off")
    return on


def nodes_of(tree, kind: str):
    """Every node of `kind` (the value under that key: "RangeVar", "ParamRef", ...) anywhere
    in a parse tree, in the order they are written."""
    stack = [tree]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            found = cur.get(kind)
            if isinstance(found, dict):
                yield found
            stack.extend(reversed(cur.values()))
        elif isinstance(cur, list):
            stack.extend(reversed(cur))


def strings(items) -> list[str]:
    """[{'String': {'sval': 'a'}}, ...] -> ['a', ...]"""
    out = []
    for item in items or ():
        s = item.get("String")
        if s is not None:
            out.append(s.get("sval", ""))
        elif "A_Star" in item:
            out.append("*")
    return out


def relation_key(rangevar: dict, default_schema: str = "public") -> tuple[str, str]:
    return (rangevar.get("schemaname") or default_schema, rangevar.get("relname", ""))


def qualified_key(names: list[str], default_schema: str = "public") -> tuple[str, str]:
    """['s', 't'] or ['t'] (or catalog.schema.t) -> (schema, name)."""
    if len(names) >= 2:
        return names[-2], names[-1]
    return default_schema, names[0] if names else ""


# Rules build names for every statement they look at; the same few thousand names recur,
# so both are memoised (bounded) rather than re-scanned character by character.
def display_name(key: tuple[str, str]) -> str:
    return _display_name(tuple(key))


def column_display_name(table_key: tuple[str, str], column: str) -> str:
    """`schema.table.column` as messages show it (schema omitted for public)."""
    return f"{_display_name(tuple(table_key))}.{quote_ident(column)}"


@lru_cache(maxsize=8192)
def _display_name(key: tuple[str, str]) -> str:
    schema, name = key
    shown = quote_ident(name)
    return shown if schema == "public" else f"{quote_ident(schema)}.{shown}"


_PLAIN_ASCII = lazy(r"[a-z_][a-z0-9_$]*")


@lru_cache(maxsize=8192)
def quote_ident(name: str) -> str:
    if name.isascii():
        plain = _PLAIN_ASCII().fullmatch(name) is not None
    else:
        plain = (name[0].isalpha() or name[0] == "_") and all(
            c.islower() or c.isdigit() or c in "_$" for c in name
        )
    if plain and name not in _RESERVED_FOR_QUOTING:
        return name
    return '"' + name.replace('"', '""') + '"'


# Keywords that can never be bare identifiers (a subset of the reserved list; enough
# for quoting names we print). The full list lives with the reserved-keyword rule.
_RESERVED_FOR_QUOTING = frozenset(
    "all analyse analyze and any array as asc asymmetric both case cast check collate column "
    "constraint create current_catalog current_date current_role current_time current_timestamp "
    "current_user default deferrable desc distinct do else end except false fetch for foreign "
    "from grant group having in initially intersect into lateral leading limit localtime "
    "localtimestamp not null offset on only or order placing primary references returning "
    "select session_user some symmetric system_user table then to trailing true union unique "
    "user using variadic when where window with".split()
)


def type_name(type_node: dict) -> str:
    """The base type name without pg_catalog and without modifiers: 'int4', 'varchar', 'uuid'."""
    items = type_node.get("names")
    if items and len(items) <= 2:  # the usual `name` or `pg_catalog.name`: no list built
        last = items[-1].get("String")
        if last is not None:
            if len(items) == 1:
                return last.get("sval", "")
            first = items[0].get("String")
            if first is not None and first.get("sval", "") == "pg_catalog":
                return last.get("sval", "")
    names = strings(items)
    if len(names) > 1 and names[0] == "pg_catalog":
        names = names[1:]
    return ".".join(names)


def type_mods(type_node: dict) -> tuple:
    typmods = type_node.get("typmods")
    if not typmods:
        return ()  # most types: one lookup, no list (once per column of a history)
    mods = []
    for m in typmods:
        const = m.get("A_Const")
        if const and "ival" in const:
            mods.append(const["ival"].get("ival", 0))
        elif const and "sval" in const:
            mods.append(const["sval"].get("sval"))
        else:
            mods.append(None)
    return tuple(mods)


def is_array(type_node: dict) -> bool:
    return bool(type_node.get("arrayBounds"))


def format_type(name: str, mods: tuple = (), array: bool = False) -> str:
    base = _TYPE_DISPLAY.get(name, name)
    if mods:
        base += "(" + ", ".join(str(m) for m in mods) + ")"
    return base + ("[]" if array else "")


def const_value(node: dict | None):
    """The Python value of an A_Const (or a TypeCast of one), else None."""
    if not node:
        return None
    if "TypeCast" in node:
        return const_value(node["TypeCast"].get("arg"))
    const = node.get("A_Const")
    if const is None:
        return None
    for key, inner in (("ival", "ival"), ("sval", "sval"), ("fval", "fval"), ("boolval", "boolval")):
        if key in const:
            return const[key].get(inner, 0 if key == "ival" else False if key == "boolval" else "")
    return None
