from schemalint.advice import constraint_name, named_constraint_sql
from schemalint.diagnostics import Severity
from schemalint.facts import alter_commands
from schemalint.names import display_name, quote_ident
from schemalint.rule import Rule

RULE = Rule(
    code="SL108",
    name="add-check-constraint-without-not-valid",
    category="locking",
    severity=Severity.ERROR,
    summary="Adding a CHECK constraint without NOT VALID scans the table under ACCESS EXCLUSIVE.",
    why="ALTER TABLE ... ADD CHECK takes an ACCESS EXCLUSIVE lock and checks every existing row "
        "before it commits: no reads and no writes on the table until the scan ends.",
    instead="Add the constraint with NOT VALID (instant: only new and updated rows are checked), "
            "then VALIDATE CONSTRAINT in a separate migration, which takes only SHARE UPDATE "
            "EXCLUSIVE so reads and writes go on.",
    ok_when="The table was created in the same migration file, or the constraint is added NOT VALID.",
    bad=("ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",),
    good=(
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n"
        "-- next migration\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;",
        "CREATE TABLE orders (id bigint, total numeric);\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
    ),
    node_types=("AlterTableStmt",),
    equivalents={"squawk": ("constraint-missing-not-valid",),
                 "eugene": ("E1",),
                 "strong_migrations": ("add_check_constraint",),
                 "pgfence": ("add-constraint-check-no-not-valid",)},
)


def check(stmt, ctx):
    node = stmt.node
    rel = node["relation"]
    if ctx.created_here(rel):
        return
    key = ctx.key(rel)
    table = display_name(key)
    for cmd in alter_commands(node):
        if cmd.get("subtype") != "AT_AddConstraint":
            continue
        con = (cmd.get("def") or {}).get("Constraint", {})
        if con.get("contype") != "CONSTR_CHECK" or con.get("skip_validation"):
            continue
        name = constraint_name(con, key[1], "check")
        yield ctx.report(
            f"adding CHECK constraint `{name}` checks every row of `{table}` under an ACCESS "
            "EXCLUSIVE lock: reads and writes are blocked until the scan ends",
            location=con.get("location"),
            help=(
                "Add it without the scan, then validate in a separate migration:\n"
                f"    ALTER TABLE {table} ADD {named_constraint_sql(stmt, con, name)} NOT VALID;\n"
                f"    -- next migration (SHARE UPDATE EXCLUSIVE: reads and writes continue):\n"
                f"    ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(name)};"
            ),
        )
