"""The folds of the DDL statements: what CREATE, ALTER, DROP and RENAME do to the tables,
columns, constraints, indexes, sequences, types and schemas of a `Model` (fold.py dispatches
to them; the model is passed as `model`)."""

from __future__ import annotations

from schemalint.model.objects import (
    Column,
    Constraint,
    Index,
    Key,
    Site,
    Table,
    TokenSite,
    TypeSite,
)
from schemalint.model.shapes import element_shape, not_null_columns_of, shape
from schemalint.parse.names import (
    SERIAL_TYPES,
    is_array,
    qualified_key,
    relation_key,
    strings,
    type_mods,
    type_name,
)

# libpg_query constraint types -> ours
_CONTYPE = {
    "CONSTR_PRIMARY": "primary",
    "CONSTR_UNIQUE": "unique",
    "CONSTR_FOREIGN": "foreign",
    "CONSTR_CHECK": "check",
    "CONSTR_EXCLUSION": "exclusion",
}
_SUFFIX = {"primary": "pkey", "unique": "key", "foreign": "fkey", "check": "check", "exclusion": "excl"}


def _truncate(name: str) -> str:
    # NAMEDATALEN is 64: identifiers are truncated to 63 bytes.
    raw = name.encode("utf-8")
    if len(raw) <= 63:
        return name
    return raw[:63].decode("utf-8", errors="ignore")


# CREATE TABLE ... (LIKE src INCLUDING ...) option bits (parsenodes.h TableLikeOption).
_LIKE_CONSTRAINTS, _LIKE_DEFAULTS, _LIKE_GENERATED, _LIKE_IDENTITY, _LIKE_INDEXES = 4, 8, 16, 32, 64


def _site(stmt, location: int | None = None) -> Site | TokenSite:
    if location is None or location < 0:
        return Site(stmt.migration, stmt.start, stmt.end, stmt.sql)
    return TokenSite(stmt, location)


def _mark_created(model, key: tuple) -> None:
    model.session.created.add(key)
    model.session.named_at[key] = model.stmt_index


# CREATE TABLE
def create_table(model, stmt, node: dict) -> None:
    # Created in the first schema of the search_path, whatever later schemas hold.
    key = relation_key(node["relation"], model.search_schema)
    if key in model.tables:
        return  # IF NOT EXISTS on an existing table (or a duplicate): no change
    table = Table(key=key, site=_site(stmt, node["relation"].get("location")),
                  created_in=stmt.migration)
    table.persistence = node["relation"].get("relpersistence", "p")
    table.partitioned = "partspec" in node
    parents = tuple(model.key(r["RangeVar"]) for r in node.get("inhRelations") or () if "RangeVar" in r)
    if node.get("partbound") and parents:
        table.partition_of = parents[0]
    else:
        table.inherits = parents
    for parent_key in parents:
        parent = model.tables.get(parent_key)
        if parent:
            for name, col in parent.columns.items():
                table.columns.setdefault(name, Column(col.name, col.type, col.mods, col.array, col.not_null, col.default))
    model.tables[key] = table
    _mark_created(model, key)
    for elt in node.get("tableElts") or ():
        if "ColumnDef" in elt:
            _add_column(model, stmt, table, elt["ColumnDef"])
        elif "Constraint" in elt:
            _add_constraint(model, stmt, table, elt["Constraint"])
        elif "TableLikeClause" in elt:
            _create_like(model, stmt, table, elt["TableLikeClause"])


