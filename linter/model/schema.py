"""The schema model, folded statement by statement.

`Model.fold(stmt)` applies one parsed statement. Rules never mutate the model;
the engine runs a statement's rules against the model as it was *before* that
statement, then folds it. Statements the model does not understand are ignored.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring_ascii as _ascii_str  # json.dumps's own

from schemalint.discover.source import Migration
from schemalint.model.lock_modes import LockMode
from schemalint.model.locks import statement_locks
from schemalint.parse.names import (
    SERIAL_TYPES,
    is_array,
    qualified_key,
    relation_key,
    strings,
    type_mods,
    type_name,
)
from schemalint.parse.statements import _IDENT_CONT, _IDENT_START, token_span, type_span
from schemalint.records import Record

Key = tuple[str, str]  # (schema, name)


# The text of a type name as written, from its first token: a possibly quoted and
# qualified name, a second word (`character varying`, `double precision`), modifiers,
# `with[out] time zone` and array bounds.
# (Identifier classes from parse.py: a `\x80-\uffff` range under re.I took ~30 ms to
# compile at every start-up.)
_IDENT = rf'(?:"(?:[^"]|"")*"|{_IDENT_START}{_IDENT_CONT}*)'
TYPE_TEXT = re.compile(
    rf"{_IDENT}(?:\s*\.\s*{_IDENT})*(?:\s+(?:varying|precision)\b)?(?:\s*\([^()]*\))?"
    r"(?:\s+with(?:out)?\s+time\s+zone\b)?(?:\s*\[\s*\d*\s*\])*",
    re.I,
)


class Site(Record):
    """Where an object was defined: enough to report a finding there later.

    `start`/`end` is the span to underline (e.g. the constraint), `sql` the whole
    statement (for the baseline fingerprint)."""

    __slots__ = ("migration", "start", "end", "sql")

    def __init__(self, migration: Migration, start: int, end: int, sql: str) -> None:
        self.migration = migration
        self.start = start
        self.end = end
        self.sql = sql

    @property
    def path(self) -> str:
        return self.migration.path

    @property
    def fingerprint(self) -> str:
        from schemalint.parse.statements import fingerprint

        return fingerprint(self.sql)


class LazySite:
    """A `Site` whose span is found only when asked: every column, constraint and index of a
    history gets a site, but only the few a schema rule reports are ever located (matching
    the text there was ~10% of folding a 50,000-statement history). Keeps the statement's
    place (file, offset map, spans: `parse.StatementPlace`, shared by the statement's
    sites), not its tree, and slices its SQL only when asked."""

    __slots__ = ("_location", "_place", "_span")

    def __init__(self, stmt, location: int) -> None:
        self._place = stmt.place
        self._location = location
        self._span: tuple[int, int] | None = None

    def _find(self) -> tuple[int, int]:
        raise NotImplementedError

    def _locate(self) -> tuple[int, int]:
        span = self._span
        if span is None:
            span = self._span = self._find()
        return span

    @property
    def start(self) -> int:
        return self._locate()[0]

    @property
    def end(self) -> int:
        return self._locate()[1]

    @property
    def migration(self) -> Migration:
        return self._place.migration

    @property
    def sql(self) -> str:
        return self._place.sql

    @property
    def path(self) -> str:
        return self._place.migration.path

    @property
    def fingerprint(self) -> str:
        from schemalint.parse.statements import fingerprint

        return fingerprint(self.sql)


class TypeSite(LazySite):
    """The site of a column's type text (`Statement.span_matching` with TYPE_TEXT)."""

    __slots__ = ()

    def _find(self) -> tuple[int, int]:
        place = self._place
        return type_span(place.offsets, self._location, (place.start, place.end))


class TokenSite(LazySite):
    """The site of the token at a node location (`Statement.span_at`), location >= 0."""

    __slots__ = ()

    def _find(self) -> tuple[int, int]:
        return token_span(self._place.offsets, self._location)


class Column(Record):
    # identity: "always" / "by default"; serial: the serial pseudo-type written, e.g.
    # "bigserial"; generated: GENERATED ALWAYS AS (expr) STORED.
    # type_site: where the column's current type was written (CREATE TABLE, ADD COLUMN or
    # the last ALTER COLUMN TYPE): the span covers the whole type text, e.g. `timestamp(3)
    # without time zone`, so a finding can underline it and a fix can replace it.
    __slots__ = ("name", "type", "mods", "array", "not_null", "default", "identity", "serial",
                 "generated", "type_site")

    def __init__(self, name: str, type: str, mods: tuple = (), array: bool = False,
                 not_null: bool = False, default: dict | None = None, identity: str | None = None,
                 serial: str | None = None, generated: bool = False,
                 type_site: Site | TypeSite | None = None) -> None:
        self.name = name
        self.type = type
        self.mods = mods
        self.array = array
        self.not_null = not_null
        self.default = default
        self.identity = identity
        self.serial = serial
        self.generated = generated
        self.type_site = type_site


class Constraint(Record):
    # kind: "primary", "unique", "foreign", "check", "exclusion", "not_null"; on_delete: the
    # libpg_query action letter (a,r,c,n,d); not_null_columns: for CHECK, the columns it
    # proves NOT NULL (`a IS NOT NULL [AND b IS NOT NULL ...]`).
    __slots__ = ("name", "kind", "columns", "validated", "ref_table", "ref_columns", "on_delete",
                 "expr", "site", "not_null_columns")

    def __init__(self, name: str, kind: str, columns: tuple[str, ...] = (), validated: bool = True,
                 ref_table: Key | None = None, ref_columns: tuple[str, ...] = (),
                 on_delete: str | None = None, expr: dict | None = None, site: Site | TokenSite | None = None,
                 not_null_columns: frozenset = frozenset()) -> None:
        self.name = name
        self.kind = kind
        self.columns = columns
        self.validated = validated
        self.ref_table = ref_table
        self.ref_columns = ref_columns
        self.on_delete = on_delete
        self.expr = expr
        self.site = site
        self.not_null_columns = not_null_columns


