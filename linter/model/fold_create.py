"""The folds that create relations: CREATE TABLE (columns, constraints and the indexes and
sequences they imply, LIKE, PARTITION OF, INHERITS), CREATE TABLE AS, SELECT INTO and CREATE
VIEW; and the column and constraint folds ALTER TABLE shares with them."""

from __future__ import annotations

from schemalint.model.clones import (
    INDEX_LABEL,
    clone_index,
    clone_partition_fks,
    clone_partition_indexes,
    partitions_of,
    propagate_index,
)
from schemalint.model.naming import (
    check_column,
    choose_constraint_name,
    choose_relation_name,
    index_column_names,
    name_addition,
)
from schemalint.model.objects import Column, Constraint, Index, Site, Table, TokenSite, TypeSite
from schemalint.model.shapes import element_shape, not_null_columns_of, null_filter_of, shape
from schemalint.parse.names import (
    SERIAL_TYPES,
    is_array,
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

# The constraints CREATE TABLE builds once all its columns are known (`_distinct_keys`).
_KEYS = frozenset({"CONSTR_PRIMARY", "CONSTR_UNIQUE"})
# CREATE TABLE ... (LIKE src INCLUDING ...) option bits (parsenodes.h TableLikeOption).
_LIKE_COMMENTS = 1
_LIKE_CONSTRAINTS, _LIKE_DEFAULTS, _LIKE_GENERATED, _LIKE_IDENTITY, _LIKE_INDEXES = 4, 8, 16, 32, 64


def site_of(stmt, location: int | None = None) -> Site | TokenSite:
    if location is None or location < 0:
        return Site(stmt.migration, stmt.start, stmt.end, stmt.sql)
    return TokenSite(stmt, location)


def mark_created(model, key: tuple) -> None:
    model.session.created.add(key)
    model.session.named_at[key] = model.stmt_index


# CREATE TABLE
def create_table(model, stmt, node: dict) -> None:
    # Created in the first schema of the search_path, whatever later schemas hold.
    rel = node["relation"]
    key = relation_key(rel, model.search_schema)
    old = model.tables.get(key)
    if old is not None:
        if node.get("if_not_exists"):
            return  # PostgreSQL: NOTICE "relation already exists, skipping"; nothing changes
        # Without IF NOT EXISTS, CREATE TABLE fails on a name in use ("relation already
        # exists", CREATE TABLE docs): the statement proves the name is free where it runs,
        # so the table is new here, with this definition. What the model held under the name
        # was either a table dropped where we cannot see it, or a stub built from ALTERs of
        # files that sorted earlier but must run later (they need the table): see _replace.
        stub = _clear(model, old)
    else:
        stub = None
    table = Table(key=key, site=site_of(stmt, rel.get("location")), created_in=stmt.migration)
    table.persistence = rel.get("relpersistence", "p")
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
                # Inherited columns keep NOT NULL and the default (MergeAttributes); a
                # serial's sequence stays its parent's (the default draws from it).
                table.columns.setdefault(name, Column(col.name, col.type, col.mods, col.array,
                                                      col.not_null, col.default))
    model.tables[key] = table
    mark_created(model, key)
    model.hypertables.discard(key)
    for opt in node.get("options") or ():
        # CREATE TABLE ... WITH (timescaledb.hypertable) (or its `tsdb` alias): TimescaleDB
        # creates it as a hypertable (its CREATE TABLE reference page).
        d = opt.get("DefElem") or {}
        if d.get("defname") == "hypertable" and d.get("defnamespace") in ("timescaledb", "tsdb"):
            model.hypertables.add(key)
    keys: list = []  # PRIMARY KEY and UNIQUE constraints, made once the columns are known
    for elt in node.get("tableElts") or ():
        if "ColumnDef" in elt:
            add_column(model, stmt, table, elt["ColumnDef"], keys)
        elif "Constraint" in elt:
            if elt["Constraint"].get("contype") in _KEYS:
                keys.append((elt["Constraint"], None, None))
            else:
                add_constraint(model, stmt, table, elt["Constraint"])
        elif "TableLikeClause" in elt:
            _create_like(model, stmt, table, elt["TableLikeClause"])
    for con, column, location in _distinct_keys(keys):
        add_constraint(model, stmt, table, con, column, location)
    if table.partition_of is not None:
        parent = model.tables.get(table.partition_of)
        if parent is not None:
            clone_partition_indexes(model, parent, table)
            clone_partition_fks(model, parent, table)
    if stub is not None:
        _keep_from_stub(model, stub, table)


def _distinct_keys(keys: list) -> list:
    """The keys to build: a UNIQUE constraint with the same definition as an earlier one (the
    PRIMARY KEY first) is not, CREATE TABLE builds one index for those
    (transformIndexConstraints: "remove any redundant index specifications", `id int PRIMARY
    KEY UNIQUE`); an unnamed one takes the name of a named duplicate."""
    if len(keys) < 2:
        return keys
    columns = [tuple(strings(con.get("keys"))) or ((column,) if column else ())
               for con, column, _ in keys]
    if len(set(columns)) == len(columns):
        return keys  # nothing to merge: the usual case
    keys = sorted(zip(keys, columns), key=lambda k: k[0][0].get("contype") != "CONSTR_PRIMARY")
    out: list = []
    seen: dict = {}
    for (con, column, location), cols in keys:
        where = con.get("where_clause")
        same = (cols, tuple(strings(con.get("including"))), shape(where) if where else None,
                con.get("access_method"), bool(con.get("nulls_not_distinct")),
                bool(con.get("deferrable")), bool(con.get("initdeferred")), con.get("indexname"))
        prior = seen.get(same)
        if prior is None:
            seen[same] = len(out)
            out.append((con, column, location))
        elif not out[prior][0].get("conname") and con.get("conname"):
            out[prior] = ({**out[prior][0], "conname": con["conname"]}, out[prior][1], out[prior][2])
    return out


def _clear(model, old: Table):
    """Take `old` out of the way of the table being created under its name. A table we knew
    the definition of was dropped where the model cannot see it: its indexes and sequences
    go with it. A stub (`Table.external`, made by an ALTER TABLE before any CREATE) is
    returned, with its indexes, to be kept (`_keep_from_stub`)."""
    owned = model.indexes.of_table(old.key)
    for ikey, _ in owned:
        del model.indexes[ikey]
    if old.external:
        return old, owned
    drop_owned_sequences(model, old, old.columns.values())
    return None


def _keep_from_stub(model, stub, table: Table) -> None:
    """What the stub's ALTERs added stays: they ran on this table, so they ran after this
    CREATE (the files sorted before this one apply after it). Columns the definition does
    not declare are appended; constraints and indexes whose names are free are kept (the
    definition wins where both name the same one, and a second primary key is dropped)."""
    old, indexes = stub
    for name, col in old.columns.items():
        if name not in table.columns and col.type:
            table.columns[name] = col
    has_pk = table.primary_key() is not None
    for name, con in old.constraints.items():
        if name in table.constraints or (con.kind == "primary" and has_pk):
            continue
        table.constraints[name] = con
        if con.kind == "foreign":
            model.fk_refs.setdefault(con.ref_table, []).append((table, con))
    for ikey, index in indexes:
        if ikey not in model.indexes and (index.constraint is None or index.constraint in table.constraints):
            model.indexes[ikey] = index


def drop_owned_sequences(model, table: Table, columns) -> None:
    """The sequences of serial and identity columns belong to them (OWNED BY): dropped with
    the column or the table."""
    schema = table.key[0]
    for col in columns:
        if col.sequence:
            model.sequences.pop((schema, col.sequence), None)


def _create_like(model, stmt, table: Table, like: dict) -> None:
    """CREATE TABLE ... (LIKE src INCLUDING ...): columns and NOT NULL always; defaults,
    identity, generated expressions, CHECK constraints and indexes (with the primary key
    and unique constraints) only when included. Foreign keys are never copied. INCLUDING
    COMMENTS copies the comments of the columns, CHECK constraints and indexes it copies,
    not the table's (transformTableLikeClause, expandTableLikeClause)."""
    src = model.tables.get(model.key(like["relation"]))
    if src is None:
        table.columns_known = False
        return
    opts = like.get("options", 0)
    comments = bool(opts & _LIKE_COMMENTS)
    site = site_of(stmt, like["relation"].get("location"))
    for name, col in src.columns.items():
        copy = table.columns[name] = Column(
            col.name, col.type, col.mods, col.array, col.not_null,
            default=col.default if opts & _LIKE_DEFAULTS else None,
            identity=col.identity if opts & _LIKE_IDENTITY else None,
            generated=col.generated and bool(opts & _LIKE_GENERATED),
            comment=col.comment if comments else None)
        if copy.identity:
            copy.sequence = choose_relation_name(model, table.key[0], table.name, name, "seq")
            model.sequences[(table.key[0], copy.sequence)] = site
    table.columns_known &= src.columns_known
    for con in src.constraints.values():
        if con.kind == "check" and opts & _LIKE_CONSTRAINTS:
            table.constraints[con.name] = Constraint(
                name=con.name, kind=con.kind, columns=con.columns, expr=con.expr, site=site,
                not_null_columns=con.not_null_columns, comment=con.comment if comments else None)
    if opts & _LIKE_INDEXES:
        for idx in model.indexes_of(src.key):
            con = src.constraints.get(idx.constraint) if idx.constraint else None
            if idx.constraint and con is None:
                continue
            copy = clone_index(model, idx, table, site, con.kind if con else None)
            if comments:
                copy.comment = idx.comment


def _query_columns(model, select: dict, names: list[str]) -> dict[str, Column] | None:
    """The columns of CREATE TABLE AS / SELECT INTO: the names given, else the query's
    output names (aliases, column references, function names, `*` over known tables; of a
    UNION, its first branch's), with the type of a cast or of a known table's column; None
    when some output column cannot be named from the SQL."""
    if names:
        return {n: Column(n, "") for n in names}
    while select and select.get("op", "SETOP_NONE") != "SETOP_NONE":
        select = select.get("larg")  # a set operation's columns are named by its first branch
    if not select or "targetList" not in select:
        return None
    sources = _from_tables(model, select)
    out: dict[str, Column] = {}
    for item in select["targetList"]:
        target = item.get("ResTarget", {})
        val = target.get("val") or {}
        cast = val.get("TypeCast")
        if cast is not None:
            val = cast.get("arg") or {}
        fields = val.get("ColumnRef", {}).get("fields") or []
        if fields and "A_Star" in fields[-1] and not target.get("name"):
            tables = list(sources.values())
            if not tables or None in tables or len(tables) != len(select.get("fromClause") or ()):
                return None
            for src in tables:
                if not src.columns_known:
                    return None
                for name, col in src.columns.items():
                    out.setdefault(name, Column(name, col.type, col.mods, col.array))
            continue
        if target.get("name"):
            name = target["name"]
        elif fields and "String" in fields[-1]:
            name = fields[-1]["String"]["sval"]
        elif "FuncCall" in val:
            name = strings(val["FuncCall"].get("funcname"))[-1]
        else:
            return None
        col = out[name] = Column(name, "")
        if cast is not None:
            tnode = cast.get("typeName") or {}
            col.type, col.mods, col.array = type_name(tnode), type_mods(tnode), is_array(tnode)
        elif fields and "String" in fields[-1]:
            src = _source_column(sources, strings(fields))
            if src is not None:
                col.type, col.mods, col.array = src.type, src.mods, src.array
    return out


def _from_tables(model, select: dict) -> dict:
    """The tables of a query's FROM list by the name it refers to them by (alias or name);
    None for one the model does not know."""
    out: dict = {}
    for item in select.get("fromClause") or ():
        rv = item.get("RangeVar")
        if rv is not None:
            alias = (rv.get("alias") or {}).get("aliasname") or rv.get("relname", "")
            out[alias] = model.tables.get(model.key(rv))
    return out


def _source_column(sources: dict, fields: list[str]):
    if len(fields) >= 2:
        table = sources.get(fields[-2])
        return table.columns.get(fields[-1]) if table is not None else None
    found = [t.columns[fields[0]] for t in sources.values() if t is not None and fields[0] in t.columns]
    return found[0] if len(found) == 1 else None


def _create_from_query(model, stmt, rel: dict, select: dict, names: list[str], kind: str,
                       loaded: bool = True) -> None:
    key = relation_key(rel, model.search_schema)
    if key not in model.tables:
        table = Table(key=key, site=site_of(stmt, rel.get("location")), created_in=stmt.migration, kind=kind,
                      persistence=rel.get("relpersistence", "p"), loaded=loaded)
        columns = _query_columns(model, select, names)
        table.columns, table.columns_known = columns or {}, columns is not None
        model.tables[key] = table
    mark_created(model, key)


def create_table_as(model, stmt, node: dict) -> None:
    into = node.get("into") or {}
    rel = into.get("rel")
    if not rel:
        return
    kind = "materialized view" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
    # WITH NO DATA creates it empty.
    _create_from_query(model, stmt, rel, (node.get("query") or {}).get("SelectStmt"),
                       strings(into.get("colNames")), kind, loaded=not into.get("skipData"))
    if kind == "materialized view":
        _populated(model, relation_key(rel, model.search_schema), not into.get("skipData"))


def refresh_matview(model, stmt, node: dict) -> None:
    """REFRESH MATERIALIZED VIEW [WITH NO DATA]: WITH NO DATA leaves it unreadable ("has not
    been populated") until the next refresh."""
    _populated(model, model.key(node["relation"]), not node.get("skipData"))


def _populated(model, key, populated: bool) -> None:
    if populated:
        model.unpopulated.discard(key)
    else:
        model.unpopulated.add(key)


def select_into(model, stmt, node: dict) -> None:
    """SELECT ... INTO t creates the table t, as CREATE TABLE t AS does."""
    into = node.get("intoClause") or {}
    if into.get("rel"):
        _create_from_query(model, stmt, into["rel"], node, strings(into.get("colNames")), "table")


def create_view(model, stmt, node: dict) -> None:
    key = relation_key(node["view"], model.search_schema)
    old = model.tables.get(key)
    # CREATE OR REPLACE VIEW keeps the view (its oid), so its comment stays.
    kept = old.comment if old is not None and node.get("replace") and old.kind == "view" else None
    model.tables[key] = Table(key=key, site=site_of(stmt), created_in=stmt.migration, kind="view",
                              comment=kept)
    mark_created(model, key)


def add_column(model, stmt, table: Table, coldef: dict, keys: list | None = None) -> None:
    """`keys`: in a CREATE TABLE, where its PRIMARY KEY and UNIQUE constraints wait to be
    made (`_distinct_keys`)."""
    # (The fold's hottest function: one call per column of the history.)
    tnode = coldef.get("typeName") or {}
    tname = type_name(tnode)
    name = coldef.get("colname", "")
    col = Column(name, tname, type_mods(tnode), is_array(tnode))
    if tname in SERIAL_TYPES:
        col.serial, col.type, col.not_null = tname, SERIAL_TYPES[tname], True
        _own_sequence(model, stmt, table, col, coldef.get("location"))
    default = coldef.get("raw_default")
    if default:
        col.default = default
    tloc = tnode.get("location")
    if tloc is not None and tloc >= 0:
        col.type_site = TypeSite(stmt, tloc)
    table.columns[name] = col
    mark_created(model, (*table.key, name))
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
            set_identity(model, stmt, table, col, con)
        elif contype == "CONSTR_GENERATED":
            col.generated = True
        elif contype in _CONTYPE:
            if contype == "CONSTR_PRIMARY":
                col.not_null = True
            if keys is not None and contype in _KEYS:
                keys.append((con, col.name, coldef.get("location")))  # made by create_table
            else:
                add_constraint(model, stmt, table, con, column=col.name, location=coldef.get("location"))


def set_identity(model, stmt, table: Table, col: Column, con: dict) -> None:
    col.identity = "always" if con.get("generated_when") == "a" else "by default"
    col.not_null = True
    _own_sequence(model, stmt, table, col, con.get("location"))


def _own_sequence(model, stmt, table: Table, col: Column, location: int | None) -> None:
    # A serial or identity column makes its sequence, named <table>_<column>_seq in the
    # table's schema (parse_utilcmd.c, generateSerialExtraStmts: ChooseRelationName).
    schema = table.key[0]
    col.sequence = choose_relation_name(model, schema, table.name, col.name, "seq")
    model.sequences[(schema, col.sequence)] = site_of(stmt, location)


def add_constraint(model, stmt, table: Table, con: dict, column: str | None = None,
                   location: int | None = None) -> None:
    kind = _CONTYPE.get(con.get("contype", ""))
    if kind is None:
        if con.get("contype") == "CONSTR_NOTNULL" and con.get("keys"):
            for col in strings(con["keys"]):
                if col in table.columns:
                    table.columns[col].not_null = True
        return
    elems = None
    if kind == "foreign":
        cols = tuple(strings(con.get("fk_attrs"))) or ((column,) if column else ())
    elif kind == "exclusion":
        elems = [e["IndexElem"] for item in con.get("exclusions") or ()
                 for e in item.get("List", {}).get("items", [])[:1] if "IndexElem" in e]
        cols = tuple(e.get("name") for e in elems)
    elif kind == "check":
        cols = (column,) if column else ()
    else:
        cols = tuple(strings(con.get("keys"))) or ((column,) if column else ())
        using = model.indexes.get((table.key[0], con["indexname"])) if con.get("indexname") else None
        if using is not None:  # ADD ... USING INDEX: the index's columns
            cols = tuple(c for c in using.columns if c)
    name = con.get("conname")
    if not name:
        if kind == "foreign":
            name = choose_constraint_name(table, name_addition(cols), "fkey")
        elif kind == "check":
            name = choose_constraint_name(table, check_column(con.get("raw_expr")), "check")
        elif kind == "primary":
            name = choose_relation_name(model, table.key[0], table.name, None, "pkey", table)
        else:
            index_cols = index_column_names(elems or [{"name": c} for c in cols])
            index_cols += strings(con.get("including"))
            name = choose_relation_name(model, table.key[0], table.name, name_addition(index_cols),
                                        INDEX_LABEL[kind], table)
    constraint = Constraint(
        name=name,
        kind=kind,
        columns=cols,
        # NOT VALID sets skip_validation; constraints on a new table are always valid.
        validated=not con.get("skip_validation") or table.key in model.session.created,
        site=site_of(stmt, con.get("location") if location is None else location),
    )
    if kind == "foreign":
        constraint.ref_table = model.key(con["pktable"])
        model.fk_refs.setdefault(constraint.ref_table, []).append((table, constraint))
        constraint.ref_columns = tuple(strings(con.get("pk_attrs")))
        constraint.on_delete = con.get("fk_del_action")
        if table.partitioned:
            for part in partitions_of(model, table.key):
                clone_partition_fks(model, table, part, only=constraint)
    elif kind == "check":
        constraint.expr = con.get("raw_expr")
        constraint.not_null_columns = not_null_columns_of(constraint.expr)
    table.constraints[name] = constraint
    mark_created(model, ("constraint", *table.key, name))
    if con.get("skip_validation") and table.key not in model.session.created and model.session.in_transaction:
        model.session.not_valid_in_tx[(table.key, name)] = stmt
    if kind == "primary":
        for c in cols:
            if c in table.columns:
                table.columns[c].not_null = True
    if kind in ("primary", "unique", "exclusion"):
        _constraint_index(model, stmt, table, con, kind, name, cols, elems,
                          con.get("location") if location is None else location)


def _constraint_index(model, stmt, table: Table, con: dict, kind: str, name: str, cols: tuple,
                      elems, location) -> None:
    """The index a PRIMARY KEY, UNIQUE or EXCLUDE constraint creates, named as the
    constraint; or, with USING INDEX, the existing index it takes over and renames."""
    schema = table.key[0]
    index_name = con.get("indexname")
    existing = model.indexes.get((schema, index_name)) if index_name else None
    if existing is not None:
        # ADD CONSTRAINT ... USING INDEX renames the index to the constraint name.
        del model.indexes[(schema, index_name)]
        existing.name, existing.constraint = name, name
        model.indexes[(schema, name)] = existing
        index = existing
    else:
        where = con.get("where_clause")
        index = model.indexes[(schema, name)] = Index(
            name=name,
            table=table.key,
            columns=cols,
            unique=kind != "exclusion",
            partial=bool(where),
            method=con.get("access_method") or "btree",
            constraint=name,
            site=site_of(stmt, location),
            elements=tuple(element_shape(e) for e in elems) if elems else tuple(
                element_shape({"name": c}) for c in cols),
            include=tuple(strings(con.get("including"))),
            predicate=shape(where) if where else None,
            null_filter=null_filter_of(where) if where else None,
        )
    if table.partitioned:
        propagate_index(model, table, (schema, name), index)


def default_index_name(model, table_key: tuple, node: dict) -> str:
    """The name CREATE INDEX gives an index it is not told (ChooseIndexName):
    `<table>_<columns>_idx`, INCLUDE columns and expressions' names among the columns."""
    elems = [p["IndexElem"] for p in node.get("indexParams") or ()]
    elems += [p["IndexElem"] for p in node.get("indexIncludingParams") or ()]
    return choose_relation_name(model, table_key[0], table_key[1],
                                name_addition(index_column_names(elems)), "idx")