def _create_like(model, stmt, table: Table, like: dict) -> None:
    """CREATE TABLE ... (LIKE src INCLUDING ...): columns and NOT NULL always; defaults,
    identity, generated expressions, CHECK constraints and indexes (with the primary key
    and unique constraints) only when included. Foreign keys are never copied."""
    src = model.tables.get(model.key(like["relation"]))
    if src is None:
        table.columns_known = False
        return
    opts = like.get("options", 0)
    for name, col in src.columns.items():
        table.columns[name] = Column(
            col.name, col.type, col.mods, col.array, col.not_null,
            default=col.default if opts & _LIKE_DEFAULTS else None,
            identity=col.identity if opts & _LIKE_IDENTITY else None,
            generated=col.generated and bool(opts & _LIKE_GENERATED))
    table.columns_known &= src.columns_known
    for con in src.constraints.values():
        if (con.kind == "check" and opts & _LIKE_CONSTRAINTS) or (
                con.kind in ("primary", "unique", "exclusion") and opts & _LIKE_INDEXES):
            name = con.name if con.kind == "check" else _default_constraint_name(
                table, con.kind, con.columns, {})
            table.constraints[name] = Constraint(
                name=name, kind=con.kind, columns=con.columns, expr=con.expr,
                site=_site(stmt, like["relation"].get("location")),
                not_null_columns=con.not_null_columns)
    if opts & _LIKE_INDEXES:
        for idx in model.indexes_of(src.key):
            if idx.constraint and idx.constraint not in src.constraints:
                continue
            name = (_default_constraint_name(table, src.constraints[idx.constraint].kind,
                                             idx.columns, {}) if idx.constraint
                    else _truncate(f"{table.name}_{'_'.join(c or 'expr' for c in idx.columns)}_idx"))
            model.indexes[(table.key[0], name)] = Index(
                name=name, table=table.key, columns=idx.columns, unique=idx.unique,
                partial=idx.partial, valid=idx.valid, method=idx.method,
                constraint=name if idx.constraint else None,
                site=_site(stmt, like["relation"].get("location")),
                elements=idx.elements, include=idx.include, predicate=idx.predicate)


def _query_columns(model, select: dict, names: list[str]) -> dict[str, Column] | None:
    """The columns of CREATE TABLE AS / SELECT INTO: the names given, else the query's
    output names (aliases, column references, function names, `*` over known tables);
    None when some output column cannot be named from the SQL."""
    if names:
        return {n: Column(n, "") for n in names}
    if not select or select.get("op", "SETOP_NONE") != "SETOP_NONE" or "targetList" not in select:
        return None
    out: dict[str, Column] = {}
    for item in select["targetList"]:
        target = item.get("ResTarget", {})
        val = target.get("val") or {}
        if target.get("name"):
            out[target["name"]] = Column(target["name"], "")
            continue
        if "TypeCast" in val:
            val = val["TypeCast"].get("arg") or {}
        fields = val.get("ColumnRef", {}).get("fields") or []
        if fields and "A_Star" in fields[-1]:
            sources = [model.tables.get(model.key(f["RangeVar"]))
                       for f in select.get("fromClause") or () if "RangeVar" in f]
            if not sources or None in sources or len(sources) != len(select.get("fromClause") or ()):
                return None
            for src in sources:
                if not src.columns_known:
                    return None
                for name, col in src.columns.items():
                    out.setdefault(name, Column(name, col.type, col.mods, col.array))
        elif fields and "String" in fields[-1]:
            name = fields[-1]["String"]["sval"]
            out[name] = Column(name, "")
        elif "FuncCall" in val:
            name = strings(val["FuncCall"].get("funcname"))[-1]
            out[name] = Column(name, "")
        else:
            return None
    return out


def _create_from_query(model, stmt, rel: dict, select: dict, names: list[str], kind: str) -> None:
    key = relation_key(rel, model.search_schema)
    if key not in model.tables:
        table = Table(key=key, site=_site(stmt, rel.get("location")), created_in=stmt.migration, kind=kind,
                      persistence=rel.get("relpersistence", "p"))
        columns = _query_columns(model, select, names)
        table.columns, table.columns_known = columns or {}, columns is not None
        model.tables[key] = table
    _mark_created(model, key)


def create_table_as(model, stmt, node: dict) -> None:
    into = node.get("into") or {}
    rel = into.get("rel")
    if not rel:
        return
    kind = "materialized view" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
    _create_from_query(model, stmt, rel, (node.get("query") or {}).get("SelectStmt"),
                       strings(into.get("colNames")), kind)


