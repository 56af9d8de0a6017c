from schemalint.rulekit import Rule, Severity, column_default, display_name, id_policy, quote_ident

RULE = Rule(
    code="SL303",
    name="sequential-primary-key",
    category="schema",
    severity=Severity.WARNING,
    summary="A primary key on a serial, identity or sequence-defaulted column.",
    why="Sequential IDs leak row counts and creation order to anyone who sees them, invite "
        "enumeration, and collide when data from several databases or shards is merged. "
        "`id_policy` (this rule's option, read by serial-column and integer-key-column too) says "
        "which keys the project wants: `uuid` (default) flags sequential keys here, and the other "
        "two rules leave such keys to this one; `identity` accepts sequential keys, so this rule "
        "is silent and serial-column asks for the identity form.",
    instead="A uuid key: `id uuid PRIMARY KEY DEFAULT uuidv7()` on PostgreSQL 18+ (time-ordered, "
            "index friendly), else `DEFAULT gen_random_uuid()` (PostgreSQL 13+).",
    ok_when="The key is not serial/identity/sequence-defaulted, or id_policy is identity.",
    bad=("CREATE TABLE orders (id bigserial PRIMARY KEY);",),
    good=("CREATE TABLE orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid());",),
    node_types=("CreateStmt", "AlterTableStmt.AT_AddColumn", "AlterTableStmt.AT_AddConstraint"),
    options={"id_policy": "uuid"},
    equivalents={"squawk": ("prefer-identity",)},
)


def _pk_columns(stmt, ctx):
    """(column name, location) of primary key columns defined by this statement."""
    node = stmt.node
    if stmt.kind == "CreateStmt":
        for elt in node.get("tableElts") or ():
            coldef = elt.get("ColumnDef")
            if coldef and any(c.get("Constraint", {}).get("contype") == "CONSTR_PRIMARY"
                              for c in coldef.get("constraints") or ()):
                yield coldef.get("colname"), coldef.get("location")
            con = elt.get("Constraint")
            if con and con.get("contype") == "CONSTR_PRIMARY":
                for key in con.get("keys") or ():
                    yield key["String"]["sval"], con.get("location")
    else:
        for item in node.get("cmds") or ():
            cmd = item.get("AlterTableCmd", {})
            con = (cmd.get("def") or {}).get("Constraint")
            if cmd.get("subtype") == "AT_AddConstraint" and con and con.get("contype") == "CONSTR_PRIMARY":
                for key in con.get("keys") or ():
                    yield key["String"]["sval"], con.get("location")
            coldef = (cmd.get("def") or {}).get("ColumnDef")
            if cmd.get("subtype") == "AT_AddColumn" and coldef and any(
                c.get("Constraint", {}).get("contype") == "CONSTR_PRIMARY"
                for c in coldef.get("constraints") or ()
            ):
                yield coldef.get("colname"), coldef.get("location")


def check(stmt, ctx):
    if id_policy(ctx) == "identity":  # sequential keys are wanted; serial-column asks for identity
        return ()
    pk_columns = list(_pk_columns(stmt, ctx))
    if not pk_columns:  # most statements define no primary key: nothing else to work out
        return ()
    return _check(stmt, ctx, pk_columns)


def _check(stmt, ctx, pk_columns):
    rel = stmt.node["relation"]
    table = ctx.table(rel)
    pending = {}
    if stmt.kind == "CreateStmt":
        for elt in stmt.node.get("tableElts") or ():
            coldef = elt.get("ColumnDef")
            if coldef:
                pending[coldef.get("colname")] = coldef
    else:
        for item in stmt.node.get("cmds") or ():
            coldef = (item.get("AlterTableCmd", {}).get("def") or {}).get("ColumnDef")
            if coldef and item["AlterTableCmd"].get("subtype") == "AT_AddColumn":
                pending[coldef.get("colname")] = coldef
    for column, location in pk_columns:
        kind = _sequence_kind(pending.get(column), table, column)
        if kind is None:
            continue
        name = display_name(ctx.key(rel))
        col = quote_ident(column)
        fn = "uuidv7()" if ctx.pg_major >= 18 else "gen_random_uuid()"
        yield ctx.report(
            f"primary key `{name}.{col}` is sequential ({kind}): it leaks row counts and order and "
            "complicates merging or sharding data",
            location=location,
            help=f"Use instead:\n    {col} uuid PRIMARY KEY DEFAULT {fn}\n"
                 "(or set `id_policy: identity` if the project wants sequential keys)")


def _nextval(default) -> bool:
    call = (default or {}).get("FuncCall")
    return bool(call) and [n.get("String", {}).get("sval") for n in call.get("funcname", ())][-1:] == ["nextval"]


def _sequence_kind(coldef, table, column):
    """'bigserial', 'identity', 'sequence' (a nextval() default, as pg_dump writes serials) or None."""
    if coldef is not None:
        names = [n["String"]["sval"] for n in (coldef.get("typeName") or {}).get("names", ())
                 if "String" in n]
        if names and names[-1] in ("serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"):
            return names[-1]
        if any(c.get("Constraint", {}).get("contype") == "CONSTR_IDENTITY"
               for c in coldef.get("constraints") or ()):
            return "identity"
        return "sequence" if _nextval(column_default(coldef)) else None
    col = table.columns.get(column) if table else None
    if col is None:
        return None
    if col.serial:
        return col.serial
    if col.identity:
        return "identity"
    return "sequence" if _nextval(col.default) else None
