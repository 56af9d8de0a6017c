"""The folded model as data: what `schemalint schema` prints, in the shape outside tools and
the fidelity check (bench/model_fidelity.py) read from PostgreSQL's catalog too.

    {"version": 1,
     "tables": [{"schema", "name", "kind", "comment", "columns": [{"name", "type", "nullable",
                 "default", "identity", "comment"}], "primary_key": [...], "indexes": [{"name",
                 "columns", "unique", "method", "where", "comment"}], "foreign_keys": [{"name",
                 "columns", "references": {"schema", "table", "columns"}, "on_delete"}],
                 "checks": [{"name", "expression"}]}],
     "enums": [{"schema", "name", "values"}], "sequences": [{"schema", "name"}]}

Types are spelled as PostgreSQL's format_type() spells them, defaults and expressions as
text; columns in table order, every other list by name. Pure: a model in, data out.
`expressions=False` leaves that text out for the pictures that draw none (Mermaid, DOT): each
default, CHECK, index expression and predicate is then `?` where there is one.
"""

from __future__ import annotations

import json

from schemalint.model.objects import Column, Index, Table
from schemalint.parse.names import quote_ident

VERSION = 1

# Type names as the parser leaves them -> format_type()'s spelling.
_TYPE_NAMES = {
    "bool": "boolean", "bpchar": "character", "varchar": "character varying", "int2": "smallint",
    "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
    "varbit": "bit varying", "char": '"char"', "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone", "time": "time without time zone",
    "timetz": "time with time zone", "decimal": "numeric",
}
# Types whose precision goes before `with[out] time zone`.
_TIME_ZONED = {"timestamp": ("timestamp", " without time zone"),
               "timestamptz": ("timestamp", " with time zone"),
               "time": ("time", " without time zone"), "timetz": ("time", " with time zone")}
# interval's range typmod (the fields after INTERVAL: datetime.h's bits) -> its words.
_MONTH, _YEAR, _DAY, _HOUR, _MINUTE, _SECOND = 2, 4, 8, 1024, 2048, 4096
_INTERVAL_RANGES = {
    _YEAR: "year", _MONTH: "month", _DAY: "day", _HOUR: "hour", _MINUTE: "minute",
    _SECOND: "second", _YEAR | _MONTH: "year to month", _DAY | _HOUR: "day to hour",
    _DAY | _HOUR | _MINUTE: "day to minute", _DAY | _HOUR | _MINUTE | _SECOND: "day to second",
    _HOUR | _MINUTE: "hour to minute", _HOUR | _MINUTE | _SECOND: "hour to second",
    _MINUTE | _SECOND: "minute to second",
}
_FULL_RANGE = 0x7FFF
# pg_constraint.confdeltype / libpg_query's fk_del_action letters.
_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_KINDS = {"table": "table", "view": "view", "materialized view": "materialized view",
          "foreign table": "foreign table"}


def format_type(name: str, mods: tuple = (), array: bool = False) -> str:
    """A column type as format_type() writes it: `integer`, `character varying(50)`,
    `timestamp(3) with time zone`, `text[]`, a user type by its (quoted) name, with its
    schema unless it is `public`."""
    if name in _TIME_ZONED:
        base, zone = _TIME_ZONED[name]
        text = base + (f"({mods[0]})" if mods and mods[0] is not None else "") + zone
    elif name == "interval":
        text = "interval"
        if mods and mods[0] not in (None, _FULL_RANGE):
            text += " " + _INTERVAL_RANGES.get(mods[0], "")
        if len(mods) > 1 and mods[1] is not None:
            text += f"({mods[1]})"
    elif name == "numeric" and mods:
        text = f"numeric({mods[0]},{mods[1] if len(mods) > 1 else 0})"
    else:
        if name in _TYPE_NAMES:
            text = _TYPE_NAMES[name]
        else:
            schema, _, bare = name.rpartition(".")
            text = quote_ident(bare) if schema in ("", "public", "pg_catalog") else (
                f"{quote_ident(schema)}.{quote_ident(bare)}")
        if mods:
            text += "(" + ",".join(str(m) for m in mods) + ")"
    return text + ("[]" if array else "")


def qualified_text(schema: str, name: str) -> str:
    return quote_ident(name) if schema == "public" else f"{quote_ident(schema)}.{quote_ident(name)}"


def schema_json(model, expressions: bool = True) -> dict:
    """The model as the data `schemalint schema --format json` prints."""
    if expressions:
        # Lazy: the pictures print no expression, and deparse.py's pglast printer is slow to load.
        from schemalint.model.deparse import expression_text as text
    else:
        text = _unprinted
    return {
        "version": VERSION,
        "tables": [_table(model, t, text) for t in sorted(model.tables.values(),
                                                          key=lambda t: t.key)],
        "enums": [{"schema": k[0], "name": k[1], "values": list(v)}
                  for k, v in sorted(model.enums.items())],
        "sequences": [{"schema": k[0], "name": k[1]} for k in sorted(model.sequences)],
    }


def _unprinted(node: dict | None) -> str | None:
    return "?" if node else None