def select_into(model, stmt, node: dict) -> None:
    """SELECT ... INTO t creates the table t, as CREATE TABLE t AS does."""
    into = node.get("intoClause") or {}
    if into.get("rel"):
        _create_from_query(model, stmt, into["rel"], node, strings(into.get("colNames")), "table")


def create_view(model, stmt, node: dict) -> None:
    key = relation_key(node["view"], model.search_schema)
    model.tables[key] = Table(key=key, site=_site(stmt), created_in=stmt.migration, kind="view")
    _mark_created(model, key)


def _add_column(model, stmt, table: Table, coldef: dict) -> None:
    # (The fold's hottest function: one call per column of the history.)
    tnode = coldef.get("typeName") or {}
    tname = type_name(tnode)
    name = coldef.get("colname", "")
    col = Column(name, tname, type_mods(tnode), is_array(tnode))
    if tname in SERIAL_TYPES:
        col.serial, col.type, col.not_null = tname, SERIAL_TYPES[tname], True
    default = coldef.get("raw_default")
    if default:
        col.default = default
    tloc = tnode.get("location")
    if tloc is not None and tloc >= 0:
        col.type_site = TypeSite(stmt, tloc)
    table.columns[name] = col
    _mark_created(model, (*table.key, name))
    constraints = coldef.get("constraints")
    if not constraints:
        return
    for c in constraints:
        con = c.get("Constraint", {})
        contype = con.get("contype")
        if contype == "CONSTR_NOTNULL":
            col.not_null = True
        elif contype == "CONSTR_NULL":
            col.not_null = False
        elif contype == "CONSTR_DEFAULT":
            col.default = con.get("raw_expr")
        elif contype == "CONSTR_IDENTITY":
            col.identity = "always" if con.get("generated_when") == "a" else "by default"
            col.not_null = True
        elif contype == "CONSTR_GENERATED":
            col.generated = True
        elif contype in _CONTYPE:
            if contype == "CONSTR_PRIMARY":
                col.not_null = True
            _add_constraint(model, stmt, table, con, column=col.name, location=coldef.get("location"))


def _add_constraint(model, stmt, table: Table, con: dict, column: str | None = None,
                    location: int | None = None) -> None:
    kind = _CONTYPE.get(con.get("contype", ""))
    if kind is None:
        if con.get("contype") == "CONSTR_NOTNULL" and con.get("keys"):
            for col in strings(con["keys"]):
                if col in table.columns:
                    table.columns[col].not_null = True
        return
    if kind == "foreign":
        cols = tuple(strings(con.get("fk_attrs"))) or ((column,) if column else ())
    elif kind == "exclusion":
        cols = tuple(
            e["IndexElem"].get("name") for item in con.get("exclusions") or ()
            for e in item.get("List", {}).get("items", [])[:1] if "IndexElem" in e
        )
    else:
        cols = tuple(strings(con.get("keys"))) or ((column,) if column else ())
    if kind == "check":
        cols = (column,) if column else ()
    name = con.get("conname") or _default_constraint_name(table, kind, cols, con)
    constraint = Constraint(
        name=name,
        kind=kind,
        columns=cols,
        # NOT VALID sets skip_validation; constraints on a new table are always valid.
        validated=not con.get("skip_validation") or table.key in model.session.created,
        site=_site(stmt, con.get("location") if location is None else location),
    )
    if kind == "foreign":
        constraint.ref_table = model.key(con["pktable"])
        model.fk_refs.setdefault(constraint.ref_table, []).append((table, constraint))
        constraint.ref_columns = tuple(strings(con.get("pk_attrs")))
        constraint.on_delete = con.get("fk_del_action")
    elif kind == "check":
        constraint.expr = con.get("raw_expr")
        constraint.not_null_columns = not_null_columns_of(constraint.expr)
    table.constraints[name] = constraint
    _mark_created(model, ("constraint", *table.key, name))
    if con.get("skip_validation") and table.key not in model.session.created and model.session.in_transaction:
        model.session.not_valid_in_tx[(table.key, name)] = stmt
    if kind == "primary":
        for c in cols:
            if c in table.columns:
                table.columns[c].not_null = True
    if kind in ("primary", "unique", "exclusion"):
        index_name = con.get("indexname")
        existing = model.indexes.get((table.key[0], index_name)) if index_name else None
        if existing is not None:
            # ADD CONSTRAINT ... USING INDEX renames the index to the constraint name.
            del model.indexes[(table.key[0], index_name)]
            existing.name, existing.constraint = name, name
            model.indexes[(table.key[0], name)] = existing
        else:
            model.indexes[(table.key[0], name)] = Index(
                name=name,
                table=table.key,
                columns=cols,
                unique=kind != "exclusion",
                partial=bool(con.get("where_clause")),
                method=con.get("access_method") or "btree",
                constraint=name,
                site=_site(stmt, con.get("location") if location is None else location),
                elements=tuple(element_shape({"name": c}) for c in cols) if kind != "exclusion" else (),
                include=tuple(strings(con.get("including"))),
                predicate=shape(con["where_clause"]) if con.get("where_clause") else None,
            )


