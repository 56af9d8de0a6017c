import re

from schemalint.rulekit import Rule, Severity, display_name, lazy, quote_ident, strings

RULE = Rule(
    code="SL312",
    name="foreign-key-without-on-delete",
    category="schema",
    severity=Severity.INFO,
    summary="Opt-in: a foreign key that does not say what happens ON DELETE of the parent row.",
    why="The default, NO ACTION, makes deleting a parent row fail while children exist. That "
        "is often right, but when it is left implicit nobody decided: writing `ON DELETE "
        "RESTRICT`, `CASCADE` or `SET NULL` records the decision where reviewers see it.",
    instead="State it: `REFERENCES customers (id) ON DELETE RESTRICT` (or CASCADE, SET NULL, "
            "NO ACTION).",
    bad=("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));",),
    good=("CREATE TABLE orders (id bigint PRIMARY KEY,\n"
          "    customer_id bigint REFERENCES customers (id) ON DELETE RESTRICT);",),
    node_types=("CreateStmt", "AlterTableStmt"),
    default_enabled=False,
)

_ON_DELETE = lazy(r"\bON\s+DELETE\b", re.I)


def _walk(node):
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            yield cur
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(cur)


def check(stmt, ctx):
    # Where each constraint or column definition starts: a foreign key's text ends at the
    # next one (or the statement's end).
    cons, starts = [], []
    for d in _walk(stmt.node):
        if "ColumnDef" in d or "Constraint" in d:
            inner = d.get("ColumnDef") or d.get("Constraint")
            loc = inner.get("location")
            if loc is not None and loc >= 0:
                starts.append(stmt.offset_of(loc))
                if inner.get("contype") == "CONSTR_FOREIGN":
                    cons.append((stmt.offset_of(loc), inner))
    starts.sort()
    text = stmt.migration.text
    for start, con in cons:
        end = next((s for s in starts if s > start), stmt.end)
        if _ON_DELETE().search(text, start, end):
            continue
        parent = display_name(ctx.key(con["pktable"]))
        cols = ", ".join(quote_ident(c) for c in strings(con.get("pk_attrs")))
        ref = f"REFERENCES {parent}" + (f" ({cols})" if cols else "")
        yield ctx.report(
            f"foreign key to `{parent}` does not say what happens when a `{parent}` row is deleted "
            "(the implicit NO ACTION makes the delete fail)",
            span=(start, min(end, start + len(text[start:end].rstrip(" ,\n)")))),
            help=f"State the decision:\n    {ref} ON DELETE RESTRICT  -- or CASCADE, SET NULL",
        )
