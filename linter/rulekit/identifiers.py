"""The identifiers a statement defines (tables, columns, indexes, constraints, types, ...),
with where they are written: for the identifier rules (length, keywords, quoting)."""

from __future__ import annotations

from schemalint.parse.names import strings
from schemalint.parse.pglast_loader import submodule
from schemalint.rulekit.breaking import name_span

# pglast.keywords, without running pglast's __init__ (start-up time: see pglast_loader.py).
_keywords = submodule("keywords")
RESERVED_KEYWORDS = _keywords.RESERVED_KEYWORDS
TYPE_FUNC_NAME_KEYWORDS = _keywords.TYPE_FUNC_NAME_KEYWORDS

# Keywords that cannot be a table or column name without quotes (gram.y: ColId excludes
# reserved and type_func_name keywords).
NEEDS_QUOTES_AS_NAME = frozenset(RESERVED_KEYWORDS) | frozenset(TYPE_FUNC_NAME_KEYWORDS)


class Identifier:
    """A name the statement defines: `kind` ("table", "column", ...), `name`, and
    `span(stmt)` (where it is written), located only when a rule reports it: finding a name
    in the statement text for every column of a history cost more than all the identifier
    rules' own checks. (It does not keep the statement: the statement memoises these, and
    with the cyclic GC off during a run a cycle would keep every statement's tree alive.)"""

    __slots__ = ("_location", "_mode", "kind", "name")

    # How the span is found: at the token of a node location; the name, searched from a
    # node location (or from the start); the name, searched from a character offset.
    AT, NAME, NAME_FROM = 0, 1, 2

    def __init__(self, kind: str, name: str, mode: int, location: int | None) -> None:
        self.kind = kind
        self.name = name
        self._mode = mode
        self._location = location

    def span(self, stmt) -> tuple[int, int]:
        location, mode = self._location, self._mode
        if mode == Identifier.AT:
            return stmt.span_at(location)
        if mode == Identifier.NAME_FROM:
            return name_span(stmt, self.name, location)
        if location is not None and location >= 0:
            start, _ = stmt.span_at(location)
            return name_span(stmt, self.name, start - stmt.start)
        return name_span(stmt, self.name)


def _constraint(con: dict, out: list) -> None:
    if con.get("conname"):
        out.append(Identifier("constraint", con["conname"], Identifier.NAME, con.get("location")))


def _column(coldef: dict, out: list) -> None:
    name = coldef.get("colname")
    if name:
        out.append(Identifier("column", name, Identifier.NAME, coldef.get("location")))
    for c in coldef.get("constraints") or ():
        con = c.get("Constraint")
        if con is not None:
            _constraint(con, out)


def defined_identifiers(stmt) -> tuple[Identifier, ...]:
    """Each name the statement creates or renames an object to. Computed once per statement
    and shared by the identifier rules."""
    memo = getattr(stmt, "memo", None)
    if memo is None:
        return _defined_identifiers(stmt)
    return memo("defined_identifiers", _defined_identifiers)


def _defined_identifiers(stmt) -> tuple[Identifier, ...]:
    node, kind = stmt.node, stmt.kind
    out: list[Identifier] = []
    if kind == "CreateStmt":
        rel = node["relation"]
        out.append(Identifier("table", rel.get("relname", ""), Identifier.AT, rel.get("location")))
        for elt in node.get("tableElts") or ():
            if "ColumnDef" in elt:
                _column(elt["ColumnDef"], out)
            elif "Constraint" in elt:
                _constraint(elt["Constraint"], out)
    elif kind == "AlterTableStmt":
        for item in node.get("cmds") or ():
            cmd = item.get("AlterTableCmd", {})
            d = cmd.get("def") or {}
            if cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in d:
                _column(d["ColumnDef"], out)
            elif cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in d:
                _constraint(d["Constraint"], out)
    elif kind == "IndexStmt" and node.get("idxname"):
        out.append(Identifier("index", node["idxname"], Identifier.NAME, None))
    elif kind in ("ViewStmt", "CreateSeqStmt", "CreateTableAsStmt"):
        rel = node.get("view") or node.get("sequence") or (node.get("into") or {}).get("rel") or {}
        noun = {"ViewStmt": "view", "CreateSeqStmt": "sequence"}.get(kind, "table")
        if rel.get("relname"):
            out.append(Identifier(noun, rel["relname"], Identifier.AT, rel.get("location")))
    elif kind in ("CreateEnumStmt", "CreateDomainStmt", "CompositeTypeStmt"):
        names = strings(node.get("domainname") if kind == "CreateDomainStmt" else node.get("typeName"))
        if kind == "CompositeTypeStmt":
            names = [(node.get("typevar") or {}).get("relname", "")]
        if names and names[-1]:
            out.append(Identifier("type", names[-1], Identifier.NAME, None))
    elif kind == "CreateSchemaStmt" and node.get("schemaname"):
        out.append(Identifier("schema", node["schemaname"], Identifier.NAME, None))
    elif kind == "CreateFunctionStmt":
        names = strings(node.get("funcname"))
        if names:
            out.append(Identifier("function", names[-1], Identifier.NAME, None))
    elif kind == "RenameStmt" and node.get("newname"):
        noun = node.get("renameType", "OBJECT_").removeprefix("OBJECT_").lower()
        noun = {"tabconstraint": "constraint", "attribute": "column"}.get(noun, noun)
        new = node["newname"]
        out.append(Identifier(noun, new, Identifier.NAME_FROM,
                              max(0, len(stmt.text) - len(new) - 2)))
    return tuple(out)


# ALTER TABLE defines names only in ADD COLUMN and ADD CONSTRAINT actions (engine.RuleSet).
IDENTIFIER_KINDS = ("CreateStmt", "AlterTableStmt.AT_AddColumn", "AlterTableStmt.AT_AddConstraint",
                    "IndexStmt", "ViewStmt", "CreateSeqStmt", "CreateTableAsStmt", "CreateEnumStmt",
                    "CreateDomainStmt", "CompositeTypeStmt", "CreateSchemaStmt", "CreateFunctionStmt",
                    "RenameStmt")