def _default_constraint_name(table: Table, kind: str, cols: tuple, con: dict) -> str:
    # PostgreSQL's ChooseConstraintName: <table>_<cols>_<suffix>; pkey has no columns.
    if kind == "primary":
        return _truncate(f"{table.name}_pkey")
    if kind == "check":
        expr_cols = cols or ("",)
        return _truncate(f"{table.name}_{expr_cols[0]}_check" if expr_cols[0] else f"{table.name}_check")
    return _truncate(f"{table.name}_{'_'.join(c or 'expr' for c in cols)}_{_SUFFIX[kind]}")


# ALTER TABLE
def alter_table(model, stmt, node: dict) -> None:
    if node.get("objtype") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE", None):
        return
    key = model.key(node["relation"])
    table = model.tables.get(key)
    if table is None:
        if node["relation"].get("relpersistence") == "t" or node.get("missing_ok"):
            return
        table = model.tables[key] = Table(key=key, external=True)
    for item in node.get("cmds") or ():
        cmd = item.get("AlterTableCmd", {})
        sub = cmd.get("subtype")
        name = cmd.get("name")
        col = table.columns.get(name) if name else None
        if sub == "AT_AddColumn":
            coldef = cmd["def"]["ColumnDef"]
            if not (cmd.get("missing_ok") and coldef.get("colname") in table.columns):
                _add_column(model, stmt, table, coldef)
        elif sub == "AT_DropColumn":
            table.columns.pop(name, None)
            for cname, con in list(table.constraints.items()):
                if name in con.columns:
                    del table.constraints[cname]
            for ikey, idx in model.indexes.of_table(table.key):
                if name in idx.columns:
                    del model.indexes[ikey]
        elif sub == "AT_AlterColumnType" and (col or table.external):
            if col is None:  # a column of a table older than the history: now we know its type
                col = table.columns[name] = Column(name=name, type="")
            tnode = cmd["def"]["ColumnDef"]["typeName"]
            col.type, col.mods, col.array = type_name(tnode), type_mods(tnode), is_array(tnode)
            if tnode.get("location", -1) >= 0:
                col.type_site = TypeSite(stmt, tnode["location"])
        elif sub == "AT_SetNotNull" and col:
            col.not_null = True
        elif sub == "AT_DropNotNull" and col:
            col.not_null = False
        elif sub == "AT_ColumnDefault" and col:
            col.default = cmd.get("def")
            col.serial = None  # its nextval() default is replaced or gone: no longer a serial
        elif sub == "AT_AddIdentity" and col:
            con = cmd["def"]["Constraint"]
            col.identity = "always" if con.get("generated_when") == "a" else "by default"
            col.not_null = True
        elif sub == "AT_DropIdentity" and col:
            col.identity = None
        elif sub == "AT_AddConstraint":
            _add_constraint(model, stmt, table, cmd["def"]["Constraint"])
        elif sub == "AT_ValidateConstraint" and name in table.constraints:
            table.constraints[name].validated = True
        elif sub == "AT_DropConstraint":
            model.session.dropped_constraints.add(("constraint", *table.key, name))
            table.constraints.pop(name, None)
            model.indexes.pop((table.key[0], name), None)
        elif sub == "AT_SetLogged":
            table.persistence = "p"
        elif sub == "AT_SetUnLogged":
            table.persistence = "u"
        elif sub == "AT_AttachPartition":
            part = model.table(cmd["def"]["PartitionCmd"]["name"])
            if part:
                part.partition_of = table.key
        elif sub == "AT_DetachPartition":
            part = model.table(cmd["def"]["PartitionCmd"]["name"])
            if part:
                part.partition_of = None


