"""The names PostgreSQL gives what a statement does not name: constraints, the indexes behind
them, plain indexes and the sequences of serial and identity columns (src/backend/commands/
indexcmds.c: makeObjectName, ChooseRelationName, ChooseIndexName, ChooseIndexColumnNames;
pg_constraint.c: ChooseConstraintName). Identifiers are at most NAMEDATALEN - 1 = 63 bytes."""

from __future__ import annotations

from schemalint.model.objects import Table

NAMEDATALEN = 64


def truncate(name: str) -> str:
    """An identifier truncated to 63 bytes, as the scanner truncates it (never inside a
    character)."""
    raw = name.encode("utf-8")
    if len(raw) < NAMEDATALEN:
        return name
    return raw[:NAMEDATALEN - 1].decode("utf-8", errors="ignore")


def _clip(raw: bytes, n: int) -> bytes:
    # pg_mbcliplen: no partial multibyte character.
    return raw[:n].decode("utf-8", errors="ignore").encode("utf-8")


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """makeObjectName: `name1_name2_label`, the longer of name1 and name2 shortened first
    until it fits in 63 bytes."""
    joined = name1 if name2 is None else f"{name1}_{name2}"
    if label:
        joined = f"{joined}_{label}"
    if len(joined) < NAMEDATALEN and joined.isascii():
        return joined  # nearly every name: nothing to shorten
    raw1 = name1.encode("utf-8")
    raw2 = name2.encode("utf-8") if name2 is not None else b""
    overhead = (1 if name2 is not None else 0) + (len(label.encode("utf-8")) + 1 if label else 0)
    avail = NAMEDATALEN - 1 - overhead
    n1, n2 = len(raw1), len(raw2)
    if n1 + n2 > avail:
        while n1 + n2 > avail:
            if n1 > n2:
                n1 -= 1
            else:
                n2 -= 1
        raw1, raw2 = _clip(raw1, n1), _clip(raw2, n2)
    out = raw1
    if name2 is not None:
        out += b"_" + raw2
    if label:
        out += b"_" + label.encode("utf-8")
    return out.decode("utf-8")


def name_addition(names) -> str:
    """ChooseIndexNameAddition (and ChooseForeignKeyConstraintNameAddition): the names
    joined by `_`, cut once the result reaches NAMEDATALEN bytes."""
    joined = "_".join(names)
    if len(joined) < NAMEDATALEN and joined.isascii():
        return joined
    out = b""
    for name in names:
        if out:
            out += b"_"
        out += name.encode("utf-8")[:NAMEDATALEN - 1]
        if len(out) >= NAMEDATALEN:
            break
    return out.decode("utf-8", errors="ignore")


def choose_relation_name(model, schema: str, name1: str, name2: str | None, label: str,
                         table: Table | None = None) -> str:
    """ChooseRelationName: the first of `name1_name2_label`, `..._label1`, `..._label2` ...
    that no relation of the schema holds (nor, for a constraint's index, a constraint of
    `table`: PostgreSQL checks the whole schema's constraints, the model only the table's)."""
    name = f"{name1}_{label}" if name2 is None else f"{name1}_{name2}_{label}"
    if len(name) >= NAMEDATALEN or not name.isascii():
        name = make_object_name(name1, name2, label)
    passes = 0
    while True:
        key = (schema, name)
        if not (key in model.tables or key in model.indexes or key in model.sequences) and (
                table is None or name not in table.constraints):
            return name
        passes += 1
        name = make_object_name(name1, name2, f"{label}{passes}")


def choose_constraint_name(table: Table, name2: str | None, label: str, taken=()) -> str:
    """ChooseConstraintName for a CHECK or FOREIGN KEY constraint: unique among the table's
    constraints (PostgreSQL: among the schema's; the model keeps no index of those) and
    `taken` (the names chosen earlier in the same statement)."""
    name = make_object_name(table.name, name2, label)
    passes = 0
    while name in table.constraints or name in taken:
        passes += 1
        name = make_object_name(table.name, name2, f"{label}{passes}")
    return name


