"""The schema model, folded statement by statement.

`Model.fold(stmt)` applies one parsed statement: its schema changes (fold_ddl.py) and its
changes to the file's session (transaction.py). Rules never mutate the model; the engine
runs a statement's rules against the model as it was *before* that statement, then folds
it. Statements the model does not understand are ignored.
"""

from __future__ import annotations

from schemalint.discover.source import Migration
from schemalint.model.fold_create import (
    create_table,
    create_table_as,
    create_view,
    refresh_matview,
    select_into,
)
from schemalint.model.fold_ddl import (
    alter_enum,
    alter_table,
    comment,
    create_composite,
    create_extension,
    create_function,
    create_hypertable,
    create_index,
    create_schema,
    create_sequence,
    create_type,
    drop,
    load_rows,
    rename,
    set_schema,
)
from schemalint.model.objects import (
    Constraint,
    Index,
    IndexMap,
    Key,
    Site,
    Table,
    TableMap,
    TokenSite,
)
from schemalint.model.plpgsql import do_statements, rejected
from schemalint.model.recover import with_recovered
from schemalint.model.scratch import Scratch, changed_tables
from schemalint.model.transaction import (
    Session,
    fold_set_config,
    fold_transaction,
    fold_variable_set,
)
from schemalint.parse.names import qualified_key, relation_key, strings
from schemalint.parse.statements import parse_migration


class Model:
    """The schema as the migrations folded so far leave it, and the session of the file being
    folded."""

    def __init__(self, pg_version: tuple[int, int] = (15, 0)) -> None:
        self.pg_version = pg_version
        self.tables: TableMap = TableMap()
        self.indexes: IndexMap = IndexMap()
        # Foreign keys by the table they reference (kept by fold_ddl.py), so a rename updates
        # only those. Entries of dropped constraints may remain: updating them is harmless.
        self.fk_refs: dict[Key, list[tuple[Table, Constraint]]] = {}
        self.sequences: dict[Key, Site | TokenSite | None] = {}
        self.types: dict[Key, str] = {}  # enum/domain/composite -> kind
        self.enums: dict[Key, tuple[str, ...]] = {}  # enum -> its labels, in order
        # Materialized views created or last refreshed WITH NO DATA: not readable yet.
        self.unpopulated: set[Key] = set()
        self.schemas: set[str] = {"public"}
        # Extensions a CREATE EXTENSION of the history created (kept after a DROP EXTENSION:
        # the extension rules ask whether the project uses it).
        self.extensions: set[str] = set()
        # TimescaleDB hypertables: create_hypertable(...) or CREATE TABLE ... WITH
        # (timescaledb.hypertable) in the history (kept through renames, dropped with them).
        self.hypertables: set[Key] = set()
        # User functions by unqualified name -> "immutable" | "stable" | "volatile".
        self.function_volatility: dict[str, str] = {}
        # SET search_path: `search_schema` is where unqualified CREATEs go (the first schema
        # of the path), `search_path` where unqualified names are looked up, in order.
        self.search_schema = "public"
        self.search_path: tuple[str, ...] = ("public",)
        self.session = Session()
        self.stmt_index = -1  # index of the statement being folded (for Session.named_at)
        self._scratch: Scratch | None = None  # a down migration's (begin_migration)
        # Statements folded so far: facts derived from the model are cached against it
        # (`_written`: facts.written_columns' index of columns by type, and `folds` then).
        self.folds = 0
        self._written = None
        # When a set: the keys of the tables up migrations' folds may have changed in place
        # (scratch.changed_tables), collected for speed/schema_delta.py; None: not tracked.
        self.changes: set[Key] | None = None

    # --- lookups -------------------------------------------------------------------
    def key(self, rangevar: dict) -> Key:
        schema = rangevar.get("schemaname")
        if schema == "pg_temp":  # temporary tables are kept under the schema they were made in
            return self.resolve(rangevar.get("relname", ""))
        if schema or len(self.search_path) == 1:
            return relation_key(rangevar, self.search_schema)
        return self.resolve(rangevar.get("relname", ""))

    def qualified(self, names: list[str]) -> Key:
        """`qualified_key` with an unqualified name looked up along the search_path."""
        if len(names) >= 2 or len(self.search_path) == 1:
            return qualified_key(names, self.search_schema)
        return self.resolve(names[0] if names else "")

    def resolve(self, name: str) -> Key:
        """An unqualified relation name: the first schema of the search_path that holds a table,
        index or sequence of that name (as PostgreSQL looks it up), else the creation schema."""
        for schema in self.search_path:
            key = (schema, name)
            if key in self.tables or key in self.indexes or key in self.sequences:
                return key
        return (self.search_schema, name)

    def table(self, rangevar_or_key) -> Table | None:
        key = rangevar_or_key if isinstance(rangevar_or_key, tuple) else self.key(rangevar_or_key)
        return self.tables.get(key)

    def created_in_this_migration(self, key: tuple) -> bool:
        """`key`: any key of `Session.created` (a relation's, a column's, a constraint's)."""
        return key in self.session.created

    def referencing(self, key: Key) -> list[Key]:
        """Other tables with a foreign key to `key`, in table order."""
        tables = self.tables
        owners = {t.key for t, con in self.fk_refs.get(key, ())
                  if con.ref_table == key and t.key != key and t.constraints.get(con.name) is con
                  and tables.get(t.key) is t}
        return sorted(owners, key=tables.position)

    def indexes_of(self, key: Key) -> list[Index]:
        return [i for _, i in self.indexes.of_table(key)]

    # --- migration boundaries -----------------------------------------------------
    def begin_migration(self, migration: Migration, assume_in_transaction: bool) -> None:
        implicit = migration.in_transaction
        if implicit is None:
            implicit = assume_in_transaction
        self.session = Session(migration=migration, implicit=bool(implicit))
        self.search_schema = "public"
        self.search_path = ("public",)
        # A down migration is checked against the schema as it stands when it would run,
        # plus its own earlier statements, but must never change what later up migrations
        # see: it folds into a scratch copy (scratch.py), dropped at the end of the file.
        self.end_migration()
        if not migration.folds_into_model:
            self._scratch = Scratch(self)

    def end_migration(self) -> None:
        """The file is done: a down migration's scratch copy is dropped."""
        if self._scratch is not None:
            self._scratch.restore(self)
            self._scratch = None

    # --- folding ------------------------------------------------------------------
    def fold(self, stmt) -> None:
        """Apply `stmt` (after its rules ran: they see the model as the statement finds it)."""
        self.folds += 1
        handler = _FOLDERS.get(stmt.kind)
        if handler is not None:
            self.stmt_index = stmt.index
            if self._scratch is not None and stmt.kind not in _SESSION_KINDS:
                self._scratch.isolate(self, stmt)
            elif self.changes is not None:
                self.changes |= changed_tables(self, stmt)
            handler(self, stmt, stmt.node)

    def rename_keys(self, node: dict) -> tuple[tuple, tuple] | None:
        """(old key, new key) of a RenameStmt, in the key forms of `Session.named_at`."""
        rtype = node.get("renameType")
        new = node.get("newname", "")
        rel = node.get("relation")
        if rtype in _RELATION_KINDS and rel:
            key = self.key(rel)
            return key, (key[0], new)
        if rtype == "OBJECT_COLUMN" and rel:
            key = self.key(rel)
            return (*key, node.get("subname", "")), (*key, new)
        if rtype in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            obj = node.get("object") or {}
            names = strings(obj.get("List", {}).get("items")) or strings(obj.get("TypeName", {}).get("names"))
            if names:
                key = qualified_key(names, self.search_schema)
                return ("type", *key), ("type", key[0], new)
        if rtype in ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE", "OBJECT_AGGREGATE"):
            names = strings((node.get("object") or {}).get("ObjectWithArgs", {}).get("objname"))
            if names:
                key = qualified_key(names, self.search_schema)
                return ("function", *key), ("function", key[0], new)
        if rtype == "OBJECT_SCHEMA":
            return ("schema", node.get("subname", "")), ("schema", new)
        return None