# CREATE INDEX
def create_index(model, stmt, node: dict) -> None:
    table_key = model.key(node["relation"])
    name = node.get("idxname")
    if not name:
        cols = [p["IndexElem"].get("name") or "expr" for p in node.get("indexParams") or ()]
        name = _truncate(f"{table_key[1]}_{'_'.join(cols)}_idx")
    key = (table_key[0], name)
    if key in model.indexes and node.get("if_not_exists"):
        return
    model.indexes[key] = Index(
        name=name,
        table=table_key,
        columns=tuple(p["IndexElem"].get("name") for p in node.get("indexParams") or ()),
        unique=bool(node.get("unique")),
        partial=bool(node.get("whereClause")),
        method=node.get("accessMethod", "btree"),
        site=_site(stmt),
        elements=tuple(element_shape(p["IndexElem"]) for p in node.get("indexParams") or ()),
        include=tuple(p["IndexElem"].get("name") or shape(p["IndexElem"])
                      for p in node.get("indexIncludingParams") or ()),
        predicate=shape(node["whereClause"]) if node.get("whereClause") else None,
    )
    # An index is new in this migration whatever its table: dropping it again in the
    # same file breaks nobody.
    _mark_created(model, key)


# DROP ...
def drop(model, stmt, node: dict) -> None:
    kind = node.get("removeType")
    for obj in node.get("objects") or ():
        if "List" in obj:
            names = strings(obj["List"].get("items"))
        elif "TypeName" in obj:
            names = strings(obj["TypeName"].get("names"))
        else:
            names = strings([obj])
        if not names:
            continue
        key = qualified_key(names, model.search_schema)
        if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            model.tables.pop(key, None)
            for ikey, _ in model.indexes.of_table(key):
                del model.indexes[ikey]
        elif kind == "OBJECT_INDEX":
            model.indexes.pop(key, None)
        elif kind == "OBJECT_SEQUENCE":
            model.sequences.pop(key, None)
        elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            model.types.pop(key, None)
        elif kind == "OBJECT_SCHEMA":
            model.schemas.discard(names[-1])