class Index(Record):
    # columns: None for an expression element; constraint: set when the index backs a
    # PK/UNIQUE/EXCLUDE constraint. elements, include, predicate: comparable forms of what
    # the index stores, to tell duplicate and redundant indexes: one key per element
    # (column or expression, with opclass, collation and ordering), the INCLUDE columns
    # and the WHERE predicate, all with parser locations stripped.
    __slots__ = ("name", "table", "columns", "unique", "partial", "valid", "method", "constraint",
                 "site", "elements", "include", "predicate")

    def __init__(self, name: str, table: Key, columns: tuple[str | None, ...], unique: bool = False,
                 partial: bool = False, valid: bool = True, method: str = "btree",
                 constraint: str | None = None, site: Site | TokenSite | None = None,
                 elements: tuple[str, ...] = (), include: tuple[str, ...] = (),
                 predicate: str | None = None) -> None:
        self.name = name
        self.table = table
        self.columns = columns
        self.unique = unique
        self.partial = partial
        self.valid = valid
        self.method = method
        self.constraint = constraint
        self.site = site
        self.elements = elements
        self.include = include
        self.predicate = predicate


class IndexMap(dict):
    """Indexes by (schema, name), plus a secondary map table -> its index keys, so that
    dropping or renaming a table or a column touches only that table's indexes: scanning
    every index on each DROP/RENAME made a long history quadratic (50,000 statements took
    30 s). Plain dict reads work as usual; change an index's `table` only via `retable`."""

    __slots__ = ("_by_table",)

    def __init__(self) -> None:
        super().__init__()
        self._by_table: dict[Key, dict[Key, None]] = {}

    def __setitem__(self, key: Key, index: Index) -> None:
        old = dict.get(self, key)
        if old is not None and old.table != index.table:
            self._by_table.get(old.table, {}).pop(key, None)
        dict.__setitem__(self, key, index)
        self._by_table.setdefault(index.table, {})[key] = None

    def __delitem__(self, key: Key) -> None:
        index = dict.pop(self, key)
        self._by_table.get(index.table, {}).pop(key, None)

    _MISSING = object()

    def pop(self, key: Key, default=_MISSING):
        index = dict.pop(self, key, None)
        if index is None:
            if default is IndexMap._MISSING:
                raise KeyError(key)
            return default
        self._by_table.get(index.table, {}).pop(key, None)
        return index

    def setdefault(self, key: Key, default: Index) -> Index:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args, **kwargs) -> None:
        for key, index in dict(*args, **kwargs).items():
            self[key] = index

    def of_table(self, table: Key) -> list[tuple[Key, Index]]:
        keys = self._by_table.get(table)
        return [(k, dict.__getitem__(self, k)) for k in keys] if keys else []

    def retable(self, old: Key, new: Key) -> None:
        """The table `old` was renamed to `new`: move its indexes along."""
        keys = self._by_table.pop(old, None)
        if not keys:
            return
        for k in keys:
            dict.__getitem__(self, k).table = new
        self._by_table.setdefault(new, {}).update(keys)


class TableMap(dict):
    """Tables by key, remembering their position in the dict (which the order of findings
    follows) so that a few tables can be put in that order without scanning them all."""

    __slots__ = ("_seq", "_next")

    def __init__(self) -> None:
        super().__init__()
        self._seq: dict[Key, int] = {}
        self._next = 0

    def __setitem__(self, key: Key, table) -> None:
        if key not in self:  # assigning an existing key keeps its place, as dicts do
            self._seq[key] = self._next
            self._next += 1
        dict.__setitem__(self, key, table)

    def __delitem__(self, key: Key) -> None:
        dict.__delitem__(self, key)
        del self._seq[key]

    _MISSING = object()

    def pop(self, key: Key, default=_MISSING):
        if key in self:
            del self._seq[key]
            return dict.pop(self, key)
        if default is TableMap._MISSING:
            raise KeyError(key)
        return default

    def setdefault(self, key: Key, default=None):
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *args, **kwargs) -> None:
        for key, table in dict(*args, **kwargs).items():
            self[key] = table

    def position(self, key: Key) -> int:
        return self._seq[key]


class Table(Record):
    # persistence: p permanent, u unlogged, t temporary; kind: "table", "view",
    # "materialized view", "foreign table". external: created before the migration history
    # we were given (first seen in an ALTER): we know only what the history did to it, not
    # its full definition. columns_known: False when the columns cannot be told from the SQL
    # (CREATE TABLE AS / SELECT INTO of a query whose output columns we cannot name): rules
    # about missing columns stay silent.
    __slots__ = ("key", "columns", "constraints", "persistence", "partitioned", "partition_of",
                 "inherits", "site", "created_in", "kind", "external", "columns_known")

    def __init__(self, key: Key, columns: dict[str, Column] | None = None,
                 constraints: dict[str, Constraint] | None = None, persistence: str = "p",
                 partitioned: bool = False, partition_of: Key | None = None,
                 inherits: tuple[Key, ...] = (), site: Site | TokenSite | None = None,
                 created_in: Migration | None = None, kind: str = "table", external: bool = False,
                 columns_known: bool = True) -> None:
        self.key = key
        self.columns = {} if columns is None else columns
        self.constraints = {} if constraints is None else constraints
        self.persistence = persistence
        self.partitioned = partitioned
        self.partition_of = partition_of
        self.inherits = inherits
        self.site = site
        self.created_in = created_in
        self.kind = kind
        self.external = external
        self.columns_known = columns_known

    @property
    def name(self) -> str:
        return self.key[1]

    def primary_key(self) -> Constraint | None:
        for c in self.constraints.values():
            if c.kind == "primary":
                return c
        return None


