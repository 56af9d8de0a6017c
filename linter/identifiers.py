"""The identifiers a statement defines (tables, columns, indexes, constraints, types, ...),
with where they are written: for the identifier rules (length, keywords, quoting)."""

from __future__ import annotations

from collections.abc import Iterator

from .breaking import name_span
from .names import strings
from .pglast_loader import submodule

# pglast.keywords, without running pglast's __init__ (start-up time: see pglast_loader.py).
_keywords = submodule("keywords")
RESERVED_KEYWORDS = _keywords.RESERVED_KEYWORDS
TYPE_FUNC_NAME_KEYWORDS = _keywords.TYPE_FUNC_NAME_KEYWORDS

# Keywords that cannot be a table or column name without quotes (gram.y: ColId excludes
# reserved and type_func_name keywords).
NEEDS_QUOTES_AS_NAME = frozenset(RESERVED_KEYWORDS) | frozenset(TYPE_FUNC_NAME_KEYWORDS)


def _span(stmt, name: str, location: int | None) -> tuple[int, int]:
    if location is not None and location >= 0:
        start, _ = stmt.span_at(location)
        return name_span(stmt, name, start - stmt.start)
    return name_span(stmt, name)


def _constraint(stmt, con: dict) -> Iterator[tuple[str, str, tuple[int, int]]]:
    if con.get("conname"):
        yield "constraint", con["conname"], _span(stmt, con["conname"], con.get("location"))


def _column(stmt, coldef: dict):
    name = coldef.get("colname")
    if name:
        yield "column", name, _span(stmt, name, coldef.get("location"))
    for c in coldef.get("constraints") or ():
        if "Constraint" in c:
            yield from _constraint(stmt, c["Constraint"])


def defined_identifiers(stmt) -> tuple[tuple[str, str, tuple[int, int]], ...]:
    """(kind, name, span) for each name the statement creates or renames an object to.
    Computed once per statement and shared by the identifier rules."""
    memo = getattr(stmt, "memo", None)
    if memo is None:
        return tuple(_defined_identifiers(stmt))
    return memo("defined_identifiers", lambda s: tuple(_defined_identifiers(s)))


def _defined_identifiers(stmt) -> Iterator[tuple[str, str, tuple[int, int]]]:
    node, kind = stmt.node, stmt.kind
    if kind == "CreateStmt":
        rel = node["relation"]
        yield "table", rel.get("relname", ""), stmt.span_at(rel.get("location"))
        for elt in node.get("tableElts") or ():
            if "ColumnDef" in elt:
                yield from _column(stmt, elt["ColumnDef"])
            elif "Constraint" in elt:
                yield from _constraint(stmt, elt["Constraint"])
    elif kind == "AlterTableStmt":
        for item in node.get("cmds") or ():
            cmd = item.get("AlterTableCmd", {})
            d = cmd.get("def") or {}
            if cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in d:
                yield from _column(stmt, d["ColumnDef"])
            elif cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in d:
                yield from _constraint(stmt, d["Constraint"])
    elif kind == "IndexStmt" and node.get("idxname"):
        yield "index", node["idxname"], _span(stmt, node["idxname"], None)
    elif kind in ("ViewStmt", "CreateSeqStmt", "CreateTableAsStmt"):
        rel = node.get("view") or node.get("sequence") or (node.get("into") or {}).get("rel") or {}
        noun = {"ViewStmt": "view", "CreateSeqStmt": "sequence"}.get(kind, "table")
        if rel.get("relname"):
            yield noun, rel["relname"], stmt.span_at(rel.get("location"))
    elif kind in ("CreateEnumStmt", "CreateDomainStmt", "CompositeTypeStmt"):
        names = strings(node.get("domainname") if kind == "CreateDomainStmt" else node.get("typeName"))
        if kind == "CompositeTypeStmt":
            names = [(node.get("typevar") or {}).get("relname", "")]
        if names and names[-1]:
            yield "type", names[-1], _span(stmt, names[-1], None)
    elif kind == "CreateSchemaStmt" and node.get("schemaname"):
        yield "schema", node["schemaname"], _span(stmt, node["schemaname"], None)
    elif kind == "CreateFunctionStmt":
        names = strings(node.get("funcname"))
        if names:
            yield "function", names[-1], _span(stmt, names[-1], None)
    elif kind == "RenameStmt" and node.get("newname"):
        noun = node.get("renameType", "OBJECT_").removeprefix("OBJECT_").lower()
        noun = {"tabconstraint": "constraint", "attribute": "column"}.get(noun, noun)
        yield noun, node["newname"], name_span(stmt, node["newname"], max(0, len(stmt.text) - len(node["newname"]) - 2))


IDENTIFIER_KINDS = ("CreateStmt", "AlterTableStmt", "IndexStmt", "ViewStmt", "CreateSeqStmt",
                    "CreateTableAsStmt", "CreateEnumStmt", "CreateDomainStmt", "CompositeTypeStmt",
                    "CreateSchemaStmt", "CreateFunctionStmt", "RenameStmt")