# ALTER ... RENAME
def rename(model, stmt, node: dict) -> None:
    rtype = node.get("renameType")
    new = node.get("newname", "")
    keys = model.rename_keys(node)
    if keys is not None:
        old_key, new_key = keys
        s = model.session
        s.renamed_from[new_key] = s.renamed_from.pop(old_key, old_key)
        s.named_at[new_key] = model.stmt_index
        if old_key in s.created:
            _mark_created(model, new_key)
        if old_key[0] == "type" and old_key[1:] in model.types:
            model.types[new_key[1:]] = model.types.pop(old_key[1:])
        if old_key[0] == "type":
            _retype_columns(model, old_key[1:], new_key[2])
    if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
        key = model.key(node["relation"])
        table = model.tables.pop(key, None)
        if table:
            new_key = (key[0], new)
            table.key = new_key
            model.tables[new_key] = table
            model.indexes.retable(key, new_key)
            moved = model.fk_refs.pop(key, ())
            for _, con in moved:
                if con.ref_table == key:
                    con.ref_table = new_key
            if moved:
                model.fk_refs.setdefault(new_key, []).extend(moved)
            if key in model.session.created:
                _mark_created(model, new_key)
    elif rtype == "OBJECT_COLUMN":
        table = model.table(node["relation"])
        old = node.get("subname")
        if table and old in table.columns:
            col = table.columns.pop(old)
            col.name = new
            table.columns[new] = col
            for con in table.constraints.values():
                con.columns = tuple(new if c == old else c for c in con.columns)
                if old in con.not_null_columns:
                    con.not_null_columns = (con.not_null_columns - {old}) | {new}
            for _, idx in model.indexes.of_table(table.key):
                idx.columns = tuple(new if c == old else c for c in idx.columns)
            for _, con in model.fk_refs.get(table.key, ()):
                if con.ref_table == table.key:
                    con.ref_columns = tuple(new if c == old else c for c in con.ref_columns)
    elif rtype == "OBJECT_INDEX":
        key = model.key(node["relation"])
        idx = model.indexes.pop(key, None)
        if idx:
            idx.name = new
            model.indexes[(key[0], new)] = idx
    elif rtype == "OBJECT_TABCONSTRAINT":
        table = model.table(node["relation"])
        old = node.get("subname")
        if table and old in table.constraints:
            con = table.constraints.pop(old)
            con.name = new
            table.constraints[new] = con
    elif rtype == "OBJECT_SEQUENCE":
        key = model.key(node["relation"])
        if key in model.sequences:
            model.sequences[(key[0], new)] = model.sequences.pop(key)


def _retype_columns(model, old: Key, new_name: str) -> None:
    """ALTER TYPE old RENAME TO new: columns of that type now show the new name (the enum
    swap `RENAME x TO x_old; CREATE TYPE x ...; ALTER COLUMN c TYPE x` changes the type)."""
    target = old[1]
    for table in model.tables.values():
        for col in table.columns.values():
            if not col.type.endswith(target):  # cheap test first: this visits every column
                continue
            schema, _, name = col.type.rpartition(".")
            if name == target and (schema or model.search_schema) == old[0]:
                col.type = f"{schema}.{new_name}" if schema else new_name


def set_schema(model, stmt, node: dict) -> None:
    if node.get("objectType") in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and node.get("relation"):
        key = model.key(node["relation"])
        table = model.tables.pop(key, None)
        if table:
            table.key = (node.get("newschema", key[0]), key[1])
            model.tables[table.key] = table


def create_sequence(model, stmt, node: dict) -> None:
    key = relation_key(node["sequence"], model.search_schema)
    model.sequences[key] = _site(stmt)
    _mark_created(model, key)


def create_type(model, stmt, node: dict, kind: str) -> None:
    # CREATE DOMAIN: `domainname` is the new type, `typeName` its base type.
    names = strings(node["domainname"] if "domainname" in node else node.get("typeName"))
    if names:
        key = qualified_key(names, model.search_schema)
        model.types[key] = kind
        _mark_created(model, key)
        _mark_created(model, ("type", *key))


def create_composite(model, stmt, node: dict) -> None:
    rel = node.get("typevar") or {}
    if rel.get("relname"):
        key = model.key(rel)
        model.types[key] = "composite"
        _mark_created(model, ("type", *key))


def create_function(model, stmt, node: dict) -> None:
    names = strings(node.get("funcname"))
    if not names:
        return
    _mark_created(model, ("function", *qualified_key(names, model.search_schema)))
    volatility = "volatile"  # CREATE FUNCTION's default
    for opt in node.get("options") or ():
        d = opt.get("DefElem", {})
        if d.get("defname") == "volatility":
            volatility = (d.get("arg") or {}).get("String", {}).get("sval", volatility)
    model.function_volatility[names[-1]] = volatility


def create_extension(model, stmt, node: dict) -> None:
    if node.get("extname"):
        _mark_created(model, ("extension", node["extname"]))


def create_schema(model, stmt, node: dict) -> None:
    if node.get("schemaname"):
        model.schemas.add(node["schemaname"])
        _mark_created(model, ("schema", node["schemaname"]))
