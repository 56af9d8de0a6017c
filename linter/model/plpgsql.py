"""The DDL a DO block runs: its static SQL statements, for the model to fold.

Migrations often wrap DDL in `DO $$ BEGIN IF NOT EXISTS (...) THEN ALTER TABLE ... END IF; END
$$` to make it idempotent, or to run it with variables. On the fresh database a history is
replayed on, such guards pass: the statements of the block's body and of the THEN branches of
its IFs run, once. ELSE branches, exception handlers and dynamic EXECUTEs of computed strings
are not followed (an EXECUTE of a string literal is). The statements found are parsed and
given the DO statement's place, with their locations shifted into the file, so that what they
define points at where it is written.
"""

from __future__ import annotations

import json

from schemalint.parse.names import qualified_key, strings
from schemalint.parse.pglast_loader import submodule
from schemalint.parse.statements import Statement, parse_sql, shift_locations

_pg = submodule("parser")


def do_statements(stmt) -> list[Statement]:
    """The statements a DO block (`stmt`, a DoStmt) runs, in order, as Statements of its
    file; [] for another language or a body PL/pgSQL's parser rejects."""
    for arg in stmt.node.get("args") or ():
        d = arg.get("DefElem", {})
        if d.get("defname") == "language" and (d.get("arg") or {}).get("String", {}).get("sval", "").lower() != "plpgsql":
            return []
    try:
        tree = json.loads(_pg.parse_plpgsql_json(stmt.sql))
    except Exception:  # noqa: BLE001 - a body PL/pgSQL cannot parse runs nothing we can know
        return []
    queries: list[str] = []
    _collect(tree, queries)
    out: list[Statement] = []
    sql = stmt.sql
    base = None
    cursor = 0
    for query in queries:
        at = sql.find(query, cursor)
        if at != -1:
            cursor = at + len(query)
            if base is None:
                base = len(stmt.place.offsets.text[:stmt.place.sql_start].encode("utf-8"))
            shift = base + len(sql[:at].encode("utf-8"))
        else:
            shift = None  # an EXECUTE'd string: its text is not in the file as such
        statements, errors = parse_sql(query)
        if errors:
            continue
        for kind, node, _, _ in statements:
            shift_locations(node, shift)
            out.append(Statement(stmt.migration, stmt.index, kind, node, stmt.start, stmt.end,
                                 stmt.place.offsets, _sql_start=stmt.place.sql_start,
                                 _sql_end=stmt.place.sql_end))
    return out


def _collect(node, out: list[str]) -> None:
    """The static SQL of a PL/pgSQL tree, in order: statements, THEN branches, loop bodies."""
    if isinstance(node, list):
        for item in node:
            _collect(item, out)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "PLpgSQL_stmt_execsql":
            out.append(value["sqlstmt"]["PLpgSQL_expr"]["query"])
        elif key == "PLpgSQL_stmt_if":
            _collect(value.get("then_body"), out)
        elif key == "PLpgSQL_stmt_dynexecute":
            literal = _string_literal(value.get("query", {}).get("PLpgSQL_expr", {}).get("query", ""))
            if literal:
                out.append(literal)
        elif key == "PLpgSQL_stmt_block":
            _collect(value.get("body"), out)  # not its exception handlers
        elif key in ("PLpgSQL_exception_block", "exceptions"):
            continue
        else:
            _collect(value, out)


def _string_literal(expr: str) -> str | None:
    """`'ALTER TABLE ...'` (an EXECUTE of a constant) -> its text."""
    statements, errors = parse_sql("SELECT " + expr)
    if errors or len(statements) != 1:
        return None
    targets = statements[0][1].get("targetList") or ()
    if len(targets) != 1:
        return None
    const = (targets[0].get("ResTarget", {}).get("val") or {}).get("A_Const", {})
    return const.get("sval", {}).get("sval")


def rejected(model, stmt) -> bool:
    """PostgreSQL would reject `stmt` on the schema the model holds (a name in use, a second
    primary key): inside a DO block that means its guard was false, or an exception handler
    caught the error, so it changed nothing."""
    node, kind = stmt.node, stmt.kind
    if kind == "CreateStmt":
        table = model.tables.get(model.key(node["relation"]))
        return table is not None and not table.external
    if kind in ("CreateEnumStmt", "CreateDomainStmt"):
        names = strings(node["domainname"] if "domainname" in node else node.get("typeName"))
        return bool(names) and qualified_key(names, model.search_schema) in model.types
    if kind == "IndexStmt":
        name = node.get("idxname")
        return bool(name) and (model.key(node["relation"])[0], name) in model.indexes
    if kind == "AlterTableStmt":
        table = model.tables.get(model.key(node["relation"]))
        if table is None:
            return False
        for item in node.get("cmds") or ():
            cmd = item.get("AlterTableCmd", {})
            sub = cmd.get("subtype")
            if sub == "AT_AddColumn" and not cmd.get("missing_ok"):
                if cmd["def"]["ColumnDef"].get("colname") in table.columns:
                    return True
            elif sub == "AT_AddConstraint":
                con = cmd["def"]["Constraint"]
                if con.get("conname") in table.constraints or (
                        con.get("contype") == "CONSTR_PRIMARY" and table.primary_key() is not None):
                    return True
    return False

