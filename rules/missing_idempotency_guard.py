import re

from schemalint.rulekit import (
    Edit,
    Fix,
    Rule,
    Severity,
    alter_commands,
    clause_span,
    display_name,
    dropped_objects,
    lazy,
    name_span,
    quote_ident,
)

RULE = Rule(
    code="SL314",
    name="missing-idempotency-guard",
    category="schema",
    severity=Severity.INFO,
    summary="Opt-in: CREATE/DROP/ADD COLUMN without IF [NOT] EXISTS, or ADD CONSTRAINT / RENAME, "
            "in a migration that runs outside a transaction.",
    why="A migration that is not wrapped in a transaction can fail half way (a lock timeout, a "
        "failed CREATE INDEX CONCURRENTLY); re-running it then fails on the objects the first "
        "attempt already created or dropped. With IF [NOT] EXISTS guards it can simply be run "
        "again.",
    instead="Add the guard: `CREATE TABLE IF NOT EXISTS`, `ADD COLUMN IF NOT EXISTS`, `DROP ... IF "
            "EXISTS`. The fix inserts it (safe: it changes nothing on a first run). A failed CREATE "
            "INDEX CONCURRENTLY leaves an INVALID index behind, which IF NOT EXISTS would keep (it "
            "only looks at the name): the guard of a concurrent build is a DO block that drops an "
            "INVALID index of that name, then `CREATE INDEX CONCURRENTLY IF NOT EXISTS`. The fix "
            "writes both where the runner sends statements one at a time; a runner that sends the "
            "file as one query string would run the two as one transaction block, where "
            "CONCURRENTLY fails, so there is no fix there: drop the leftover by hand before a re-run.",
    ok_when="The migration runs inside a transaction (a failure rolls everything back); the "
            "statement can be re-run as it is (ALTER COLUMN ... TYPE, SET/DROP DEFAULT, SET/DROP "
            "NOT NULL, VALIDATE CONSTRAINT); an ADD CONSTRAINT follows a DROP CONSTRAINT of the "
            "same name in the file (a redefinition). ADD CONSTRAINT and RENAME have no IF [NOT] "
            "EXISTS form: a re-run fails on them (an unnamed constraint is added a second time), "
            "so they are reported without a fix.",
    bad=("CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);",
         "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);",
         "CREATE TABLE orders (id bigint PRIMARY KEY);",
         "ALTER TABLE orders ADD COLUMN note text;",
         "DROP TABLE old_orders;",
         "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;",
         "ALTER TABLE orders RENAME COLUMN note TO comment;"),
    good=("DO $$\nDECLARE leftover regclass;\nBEGIN\n"
          "  SELECT i.indexrelid::regclass INTO leftover FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid\n"
          "  WHERE NOT i.indisvalid AND c.relname = 'orders_customer_id_idx'\n"
          "    AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass('orders'));\n"
          "  IF leftover IS NOT NULL THEN EXECUTE format('DROP INDEX %s', leftover); END IF;\nEND $$;\n"
          "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);",
          "BEGIN;\nCREATE TABLE orders (id bigint PRIMARY KEY);\nCOMMIT;",
          "ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;",
          "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_check;\n"
          "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;",
          "ALTER TABLE orders ALTER COLUMN note TYPE text;"),
    node_types=("CreateStmt", "IndexStmt", "CreateSeqStmt", "CreateSchemaStmt", "CreateExtensionStmt",
                "CreateTableAsStmt", "AlterTableStmt", "DropStmt", "RenameStmt"),
    default_enabled=False,
    fix="safe",
    equivalents={"squawk": ("prefer-robust-stmts",),
                 "pgfence": ("prefer-robust-create-index", "prefer-robust-create-table", "prefer-robust-drop-index", "prefer-robust-drop-table")},
)

# The keyword after which PostgreSQL's grammar accepts IF NOT EXISTS, per statement kind.
_AFTER = {
    "CreateStmt": lazy(r"CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\b", re.I),
    "IndexStmt": lazy(r"CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?\b", re.I),
    "CreateSeqStmt": lazy(r"CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?SEQUENCE\b", re.I),
    "CreateSchemaStmt": lazy(r"CREATE\s+SCHEMA\b", re.I),
    "CreateExtensionStmt": lazy(r"CREATE\s+EXTENSION\b", re.I),
    "CreateTableAsStmt": lazy(r"CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?"
                              r"(?:TABLE|MATERIALIZED\s+VIEW)\b", re.I),
}
_RENAMES = {"OBJECT_COLUMN": "RENAME COLUMN", "OBJECT_TABLE": "RENAME TO",
            "OBJECT_TABCONSTRAINT": "RENAME CONSTRAINT"}