class Session(Record):
    """Per-migration-file state: transactions and settings in effect."""

    __slots__ = ("migration", "explicit_depth", "implicit", "lock_timeout", "statement_timeout",
                 "timezone", "created", "named_at", "renamed_from", "dropped_constraints",
                 "open_begin", "orphan_ends", "escaped_framework_tx", "access_exclusive",
                 "access_exclusive_extended", "not_valid_in_tx", "first_unguarded_lock",
                 "first_unbounded_slow")

    def __init__(self, migration: Migration | None = None, implicit: bool = False) -> None:
        self.migration = migration
        self.explicit_depth = 0  # open BEGIN blocks (PostgreSQL warns on a nested BEGIN)
        self.implicit = implicit  # the framework runs the file inside a transaction
        self.lock_timeout = False
        self.statement_timeout = False
        self.timezone: str | None = None  # SET TIME ZONE / SET timezone in this file
        self.created: set = set()  # keys of relations created in this file
        # Key -> index of the last statement of this file that gave an object that name (by
        # creating it or renaming something to it), and renamed key -> its name before this
        # file's rename. Together they show a swap (`RENAME t TO t_old; RENAME t_new TO t`) or
        # a drop-and-recreate, which leave the name in place for readers. Keys: (schema,
        # relation), (schema, table, column), ("type"|"function", schema, name), ("schema",
        # name), ("extension", name).
        self.named_at: dict = {}
        self.renamed_from: dict = {}
        # Constraints this file dropped: ("constraint", schema, table, name). A later ADD of
        # the same name is a redefinition (and re-runs cleanly when the drop says IF EXISTS).
        self.dropped_constraints: set = set()
        # Transaction facts (read by the transaction, locking and timeout rules).
        self.open_begin = None  # the BEGIN statement of the open explicit transaction
        self.orphan_ends: list = []  # COMMIT/ROLLBACK with no transaction open
        # A COMMIT/ROLLBACK ran with no explicit BEGIN open (ending the framework's
        # transaction, or none): the `COMMIT; ...; BEGIN;` idiom for stepping out of the
        # framework's transaction.
        self.escaped_framework_tx = False
        # ACCESS EXCLUSIVE locks on pre-existing relations held by the open transaction:
        # key -> the statement that took it. Held until COMMIT (13.3.1: "Once acquired, a
        # lock is normally held until the end of the transaction").
        self.access_exclusive: dict = {}
        # A later statement in that transaction already extended the hold (waited on
        # another relation's lock or did slow work).
        self.access_exclusive_extended = False
        # Constraints added NOT VALID in the open transaction: (table key, name) -> statement.
        self.not_valid_in_tx: dict = {}
        # The first statement of this file that took a lock blocking reads or writes on a
        # pre-existing relation with no lock_timeout set: (statement, LockClaim).
        self.first_unguarded_lock: tuple | None = None
        # The first slow statement (scan/rewrite/index build under a lock blocking reads or
        # writes on a pre-existing relation) with no statement_timeout set: (statement, reason).
        self.first_unbounded_slow: tuple | None = None

    @property
    def in_transaction(self) -> bool:
        return self.implicit or self.explicit_depth > 0


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


def not_null_columns_of(expr: dict | None) -> frozenset:
    """Columns a CHECK expression proves non-null: `a IS NOT NULL AND b IS NOT NULL` -> {a, b}.
    PostgreSQL 12+ uses such a validated constraint to skip SET NOT NULL's scan."""
    expr = expr or {}
    bool_expr = expr.get("BoolExpr")
    if bool_expr and bool_expr.get("boolop") == "AND_EXPR":
        out: frozenset = frozenset()
        for arg in bool_expr.get("args") or ():
            out |= not_null_columns_of(arg)
        return out
    test = expr.get("NullTest")
    wanted = "IS_NOT_NULL"
    if bool_expr and bool_expr.get("boolop") == "NOT_EXPR" and len(bool_expr.get("args") or ()) == 1:
        # NOT (a IS NULL): the planner's eval_const_expressions negates it to a IS NOT NULL.
        test, wanted = (bool_expr["args"][0] or {}).get("NullTest"), "IS_NULL"
    if not test or test.get("nulltesttype") != wanted:
        return frozenset()
    fields = strings((test.get("arg") or {}).get("ColumnRef", {}).get("fields"))
    return frozenset(fields[-1:]) if len(fields) == 1 else frozenset()