def _table(model, table: Table, text) -> dict:
    kind = "partitioned table" if table.partitioned else _KINDS.get(table.kind, table.kind)
    pk = table.primary_key()
    constraints = sorted(table.constraints.values(), key=lambda c: c.name)
    return {
        "schema": table.key[0],
        "name": table.key[1],
        "kind": kind,
        "comment": table.comment,
        "columns": [_column(model, table, c, text) for c in table.columns.values()],
        "primary_key": list(pk.columns) if pk else [],
        "indexes": [_index(i, text)
                    for i in sorted(model.indexes_of(table.key), key=lambda i: i.name)],
        "foreign_keys": [{
            "name": c.name,
            "columns": list(c.columns),
            "references": {"schema": c.ref_table[0] if c.ref_table else None,
                           "table": c.ref_table[1] if c.ref_table else None,
                           "columns": list(c.ref_columns or _primary_key_of(model, c.ref_table))},
            "on_delete": _ACTIONS.get(c.on_delete or "a", "no action"),
        } for c in constraints if c.kind == "foreign"],
        "checks": [{"name": c.name, "expression": text(c.expr)}
                   for c in constraints if c.kind == "check"],
    }


def _primary_key_of(model, key) -> tuple:
    """REFERENCES t without columns: t's primary key."""
    table = model.tables.get(key) if key else None
    pk = table.primary_key() if table is not None else None
    return pk.columns if pk is not None else ()


def _column(model, table: Table, col: Column, text) -> dict:
    return {
        "name": col.name,
        "type": format_type(col.type, col.mods, col.array) if col.type else None,
        "nullable": not col.not_null,
        "default": None if col.identity or col.generated else _default(model, table, col, text),
        "identity": col.identity,
        "comment": col.comment,
    }


def _default(model, table: Table, col: Column, text) -> str | None:
    if col.default is not None:
        # A NULL default is no default: PostgreSQL keeps no pg_attrdef row for a bare NULL
        # constant (AddRelationNewConstraints). Coerced to a type with a modifier
        # (varchar(40)) or to a domain, it is a function call, and kept.
        if _is_null(col.default) and not col.mods and model.types.get(_type_key(col.type)) != "domain":
            return None
        const = col.default.get("A_Const")
        if const is not None and ("sval" in const or const.get("isnull")) and col.type and (
                model.types.get(_type_key(col.type)) != "domain"):
            # A literal is stored coerced to the column's type, and deparsed with the cast
            # (its modifiers apart: `'a'::character varying`).
            return f"{text(col.default)}::{format_type(col.type, (), col.array)}"
        if const is not None and "boolval" in const:
            return "true" if const["boolval"].get("boolval") else "false"
        return text(col.default)
    owner = _serial_owner(model, table, col.name)
    if owner is not None:
        owner_table, owner_col = owner
        seq = qualified_text(owner_table.key[0], owner_col.sequence)
        return f"nextval({_literal(seq)}::regclass)"
    return None


def _serial_owner(model, table: Table, name: str, depth: int = 0):
    """The table and column whose serial default this column has: its own, or a parent's
    (partitions and children inherit the default)."""
    col = table.columns.get(name)
    if col is None:
        return None
    if col.serial and col.sequence:
        return table, col
    if depth > 8:
        return None
    for parent_key in ((table.partition_of,) if table.partition_of else table.inherits):
        parent = model.tables.get(parent_key)
        if parent is not None:
            found = _serial_owner(model, parent, name, depth + 1)
            if found is not None:
                return found
    return None


def _type_key(name: str) -> tuple[str, str]:
    schema, _, bare = name.rpartition(".")
    return (schema or "public", bare)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _is_null(expr: dict) -> bool:
    while expr and "TypeCast" in expr:
        expr = expr["TypeCast"].get("arg")
    return bool(expr) and bool(expr.get("A_Const", {}).get("isnull"))


def _index(index: Index, text) -> dict:
    columns = []
    for i, column in enumerate(index.columns):
        if column is not None:
            columns.append(column)
        else:
            elem = json.loads(index.elements[i]) if i < len(index.elements) else {}
            columns.append(text(elem.get("expr")) or "?")
    return {
        "name": index.name,
        "columns": columns,
        "unique": index.unique,
        "method": index.method,
        "where": text(json.loads(index.predicate)) if index.predicate else None,
        "comment": index.comment,
    }


def schema_text(data: dict) -> str:
    """The same data for reading: one block per table."""
    out: list[str] = []
    for t in data["tables"]:
        out.append(f"{t['kind']} {qualified_text(t['schema'], t['name'])}")
        for c in t["columns"]:
            extra = "" if c["nullable"] else " not null"
            if c["identity"]:
                extra += f" generated {c['identity']} as identity"
            if c["default"] is not None:
                extra += f" default {c['default']}"
            out.append(f"    {quote_ident(c['name'])} {c['type'] or '?'}{extra}")
        if t["primary_key"]:
            out.append(f"    primary key ({', '.join(t['primary_key'])})")
        for i in t["indexes"]:
            where = f" where {i['where']}" if i["where"] else ""
            unique = "unique " if i["unique"] else ""
            out.append(f"    {unique}index {i['name']} using {i['method']} "
                       f"({', '.join(i['columns'])}){where}")
        for f in t["foreign_keys"]:
            ref = f["references"]
            target = qualified_text(ref["schema"], ref["table"]) if ref["table"] else "?"
            out.append(f"    foreign key {f['name']} ({', '.join(f['columns'])}) references "
                       f"{target} ({', '.join(ref['columns'])}) on delete {f['on_delete']}")
        for c in t["checks"]:
            out.append(f"    check {c['name']} ({c['expression']})")
    for e in data["enums"]:
        out.append(f"enum {qualified_text(e['schema'], e['name'])} ({', '.join(e['values'])})")
    for s in data["sequences"]:
        out.append(f"sequence {qualified_text(s['schema'], s['name'])}")
    return "\n".join(out) + ("\n" if out else "")
