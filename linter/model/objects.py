"""The objects of the schema model: tables, columns, constraints, indexes, and the sites
where they were written (for findings reported at them later).

Each of the four keeps its `comment` (COMMENT ON ... IS 'text'; None when it has none) on
itself: PostgreSQL keys pg_description by the object's oid, so a comment follows renames and
schema moves and goes with the object's drop."""

from __future__ import annotations

from schemalint.discover.source import Migration
from schemalint.parse.statements import fingerprint, token_span, type_span
from schemalint.records import Record

Key = tuple[str, str]  # (schema, name)


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
        return fingerprint(self.sql)


class TypeSite(LazySite):
    """The site of a column's type text (`parse.statements.type_span`)."""

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
    # sequence: the name of the sequence a serial's default draws from (in the table's
    # schema; the partitions of a table share their parent's), or an identity's own.
    __slots__ = ("name", "type", "mods", "array", "not_null", "default", "identity", "serial",
                 "generated", "type_site", "sequence", "comment")

    def __init__(self, name: str, type: str, mods: tuple = (), array: bool = False,
                 not_null: bool = False, default: dict | None = None, identity: str | None = None,
                 serial: str | None = None, generated: bool = False,
                 type_site: Site | TypeSite | None = None, sequence: str | None = None,
                 comment: str | None = None) -> None:
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
        self.sequence = sequence
        self.comment = comment


class Constraint(Record):
    # kind: "primary", "unique", "foreign", "check", "exclusion", "not_null"; on_delete: the
    # libpg_query action letter (a,r,c,n,d); not_null_columns: for CHECK, the columns it
    # proves NOT NULL (`a IS NOT NULL [AND b IS NOT NULL ...]`).
    __slots__ = ("name", "kind", "columns", "validated", "ref_table", "ref_columns", "on_delete",
                 "expr", "site", "not_null_columns", "comment")

    def __init__(self, name: str, kind: str, columns: tuple[str, ...] = (), validated: bool = True,
                 ref_table: Key | None = None, ref_columns: tuple[str, ...] = (),
                 on_delete: str | None = None, expr: dict | None = None, site: Site | TokenSite | None = None,
                 not_null_columns: frozenset = frozenset(), comment: str | None = None) -> None:
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
        self.comment = comment


class Index(Record):
    # columns: None for an expression element; constraint: set when the index backs a
    # PK/UNIQUE/EXCLUDE constraint. elements, include, predicate: comparable forms of what
    # the index stores, to tell duplicate and redundant indexes: one key per element
    # (column or expression, with opclass, collation and ordering), the INCLUDE columns
    # and the WHERE predicate, all with parser locations stripped. null_filter: for a partial
    # index whose predicate only excludes NULLs (`a IS NOT NULL [AND b IS NOT NULL]`), those
    # columns. parent: the index of the partitioned table this partition's index is attached to.
    __slots__ = ("name", "table", "columns", "unique", "partial", "valid", "method", "constraint",
                 "site", "elements", "include", "predicate", "null_filter", "parent", "comment")

    def __init__(self, name: str, table: Key, columns: tuple[str | None, ...], unique: bool = False,
                 partial: bool = False, valid: bool = True, method: str = "btree",
                 constraint: str | None = None, site: Site | TokenSite | None = None,
                 elements: tuple[str, ...] = (), include: tuple[str, ...] = (),
                 predicate: str | None = None, null_filter: frozenset | None = None,
                 parent: Key | None = None, comment: str | None = None) -> None:
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
        self.null_filter = null_filter
        self.parent = parent
        self.comment = comment


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
    # about missing columns stay silent. loaded: a statement of the history may have put rows
    # in it since it was created (INSERT, COPY FROM, UPDATE, MERGE, CREATE TABLE AS with data);
    # an external table holds whatever it held.
    __slots__ = ("key", "columns", "constraints", "persistence", "partitioned", "partition_of",
                 "inherits", "site", "created_in", "kind", "external", "columns_known", "loaded",
                 "comment", "_unloaded_columns")
    _fields = __slots__[:-1]  # the constructor's

    def __init__(self, key: Key, columns: dict[str, Column] | None = None,
                 constraints: dict[str, Constraint] | None = None, persistence: str = "p",
                 partitioned: bool = False, partition_of: Key | None = None,
                 inherits: tuple[Key, ...] = (), site: Site | TokenSite | None = None,
                 created_in: Migration | None = None, kind: str = "table", external: bool = False,
                 columns_known: bool = True, loaded: bool = False, comment: str | None = None) -> None:
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
        self.loaded = loaded
        self.comment = comment

    def __getattr__(self, name: str):
        # Reached only for an unset slot. `columns` is unset on a table a checkpoint restored
        # (speed/checkpoint.py): `_unloaded_columns` makes them on first use, so that a run
        # resumed from a long history's checkpoint builds the columns of the few tables its
        # new migrations touch, not of every table (most of the model's objects).
        if name != "columns":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        columns = self.columns = self._unloaded_columns()
        del self._unloaded_columns
        return columns

    @property
    def name(self) -> str:
        return self.key[1]

    def primary_key(self) -> Constraint | None:
        for c in self.constraints.values():
            if c.kind == "primary":
                return c
        return None