class Model:
    def __init__(self, pg_version: tuple[int, int] = (15, 0)) -> None:
        self.pg_version = pg_version
        self.tables: TableMap = TableMap()
        self.indexes: IndexMap = IndexMap()
        # Foreign keys by the table they reference, so a rename updates only those.
        # Entries of dropped constraints may remain: updating them is harmless.
        self._fk_refs: dict[Key, list[tuple[Table, Constraint]]] = {}
        self.sequences: dict[Key, Site | TokenSite | None] = {}
        self.types: dict[Key, str] = {}  # enum/domain/composite -> kind
        self.schemas: set[str] = {"public"}
        # User functions by unqualified name -> "immutable" | "stable" | "volatile".
        self.function_volatility: dict[str, str] = {}
        # SET search_path: `search_schema` is where unqualified CREATEs go (the first schema
        # of the path), `search_path` where unqualified names are looked up, in order.
        self.search_schema = "public"
        self.search_path: tuple[str, ...] = ("public",)
        self.session = Session()
        self._index = -1  # index of the statement being folded (for Session.named_at)
        self._locks_for = None
        self._down_sink: Model | None = None
        self._locks: list = []
        # Statements folded so far: facts derived from the model are cached against it
        # (`_written`: facts.written_columns' index of columns by type, and `folds` then).
        self.folds = 0
        self._written = None

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
        owners = {t.key for t, con in self._fk_refs.get(key, ())
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
        # but must never change what later up migrations see: its schema changes go to a
        # throwaway model that shares this file's session (transactions, timeouts, names
        # created in the file).
        self._down_sink = None
        if not migration.folds_into_model:
            self._down_sink = Model(self.pg_version)
            self._down_sink.session = self.session

    # --- folding ------------------------------------------------------------------
    def statement_locks(self, stmt) -> list:
        """`locks.statement_locks` for `stmt` against this model, computed once per statement
        (rules and the fold share it). Call it before `stmt` is folded."""
        if self._locks_for is not stmt:
            self._locks_for = stmt
            self._locks = statement_locks(stmt, self, self.pg_version)
        return self._locks

    def fold(self, stmt) -> None:
        claims = self.statement_locks(stmt)
        self._note_locks(stmt, claims)
        self.fold_schema(stmt)
        self._hold_locks(stmt, claims)

    def fold_schema(self, stmt) -> None:
        """The schema changes of `stmt`: `fold` without the lock bookkeeping, for a file no
        rule will look at. The locks a statement takes only feed per-file `Session` state
        (which locks are held, the first unguarded one), which rules read and
        `begin_migration` throws away; no fold handler reads it. So the model after the file
        is the one `fold` leaves."""
        self.folds += 1
        handler = _FOLDERS.get(stmt.kind)
        if handler is not None:
            target = self if self._down_sink is None or stmt.kind in _SESSION_KINDS else self._down_sink
            target._index = stmt.index
            handler(target, stmt, stmt.node)

    def _blocking_claim(self, claims):
        """The first claim blocking reads or writes on a relation that existed before this file,
        a table's before an index's (DROP INDEX locks both; readers queue on the table)."""
        found = None
        for c in claims:
            if ("reads" in c.blocks or "writes" in c.blocks) and c.relation not in self.session.created:
                if c.kind == "table":
                    return c
                found = found or c
        return found

    def _note_locks(self, stmt, claims) -> None:
        s = self.session
        blocking = self._blocking_claim(claims) if claims else None
        if blocking is not None and not s.lock_timeout and s.first_unguarded_lock is None:
            s.first_unguarded_lock = (stmt, blocking)
        if s.statement_timeout or s.first_unbounded_slow is not None:
            return
        # A slow statement keeps others waiting through its own blocking lock, or through the
        # ACCESS EXCLUSIVE locks its transaction already holds (13.3.1: held until the end of
        # the transaction), e.g. CREATE TABLE ... AS after a DROP TABLE in the same transaction.
        if blocking is None and not (s.in_transaction and s.access_exclusive):
            return
        from schemalint.rulekit.rewrites import slow_reason  # TEMPORARY: bookkeeping moves out

        why = slow_reason(stmt, self, self.pg_version[0], (s.timezone or "").upper() == "UTC")
        if why:
            s.first_unbounded_slow = (stmt, why)

    def extends_exclusive_hold(self, stmt, claims) -> bool:
        """Would `stmt` make the ACCESS EXCLUSIVE locks this transaction holds last longer in a
        way that matters: it waits for a lock on another pre-existing relation, does slow work
        (scan, rewrite, index build), or runs DML or procedural code."""
        if stmt.kind in _NO_WORK:
            return False
        if stmt.kind in _WORK:
            return True
        s = self.session
        if any(c.relation not in s.access_exclusive and c.relation not in s.created for c in claims):
            return True
        from schemalint.rulekit.rewrites import slow_reason  # TEMPORARY: bookkeeping moves out

        return slow_reason(stmt, self, self.pg_version[0]) is not None

    def _hold_locks(self, stmt, claims) -> None:
        s = self.session
        if not s.in_transaction:
            s.access_exclusive.clear()
            s.access_exclusive_extended = False
            s.not_valid_in_tx.clear()
            return
        if stmt.kind == "TransactionStmt":
            return
        if s.access_exclusive and not s.access_exclusive_extended:
            s.access_exclusive_extended = self.extends_exclusive_hold(stmt, claims)
        for c in claims:
            if c.mode == LockMode.ACCESS_EXCLUSIVE and c.relation not in s.created:
                s.access_exclusive.setdefault(c.relation, stmt)

    def _site(self, stmt, location: int | None = None) -> Site | TokenSite:
        if location is None or location < 0:
            return Site(stmt.migration, stmt.start, stmt.end, stmt.sql)
        return TokenSite(stmt, location)

    def _mark_created(self, key: tuple) -> None:
        self.session.created.add(key)
        self.session.named_at[key] = self._index

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

    # CREATE TABLE
    def _create_table(self, stmt, node: dict) -> None:
        # Created in the first schema of the search_path, whatever later schemas hold.
        key = relation_key(node["relation"], self.search_schema)
        if key in self.tables:
            return  # IF NOT EXISTS on an existing table (or a duplicate): no change
        table = Table(key=key, site=self._site(stmt, node["relation"].get("location")),
                      created_in=stmt.migration)
        table.persistence = node["relation"].get("relpersistence", "p")
        table.partitioned = "partspec" in node
        parents = tuple(self.key(r["RangeVar"]) for r in node.get("inhRelations") or () if "RangeVar" in r)
        if node.get("partbound") and parents:
            table.partition_of = parents[0]
        else:
            table.inherits = parents
        for parent_key in parents:
            parent = self.tables.get(parent_key)
            if parent:
                for name, col in parent.columns.items():
                    table.columns.setdefault(name, Column(col.name, col.type, col.mods, col.array, col.not_null, col.default))
        self.tables[key] = table
        self._mark_created(key)
        for elt in node.get("tableElts") or ():
            if "ColumnDef" in elt:
                self._add_column(stmt, table, elt["ColumnDef"])
            elif "Constraint" in elt:
                self._add_constraint(stmt, table, elt["Constraint"])
            elif "TableLikeClause" in elt:
                self._create_like(stmt, table, elt["TableLikeClause"])

    def _create_like(self, stmt, table: Table, like: dict) -> None:
        """CREATE TABLE ... (LIKE src INCLUDING ...): columns and NOT NULL always; defaults,
        identity, generated expressions, CHECK constraints and indexes (with the primary key
        and unique constraints) only when included. Foreign keys are never copied."""
        src = self.tables.get(self.key(like["relation"]))
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
                name = con.name if con.kind == "check" else self._default_constraint_name(
                    table, con.kind, con.columns, {})
                table.constraints[name] = Constraint(
                    name=name, kind=con.kind, columns=con.columns, expr=con.expr,
                    site=self._site(stmt, like["relation"].get("location")),
                    not_null_columns=con.not_null_columns)
        if opts & _LIKE_INDEXES:
            for idx in self.indexes_of(src.key):
                if idx.constraint and idx.constraint not in src.constraints:
                    continue
                name = (self._default_constraint_name(table, src.constraints[idx.constraint].kind,
                                                      idx.columns, {}) if idx.constraint
                        else _truncate(f"{table.name}_{'_'.join(c or 'expr' for c in idx.columns)}_idx"))
                self.indexes[(table.key[0], name)] = Index(
                    name=name, table=table.key, columns=idx.columns, unique=idx.unique,
                    partial=idx.partial, valid=idx.valid, method=idx.method,
                    constraint=name if idx.constraint else None,
                    site=self._site(stmt, like["relation"].get("location")),
                    elements=idx.elements, include=idx.include, predicate=idx.predicate)

    def _query_columns(self, select: dict, names: list[str]) -> dict[str, Column] | None:
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
                sources = [self.tables.get(self.key(f["RangeVar"]))
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

    def _create_from_query(self, stmt, rel: dict, select: dict, names: list[str], kind: str) -> None:
        key = relation_key(rel, self.search_schema)
        if key not in self.tables:
            table = Table(key=key, site=self._site(stmt, rel.get("location")), created_in=stmt.migration, kind=kind,
                          persistence=rel.get("relpersistence", "p"))
            columns = self._query_columns(select, names)
            table.columns, table.columns_known = columns or {}, columns is not None
            self.tables[key] = table
        self._mark_created(key)

    def _create_table_as(self, stmt, node: dict) -> None:
        into = node.get("into") or {}
        rel = into.get("rel")
        if not rel:
            return
        kind = "materialized view" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
        self._create_from_query(stmt, rel, (node.get("query") or {}).get("SelectStmt"),
                                strings(into.get("colNames")), kind)

    def _create_view(self, stmt, node: dict) -> None:
        key = relation_key(node["view"], self.search_schema)
        self.tables[key] = Table(key=key, site=self._site(stmt), created_in=stmt.migration, kind="view")
        self._mark_created(key)

    def _add_column(self, stmt, table: Table, coldef: dict) -> None:
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
        self._mark_created((*table.key, name))
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
                self._add_constraint(stmt, table, con, column=col.name, location=coldef.get("location"))

    def _add_constraint(self, stmt, table: Table, con: dict, column: str | None = None,
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
        name = con.get("conname") or self._default_constraint_name(table, kind, cols, con)
        constraint = Constraint(
            name=name,
            kind=kind,
            columns=cols,
            # NOT VALID sets skip_validation; constraints on a new table are always valid.
            validated=not con.get("skip_validation") or table.key in self.session.created,
            site=self._site(stmt, con.get("location") if location is None else location),
        )
        if kind == "foreign":
            constraint.ref_table = self.key(con["pktable"])
            self._fk_refs.setdefault(constraint.ref_table, []).append((table, constraint))
            constraint.ref_columns = tuple(strings(con.get("pk_attrs")))
            constraint.on_delete = con.get("fk_del_action")
        elif kind == "check":
            constraint.expr = con.get("raw_expr")
            constraint.not_null_columns = not_null_columns_of(constraint.expr)
        table.constraints[name] = constraint
        self._mark_created(("constraint", *table.key, name))
        if con.get("skip_validation") and table.key not in self.session.created and self.session.in_transaction:
            self.session.not_valid_in_tx[(table.key, name)] = stmt
        if kind == "primary":
            for c in cols:
                if c in table.columns:
                    table.columns[c].not_null = True
        if kind in ("primary", "unique", "exclusion"):
            index_name = con.get("indexname")
            existing = self.indexes.get((table.key[0], index_name)) if index_name else None
            if existing is not None:
                # ADD CONSTRAINT ... USING INDEX renames the index to the constraint name.
                del self.indexes[(table.key[0], index_name)]
                existing.name, existing.constraint = name, name
                self.indexes[(table.key[0], name)] = existing
            else:
                self.indexes[(table.key[0], name)] = Index(
                    name=name,
                    table=table.key,
                    columns=cols,
                    unique=kind != "exclusion",
                    partial=bool(con.get("where_clause")),
                    method=con.get("access_method") or "btree",
                    constraint=name,
                    site=self._site(stmt, con.get("location") if location is None else location),
                    elements=tuple(_element_shape({"name": c}) for c in cols) if kind != "exclusion" else (),
                    include=tuple(strings(con.get("including"))),
                    predicate=_shape(con["where_clause"]) if con.get("where_clause") else None,
                )

    @staticmethod
    def _default_constraint_name(table: Table, kind: str, cols: tuple, con: dict) -> str:
        # PostgreSQL's ChooseConstraintName: <table>_<cols>_<suffix>; pkey has no columns.
        if kind == "primary":
            return _truncate(f"{table.name}_pkey")
        if kind == "check":
            expr_cols = cols or ("",)
            return _truncate(f"{table.name}_{expr_cols[0]}_check" if expr_cols[0] else f"{table.name}_check")
        return _truncate(f"{table.name}_{'_'.join(c or 'expr' for c in cols)}_{_SUFFIX[kind]}")

    # ALTER TABLE
    def _alter_table(self, stmt, node: dict) -> None:
        if node.get("objtype") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE", None):
            return
        key = self.key(node["relation"])
        table = self.tables.get(key)
        if table is None:
            if node["relation"].get("relpersistence") == "t" or node.get("missing_ok"):
                return
            table = self.tables[key] = Table(key=key, external=True)
        for item in node.get("cmds") or ():
            cmd = item.get("AlterTableCmd", {})
            sub = cmd.get("subtype")
            name = cmd.get("name")
            col = table.columns.get(name) if name else None
            if sub == "AT_AddColumn":
                coldef = cmd["def"]["ColumnDef"]
                if not (cmd.get("missing_ok") and coldef.get("colname") in table.columns):
                    self._add_column(stmt, table, coldef)
            elif sub == "AT_DropColumn":
                table.columns.pop(name, None)
                for cname, con in list(table.constraints.items()):
                    if name in con.columns:
                        del table.constraints[cname]
                for ikey, idx in self.indexes.of_table(table.key):
                    if name in idx.columns:
                        del self.indexes[ikey]
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
                self._add_constraint(stmt, table, cmd["def"]["Constraint"])
            elif sub == "AT_ValidateConstraint" and name in table.constraints:
                table.constraints[name].validated = True
            elif sub == "AT_DropConstraint":
                self.session.dropped_constraints.add(("constraint", *table.key, name))
                table.constraints.pop(name, None)
                self.indexes.pop((table.key[0], name), None)
            elif sub == "AT_SetLogged":
                table.persistence = "p"
            elif sub == "AT_SetUnLogged":
                table.persistence = "u"
            elif sub == "AT_AttachPartition":
                part = self.table(cmd["def"]["PartitionCmd"]["name"])
                if part:
                    part.partition_of = table.key
            elif sub == "AT_DetachPartition":
                part = self.table(cmd["def"]["PartitionCmd"]["name"])
                if part:
                    part.partition_of = None

    # CREATE INDEX
    def _create_index(self, stmt, node: dict) -> None:
        table_key = self.key(node["relation"])
        name = node.get("idxname")
        if not name:
            cols = [p["IndexElem"].get("name") or "expr" for p in node.get("indexParams") or ()]
            name = _truncate(f"{table_key[1]}_{'_'.join(cols)}_idx")
        key = (table_key[0], name)
        if key in self.indexes and node.get("if_not_exists"):
            return
        self.indexes[key] = Index(
            name=name,
            table=table_key,
            columns=tuple(p["IndexElem"].get("name") for p in node.get("indexParams") or ()),
            unique=bool(node.get("unique")),
            partial=bool(node.get("whereClause")),
            method=node.get("accessMethod", "btree"),
            site=self._site(stmt),
            elements=tuple(_element_shape(p["IndexElem"]) for p in node.get("indexParams") or ()),
            include=tuple(p["IndexElem"].get("name") or _shape(p["IndexElem"])
                          for p in node.get("indexIncludingParams") or ()),
            predicate=_shape(node["whereClause"]) if node.get("whereClause") else None,
        )
        # An index is new in this migration whatever its table: dropping it again in the
        # same file breaks nobody.
        self._mark_created(key)

    # DROP ...
    def _drop(self, stmt, node: dict) -> None:
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
            key = qualified_key(names, self.search_schema)
            if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
                self.tables.pop(key, None)
                for ikey, _ in self.indexes.of_table(key):
                    del self.indexes[ikey]
            elif kind == "OBJECT_INDEX":
                self.indexes.pop(key, None)
            elif kind == "OBJECT_SEQUENCE":
                self.sequences.pop(key, None)
            elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
                self.types.pop(key, None)
            elif kind == "OBJECT_SCHEMA":
                self.schemas.discard(names[-1])

    # ALTER ... RENAME
    def _rename(self, stmt, node: dict) -> None:
        rtype = node.get("renameType")
        new = node.get("newname", "")
        keys = self.rename_keys(node)
        if keys is not None:
            old_key, new_key = keys
            s = self.session
            s.renamed_from[new_key] = s.renamed_from.pop(old_key, old_key)
            s.named_at[new_key] = self._index
            if old_key in s.created:
                self._mark_created(new_key)
            if old_key[0] == "type" and old_key[1:] in self.types:
                self.types[new_key[1:]] = self.types.pop(old_key[1:])
            if old_key[0] == "type":
                self._retype_columns(old_key[1:], new_key[2])
        if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            key = self.key(node["relation"])
            table = self.tables.pop(key, None)
            if table:
                new_key = (key[0], new)
                table.key = new_key
                self.tables[new_key] = table
                self.indexes.retable(key, new_key)
                moved = self._fk_refs.pop(key, ())
                for _, con in moved:
                    if con.ref_table == key:
                        con.ref_table = new_key
                if moved:
                    self._fk_refs.setdefault(new_key, []).extend(moved)
                if key in self.session.created:
                    self._mark_created(new_key)
        elif rtype == "OBJECT_COLUMN":
            table = self.table(node["relation"])
            old = node.get("subname")
            if table and old in table.columns:
                col = table.columns.pop(old)
                col.name = new
                table.columns[new] = col
                for con in table.constraints.values():
                    con.columns = tuple(new if c == old else c for c in con.columns)
                    if old in con.not_null_columns:
                        con.not_null_columns = (con.not_null_columns - {old}) | {new}
                for _, idx in self.indexes.of_table(table.key):
                    idx.columns = tuple(new if c == old else c for c in idx.columns)
                for _, con in self._fk_refs.get(table.key, ()):
                    if con.ref_table == table.key:
                        con.ref_columns = tuple(new if c == old else c for c in con.ref_columns)
        elif rtype == "OBJECT_INDEX":
            key = self.key(node["relation"])
            idx = self.indexes.pop(key, None)
            if idx:
                idx.name = new
                self.indexes[(key[0], new)] = idx
        elif rtype == "OBJECT_TABCONSTRAINT":
            table = self.table(node["relation"])
            old = node.get("subname")
            if table and old in table.constraints:
                con = table.constraints.pop(old)
                con.name = new
                table.constraints[new] = con
        elif rtype == "OBJECT_SEQUENCE":
            key = self.key(node["relation"])
            if key in self.sequences:
                self.sequences[(key[0], new)] = self.sequences.pop(key)

    def _retype_columns(self, old: Key, new_name: str) -> None:
        """ALTER TYPE old RENAME TO new: columns of that type now show the new name (the enum
        swap `RENAME x TO x_old; CREATE TYPE x ...; ALTER COLUMN c TYPE x` changes the type)."""
        target = old[1]
        for table in self.tables.values():
            for col in table.columns.values():
                if not col.type.endswith(target):  # cheap test first: this visits every column
                    continue
                schema, _, name = col.type.rpartition(".")
                if name == target and (schema or self.search_schema) == old[0]:
                    col.type = f"{schema}.{new_name}" if schema else new_name

    def _set_schema(self, stmt, node: dict) -> None:
        if node.get("objectType") in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and node.get("relation"):
            key = self.key(node["relation"])
            table = self.tables.pop(key, None)
            if table:
                table.key = (node.get("newschema", key[0]), key[1])
                self.tables[table.key] = table

    def _create_sequence(self, stmt, node: dict) -> None:
        key = relation_key(node["sequence"], self.search_schema)
        self.sequences[key] = self._site(stmt)
        self._mark_created(key)

    def _create_type(self, stmt, node: dict, kind: str) -> None:
        # CREATE DOMAIN: `domainname` is the new type, `typeName` its base type.
        names = strings(node["domainname"] if "domainname" in node else node.get("typeName"))
        if names:
            key = qualified_key(names, self.search_schema)
            self.types[key] = kind
            self._mark_created(key)
            self._mark_created(("type", *key))

    def _create_composite(self, stmt, node: dict) -> None:
        rel = node.get("typevar") or {}
        if rel.get("relname"):
            key = self.key(rel)
            self.types[key] = "composite"
            self._mark_created(("type", *key))

    def _create_function(self, stmt, node: dict) -> None:
        names = strings(node.get("funcname"))
        if not names:
            return
        self._mark_created(("function", *qualified_key(names, self.search_schema)))
        volatility = "volatile"  # CREATE FUNCTION's default
        for opt in node.get("options") or ():
            d = opt.get("DefElem", {})
            if d.get("defname") == "volatility":
                volatility = (d.get("arg") or {}).get("String", {}).get("sval", volatility)
        self.function_volatility[names[-1]] = volatility

    def _create_extension(self, stmt, node: dict) -> None:
        if node.get("extname"):
            self._mark_created(("extension", node["extname"]))

    def _create_schema(self, stmt, node: dict) -> None:
        if node.get("schemaname"):
            self.schemas.add(node["schemaname"])
            self._mark_created(("schema", node["schemaname"]))


    def _transaction(self, stmt, node: dict) -> None:
        kind = node.get("kind")
        s = self.session
        if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
            if not s.in_transaction:
                s.open_begin = stmt
            s.explicit_depth += 1
        elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED",
                      "TRANS_STMT_ROLLBACK_PREPARED", "TRANS_STMT_PREPARE"):
            if not s.in_transaction and kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
                # PostgreSQL: "WARNING: there is no transaction in progress".
                s.orphan_ends.append(stmt)
            if s.explicit_depth == 0:
                s.escaped_framework_tx = True
            # COMMIT ends every open level: PostgreSQL has no nested BEGIN.
            # and also the framework's implicit transaction, if there was one.
            s.explicit_depth = 0
            s.implicit = False
            s.open_begin = None
            # Locks are released at the end of the transaction (13.3.1).
            s.access_exclusive.clear()
            s.access_exclusive_extended = False
            s.not_valid_in_tx.clear()

    def _variable_set(self, stmt, node: dict) -> None:
        name = node.get("name")
        reset = node.get("kind") in ("VAR_RESET", "VAR_SET_DEFAULT")
        value = None if reset else _setting_value(node)
        enabled = value not in (None, "0", 0)
        if name == "lock_timeout":
            self.session.lock_timeout = enabled
        elif name == "statement_timeout":
            self.session.statement_timeout = enabled
        elif name == "timezone":
            self.session.timezone = None if reset else str(value)
        elif name == "search_path":
            self._set_search_path(None if reset else ",".join(
                (a.get("A_Const", {}).get("sval") or {}).get("sval", "") for a in node.get("args") or ()))

    def _set_search_path(self, value: str | None) -> None:
        """SET search_path / set_config('search_path', ...); None resets it to the default."""
        if value is None:
            self.search_schema, self.search_path = "public", ("public",)
            return
        # "$user" names a schema per role and pg_catalog/pg_temp hold no migration tables:
        # skip them, as creation skips schemas that do not exist.
        path = tuple(p for p in (part.strip().strip('"') for part in value.split(","))
                     if p and p not in ("$user", "pg_catalog", "pg_temp"))
        if path:  # pg_dump's empty search_path qualifies every name: keep ours
            self.search_schema, self.search_path = path[0], path


    def _select(self, stmt, node: dict) -> None:
        # SELECT ... INTO t creates the table t, as CREATE TABLE t AS does.
        into = node.get("intoClause") or {}
        if into.get("rel"):
            self._create_from_query(stmt, into["rel"], node, strings(into.get("colNames")), "table")
        # SELECT set_config('lock_timeout', '5s', false) sets it as SET does.
        for target in node.get("targetList") or ():
            call = (target.get("ResTarget", {}).get("val") or {}).get("FuncCall")
            if not call or strings(call.get("funcname"))[-1:] != ["set_config"]:
                continue
            args = [(a.get("A_Const", {}).get("sval") or {}).get("sval") for a in call.get("args") or ()]
            if len(args) >= 2 and args[0] in ("lock_timeout", "statement_timeout"):
                setattr(self.session, args[0], args[1] not in (None, "0", ""))
            elif len(args) >= 2 and args[0] == "search_path" and args[1] is not None:
                self._set_search_path(args[1])


# Statements that never lengthen a held lock in a way that matters / that always do work.
_NO_WORK = frozenset({"TransactionStmt", "VariableSetStmt", "VariableShowStmt", "CommentStmt",
                      "GrantStmt", "GrantRoleStmt", "AlterOwnerStmt"})
_WORK = frozenset({"DoStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CopyStmt",
                   "CallStmt"})


def _strip_locations(node):
    if isinstance(node, dict):
        return {k: _strip_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_strip_locations(v) for v in node]
    return node


def _shape(node: dict) -> str:
    """A location-free canonical form of a node, to compare index elements and predicates."""
    return json.dumps(_strip_locations(node), sort_keys=True, separators=(",", ":"))


def _element_shape(elem: dict) -> str:
    """An index element without the parser's defaults: `(a)` from CREATE INDEX equals the
    `(a)` of a UNIQUE constraint; ASC is btree's default order."""
    name = elem.get("name")
    if (name and type(name) is str and elem.get("ordering") in (None, "SORTBY_DEFAULT", "SORTBY_ASC")
            and elem.get("nulls_ordering") in (None, "SORTBY_NULLS_DEFAULT")
            and not (elem.get("expr") or elem.get("collation") or elem.get("opclass")
                     or elem.get("opclassopts"))):
        # A plain column, nearly every element: what `_general_element_shape` writes for it.
        return '{"name":' + _ascii_str(name) + "}"
    return _general_element_shape(elem)


def _general_element_shape(elem: dict) -> str:
    kept = {k: elem[k] for k in ("name", "expr", "collation", "opclass", "opclassopts") if elem.get(k)}
    if elem.get("ordering") not in (None, "SORTBY_DEFAULT", "SORTBY_ASC"):
        kept["ordering"] = elem["ordering"]
    if elem.get("nulls_ordering") not in (None, "SORTBY_NULLS_DEFAULT"):
        kept["nulls_ordering"] = elem["nulls_ordering"]
    return _shape(kept)


def _setting_value(node: dict):
    args = node.get("args") or ()
    if not args:
        return None
    const = args[0].get("A_Const", {})
    if "ival" in const:
        return const["ival"].get("ival", 0)
    if "sval" in const:
        return const["sval"].get("sval", "")
    return "?"


# CREATE TABLE ... (LIKE src INCLUDING ...) option bits (parsenodes.h TableLikeOption).
_LIKE_CONSTRAINTS, _LIKE_DEFAULTS, _LIKE_GENERATED, _LIKE_IDENTITY, _LIKE_INDEXES = 4, 8, 16, 32, 64

_RELATION_KINDS = ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE",
                   "OBJECT_SEQUENCE", "OBJECT_INDEX")

# Statements whose fold only changes the per-file session, never the schema.
_SESSION_KINDS = frozenset({"TransactionStmt", "VariableSetStmt"})

_FOLDERS = {
    "CreateStmt": Model._create_table,
    "CreateTableAsStmt": Model._create_table_as,
    "ViewStmt": Model._create_view,
    "AlterTableStmt": Model._alter_table,
    "IndexStmt": Model._create_index,
    "DropStmt": Model._drop,
    "RenameStmt": Model._rename,
    "AlterObjectSchemaStmt": Model._set_schema,
    "CreateSeqStmt": Model._create_sequence,
    "CreateEnumStmt": lambda m, s, n: m._create_type(s, n, "enum"),
    "CreateDomainStmt": lambda m, s, n: m._create_type(s, n, "domain"),
    "CreateSchemaStmt": Model._create_schema,
    "CreateExtensionStmt": Model._create_extension,
    "CompositeTypeStmt": Model._create_composite,
    "CreateFunctionStmt": Model._create_function,
    "TransactionStmt": Model._transaction,
    "VariableSetStmt": Model._variable_set,
    "SelectStmt": Model._select,
}