_DESCRIPTION = "add an idempotency guard (safe: a first run does the same)"


def _insert(at: int, text: str) -> Fix:
    return Fix(_DESCRIPTION, (Edit(at, at, text),), safe=True)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def invalid_index_guard(index: str, table: str) -> str:
    """A DO block that drops the INVALID index `index` of `table`'s schema, if there is one (a
    failed CREATE INDEX CONCURRENTLY leaves it: CREATE INDEX page, "Building Indexes
    Concurrently"). A DO block runs in or out of a transaction; its plain DROP INDEX takes a
    brief ACCESS EXCLUSIVE lock on the table, only when such a leftover exists (DROP INDEX
    CONCURRENTLY cannot run in a function)."""
    return ("DO $$\nDECLARE leftover regclass;\nBEGIN\n"
            "  SELECT i.indexrelid::regclass INTO leftover FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid\n"
            f"  WHERE NOT i.indisvalid AND c.relname = {_literal(index)}\n"
            f"    AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass({_literal(table)}));\n"
            "  IF leftover IS NOT NULL THEN EXECUTE format('DROP INDEX %s', leftover); END IF;\nEND $$;\n")


def _guarded(stmt, index: str) -> bool:
    """An earlier statement of the file drops an INVALID index of this name (the guard above,
    or one like it): the text before the statement names `indisvalid` and the index."""
    before = stmt.migration.text[:stmt.start]
    return "indisvalid" in before and index.lower() in before.lower()


def _concurrent_index(stmt, ctx, m):
    """The finding of a CREATE INDEX CONCURRENTLY not guarded against a failed build's leftover."""
    node = stmt.node
    name = node.get("idxname")
    exists_ok = bool(node.get("if_not_exists"))
    if name is None:
        yield ctx.report("this CREATE fails when the migration is re-run after a partial failure",
                         span=(stmt.start, stmt.start + m.end()) if m else None,
                         help="Name the index, then add IF NOT EXISTS and a guard against the INVALID index a "
                              "failed concurrent build leaves.")
        return
    guarded = _guarded(stmt, name)
    if exists_ok and guarded:
        return
    rel = node["relation"]
    table = ".".join(quote_ident(p) for p in (rel.get("schemaname"), rel["relname"]) if p)
    guard = invalid_index_guard(name, table)
    edits = [] if guarded else [Edit(stmt.start, stmt.start, guard)]
    if not exists_ok and m:
        edits.append(Edit(stmt.start + m.end(), stmt.start + m.end(), " IF NOT EXISTS"))
    # One query string of several statements runs as one transaction block, where
    # CONCURRENTLY fails: the guard cannot join the build in such a file.
    fix = None if ctx.sends_one_string and not guarded else Fix(
        "add IF NOT EXISTS and drop an INVALID leftover first (safe: a first run does the same)", tuple(edits))
    if exists_ok:
        message = ("CREATE INDEX CONCURRENTLY IF NOT EXISTS keeps the INVALID index a failed build leaves: "
                   "a re-run succeeds without building it")
    else:
        message = ("this CREATE fails when the migration is re-run after a partial failure (a failed "
                   "concurrent build leaves an INVALID index of this name)")
    if fix is None:
        help_text = ("This runner sends the file as one query string: a guard beside the build would make "
                     "them one transaction block, where CONCURRENTLY fails, and IF NOT EXISTS alone would "
                     "keep the INVALID index. After a failed build, drop the leftover by hand before "
                     f"running the migration again:\n    DROP INDEX CONCURRENTLY IF EXISTS "
                     f"{quote_ident(rel['schemaname']) + '.' if rel.get('schemaname') else ''}{quote_ident(name)};")
    else:
        help_text = ("" if guarded else "Drop an INVALID leftover first:\n    "
                     + guard.rstrip("\n").replace("\n", "\n    ") + "\n") + ("" if exists_ok else "Add IF NOT EXISTS.")
    yield ctx.report(message, span=(stmt.start, stmt.start + m.end()) if m else None, help=help_text, fix=fix)