def index_column_names(elems) -> list[str]:
    """ChooseIndexColumnNames: per index element, its column name, the name PostgreSQL
    figures for an expression (FigureIndexColname: a function's name, a cast's type ...)
    or `expr`, made unique by a number."""
    if all(type(e.get("name")) is str and not e.get("indexcolname") for e in elems):
        names = [e["name"] for e in elems]
        if len(set(names)) == len(names):
            return names  # plain distinct columns, nearly every index
    out: list[str] = []
    seen: set[str] = set()
    for elem in elems:
        orig = elem.get("indexcolname") or elem.get("name") or figure_colname(elem.get("expr")) or "expr"
        cur = orig
        i = 0
        while cur in seen:
            i += 1
            suffix = str(i).encode("utf-8")
            cur = _clip(orig.encode("utf-8"), NAMEDATALEN - 1 - len(suffix)).decode("utf-8") + str(i)
        seen.add(cur)
        out.append(cur)
    return out


def figure_colname(expr) -> str | None:
    """FigureColnameInternal (parse_target.c), for what index names need: a column
    reference's last field, a function's name, a cast's inner name else its type, CASE as
    `case`, an array constructor as `array`, a coalesce-like call by its keyword."""
    if not expr:
        return None
    (kind, node), = expr.items() if len(expr) == 1 else ((None, None),)
    if kind == "ColumnRef":
        fields = node.get("fields") or ()
        last = fields[-1] if fields else {}
        return last.get("String", {}).get("sval") if "String" in last else None
    if kind == "FuncCall":
        names = node.get("funcname") or ()
        return names[-1].get("String", {}).get("sval") if names else None
    if kind == "TypeCast":
        inner = figure_colname(node.get("arg"))
        if inner:
            return inner
        names = (node.get("typeName") or {}).get("names") or ()
        return names[-1].get("String", {}).get("sval") if names else None
    if kind == "CaseExpr":
        return "case"
    if kind in ("A_ArrayExpr", "ArrayExpr"):
        return "array"
    if kind == "CoalesceExpr":
        return "coalesce"
    if kind == "MinMaxExpr":
        return "greatest" if node.get("op") == "IS_GREATEST" else "least"
    if kind == "SQLValueFunction":
        return _SQL_VALUE_NAMES.get(node.get("op", ""))
    if kind == "NullIfExpr" or (kind == "A_Expr" and node.get("kind") == "AEXPR_NULLIF"):
        return "nullif"
    return None


# SQLValueFunction op -> the column name PostgreSQL gives it (parse_target.c).
_SQL_VALUE_NAMES = {
    "SVFOP_CURRENT_DATE": "current_date", "SVFOP_CURRENT_TIME": "current_time",
    "SVFOP_CURRENT_TIME_N": "current_time", "SVFOP_CURRENT_TIMESTAMP": "current_timestamp",
    "SVFOP_CURRENT_TIMESTAMP_N": "current_timestamp", "SVFOP_LOCALTIME": "localtime",
    "SVFOP_LOCALTIME_N": "localtime", "SVFOP_LOCALTIMESTAMP": "localtimestamp",
    "SVFOP_LOCALTIMESTAMP_N": "localtimestamp", "SVFOP_CURRENT_ROLE": "current_role",
    "SVFOP_CURRENT_USER": "current_user", "SVFOP_USER": "user", "SVFOP_SESSION_USER": "session_user",
    "SVFOP_CURRENT_CATALOG": "current_catalog", "SVFOP_CURRENT_SCHEMA": "current_schema",
}


def check_column(expr) -> str | None:
    """The column a CHECK constraint's default name carries: its expression's only column,
    if it references exactly one (AddRelationNewConstraints: `tab_col_check` when the
    expression has one distinct Var, else `tab_check`)."""
    found: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("ColumnRef")
            if ref is not None:
                fields = ref.get("fields") or ()
                if fields and "String" in fields[-1]:
                    found.add(fields[-1]["String"].get("sval", ""))
                    if len(found) > 1:
                        return None
                continue
            if "SubLink" in node:  # pull_var_clause does not descend into sub-selects
                continue
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(node)
    return next(iter(found)) if len(found) == 1 else None