def _do(model, stmt, node: dict) -> None:
    """DO: the DDL its body runs (plpgsql.py), folded as if written in the file."""
    for inner in do_statements(stmt):
        handler = _FOLDERS.get(inner.kind)
        if handler is None or inner.kind in _SESSION_KINDS or inner.kind == "DoStmt" or rejected(model, inner):
            continue
        if model._scratch is not None:
            model._scratch.isolate(model, inner)
        elif model.changes is not None:
            model.changes |= changed_tables(model, inner)
        handler(model, inner, inner.node)


def _select(model, stmt, node: dict) -> None:
    select_into(model, stmt, node)
    fold_set_config(model, node)
    create_hypertable(model, node)


_RELATION_KINDS = ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE",
                   "OBJECT_SEQUENCE", "OBJECT_INDEX")

# Statements whose fold only changes the per-file session, never the schema.
_SESSION_KINDS = frozenset({"TransactionStmt", "VariableSetStmt"})

_FOLDERS = {
    "CreateStmt": create_table,
    "CreateTableAsStmt": create_table_as,
    "RefreshMatViewStmt": refresh_matview,
    "ViewStmt": create_view,
    "AlterTableStmt": alter_table,
    "IndexStmt": create_index,
    "DropStmt": drop,
    "RenameStmt": rename,
    "AlterObjectSchemaStmt": set_schema,
    "CreateSeqStmt": create_sequence,
    "CreateEnumStmt": lambda m, s, n: create_type(m, s, n, "enum"),
    "CreateDomainStmt": lambda m, s, n: create_type(m, s, n, "domain"),
    "CreateSchemaStmt": create_schema,
    "CreateExtensionStmt": create_extension,
    "CompositeTypeStmt": create_composite,
    "AlterEnumStmt": alter_enum,
    "CreateFunctionStmt": create_function,
    "TransactionStmt": fold_transaction,
    "VariableSetStmt": fold_variable_set,
    "SelectStmt": _select,
    "DoStmt": _do,
    "InsertStmt": load_rows,
    "CopyStmt": load_rows,
    "UpdateStmt": load_rows,
    "MergeStmt": load_rows,
    "CommentStmt": comment,
}


def fold_history(migrations, pg_version: tuple[int, int] = (15, 0),
                 assume_in_transaction: bool = False, model: Model | None = None) -> Model:
    """The model after every up migration of `migrations` (in apply order), as `check`
    leaves it: CREATE TABLEs that failed to parse recovered (recover.py); down migrations
    change nothing it keeps, so they are not folded. `model`: go on folding that one (the
    schema diff looks at the model between two stretches of one history)."""
    model = Model(pg_version) if model is None else model
    for migration in migrations:
        if not migration.folds_into_model:
            continue
        result = parse_migration(migration)
        model.begin_migration(migration, assume_in_transaction)
        for stmt in with_recovered(model, migration, result) if result.errors else result.statements:
            try:
                model.fold(stmt)
            except Exception:  # noqa: BLE001 - as `check`: one statement the model trips on
                pass
        model.end_migration()
    return model
