from schemalint.rulekit import Rule, Severity, qualified_key, quote_ident, strings

RULE = Rule(
    code="SL410",
    name="domain-check-constraint",
    category="types",
    severity=Severity.WARNING,
    summary="A domain with a CHECK or NOT NULL constraint, or a constraint added to a domain.",
    why="`ALTER DOMAIN ... ADD CONSTRAINT` checks every row of every table column that uses the "
        "domain, while holding a lock on each of those tables; so a domain's constraint can "
        "never be changed cheaply. Domain NOT NULL is also not enforced everywhere (e.g. values "
        "produced by outer joins or composite-type fields).",
    instead="Put the CHECK constraint on the table columns (it can be added NOT VALID and "
            "validated without blocking writes), or add domain constraints with `NOT VALID` and "
            "`VALIDATE CONSTRAINT` them later.",
    ok_when="The domain was created in the same migration file (for ALTER DOMAIN), or the new "
            "constraint is NOT VALID.",
    bad=("CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);",
         "ALTER DOMAIN positive_int ADD CONSTRAINT positive_int_check CHECK (VALUE > 0);"),
    good=("CREATE DOMAIN email AS text;",
          "ALTER DOMAIN positive_int ADD CONSTRAINT positive_int_check CHECK (VALUE > 0) NOT VALID;",
          "CREATE TABLE accounts (balance integer CHECK (balance > 0));"),
    node_types=("CreateDomainStmt", "AlterDomainStmt"),
    equivalents={"squawk": ("ban-create-domain-with-constraint", "ban-alter-domain-with-add-constraint")},
)

_KINDS = ("CONSTR_CHECK", "CONSTR_NOTNULL")


def check(stmt, ctx):
    node = stmt.node
    if stmt.kind == "CreateDomainStmt":
        cons = [c["Constraint"] for c in node.get("constraints") or () if "Constraint" in c
                and c["Constraint"].get("contype") in _KINDS]
        if not cons:
            return
        key = qualified_key(strings(node.get("domainname")))
        name = quote_ident(key[1])
        yield ctx.report(
            f"domain `{name}` has a constraint: changing it later scans every table column of "
            "this type while locking those tables",
            location=cons[0].get("location"),
            help="Declare the domain without the constraint and put CHECK constraints on the "
                 "table columns, which can be changed with NOT VALID + VALIDATE:\n"
                 f"    CREATE DOMAIN {name} AS ...;  -- no CHECK",
        )
        return
    if node.get("subtype") != "C":  # ALTER DOMAIN ... ADD CONSTRAINT
        return
    con = (node.get("def") or {}).get("Constraint") or {}
    if con.get("skip_validation"):
        return
    key = qualified_key(strings(node.get("typeName")), ctx.model.search_schema)
    if ctx.created_here(("type", *key)):
        return
    name = quote_ident(key[1])
    cname = quote_ident(con.get("conname") or f"{key[1]}_check")
    yield ctx.report(
        f"adding a constraint to domain `{name}` checks every row of every column of this type "
        "while holding a lock on each of those tables",
        location=con.get("location"),
        help="Add it without checking existing rows, then validate it in another migration:\n"
             f"    ALTER DOMAIN {name} ADD CONSTRAINT {cname} CHECK (...) NOT VALID;\n"
             "    -- next migration:\n"
             f"    ALTER DOMAIN {name} VALIDATE CONSTRAINT {cname};",
    )