def check(stmt, ctx):
    if ctx.in_transaction:
        return
    node, kind = stmt.node, stmt.kind
    if kind == "IndexStmt" and node.get("concurrent"):
        yield from _concurrent_index(stmt, ctx, _AFTER[kind]().match(stmt.text))
        return
    if kind in _AFTER:
        if node.get("if_not_exists") or (node.get("into") or {}).get("rel", {}).get("relpersistence") == "t":
            return
        if kind == "CreateStmt" and node["relation"].get("relpersistence") == "t":
            return
        m = _AFTER[kind]().match(stmt.text)
        fix = _insert(stmt.start + m.end(), " IF NOT EXISTS") if m else None
        if kind == "IndexStmt" and not node.get("idxname"):
            fix = None  # IF NOT EXISTS needs an index name
        yield ctx.report(
            "this CREATE fails when the migration is re-run after a partial failure",
            span=(stmt.start, stmt.start + m.end()) if m else None,
            help="Add IF NOT EXISTS" + ("" if fix else " (and name the index)") + ".",
            fix=fix,
        )
    elif kind == "DropStmt":
        if node.get("missing_ok"):
            return
        objs = list(dropped_objects(stmt, ctx.model))
        if not objs:
            return
        start, _ = name_span(stmt, objs[0].names[0], 4)
        yield ctx.report(
            "this DROP fails when the migration is re-run after a partial failure",
            span=(stmt.start, start),
            help="Add IF EXISTS.",
            fix=_insert(start, "IF EXISTS ") if start != stmt.start else None,
        )
    elif kind == "RenameStmt":
        rel = node.get("relation")
        if node.get("renameType") in _RENAMES and rel:
            yield ctx.report(
                f"{_RENAMES[node['renameType']]} fails when the migration is re-run after a partial "
                "failure (the old name is gone)",
                location=rel.get("location"),
                help="It has no IF EXISTS form: run the migration in a transaction, or put the "
                     "rename in its own migration.",
            )
    elif kind == "AlterTableStmt":
        key = ctx.key(node["relation"])
        dropped = set(ctx.session.dropped_constraints)
        for cmd in alter_commands(node):
            sub = cmd.get("subtype")
            if sub == "AT_DropConstraint":  # DROP then ADD of one name in one statement
                dropped.add(("constraint", *key, cmd.get("name", "")))
            if cmd.get("missing_ok"):
                continue
            if sub == "AT_AddConstraint":
                con = (cmd.get("def") or {}).get("Constraint", {})
                name = con.get("conname")
                if name and ("constraint", *key, name) in dropped:
                    continue
                yield ctx.report(
                    (f"ADD CONSTRAINT {name} fails" if name else
                     "this unnamed constraint is added a second time") +
                    " when the migration is re-run after a partial failure",
                    location=con.get("location"),
                    help="It has no IF NOT EXISTS form: drop it first in the same migration, "
                         "or run the migration in a transaction:\n"
                         f"    ALTER TABLE {display_name(key)} DROP CONSTRAINT IF EXISTS "
                         f"{quote_ident(name) if name else '<name>'};",
                )
            elif sub == "AT_AddColumn":
                coldef = cmd["def"]["ColumnDef"]
                at = stmt.offset_of(coldef["location"])
                yield ctx.report(
                    f"ADD COLUMN {coldef.get('colname')} fails when the migration is re-run after a "
                    "partial failure",
                    span=(at, at + len(coldef.get("colname", ""))),
                    help="Add IF NOT EXISTS.",
                    fix=_insert(at, "IF NOT EXISTS "),
                )
            elif sub in ("AT_DropColumn", "AT_DropConstraint"):
                prefix = r"DROP\s+(?:COLUMN\s+)?" if sub == "AT_DropColumn" else r"DROP\s+CONSTRAINT\s+"
                span = clause_span(stmt, prefix, cmd.get("name", ""))
                found = span != (stmt.start, stmt.end)
                yield ctx.report(
                    f"DROP {'COLUMN' if sub == 'AT_DropColumn' else 'CONSTRAINT'} {cmd.get('name')} "
                    "fails when the migration is re-run after a partial failure",
                    span=span,
                    help="Add IF EXISTS.",
                    fix=_insert(span[0], "IF EXISTS ") if found else None,
                )
