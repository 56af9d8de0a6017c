"""Checkpoints: the state of a check pass after a prefix of the history, so that a run over
the same history with migrations added checks only the new ones (`checkpoints/`).

A pass over migrations [0, k) leaves a `Checker` (check/engine.py) with four things that
later migrations, the schema rules and `finish` read: the schema model, the findings made so
far, the number of statements and the suppression comments' files with their statement
spans. The lock ledger starts afresh at every migration, and `Checker.fold` leaves the model
as `check` does (the premise parallel.py's split rests on), so a pass restored from those
four at k goes on exactly as the pass that stored them would have: the report is the same
byte for byte (tests/test_checkpoint.py compares them at every cut of a small history, on
the held-out repositories and the shared corpus).

Keys: a hash chain over the migrations in order. It starts from what a whole run's key
covers besides the migrations (the code fingerprint: version, code, Python, cache format;
the configuration: rules selected, their options, pg_version...) and adds each migration's
part of that key (path, direction, transaction mode, layout, text...: keys.run_inputs). The
value after migration k names the checkpoint of [0, k): a run looks for the longest prefix
of its own chain that has one. An edited, removed or inserted earlier file changes every
value from there on, so its checkpoint is simply not found (a miss, never a wrong state).

A pass that checks every file (`reported=None`) stores its state after the last migration:
the state the schema rules start from, stored once they ran, with their findings apart and
the tables each belongs to, so that a pass resumed from it runs them again only on the
tables its new migrations changed (schema_delta.py); the sites they reported are stored
located (a `LazySite` keeps its span). A pass that checks only some files (a pre-commit hook's, or
`--changed-since`) may start from a whole pass's checkpoint: its findings are a superset of
those it would have made (the report is filtered by the same scope later, as it is when a
whole run's findings are taken from `runs/`), but it stores none (its findings are not a
whole pass's). Replay's findings join in `finish`, after the state stored here.

The model is stored with pickle (what else would walk its objects: tables, columns,
constraints, indexes, the sites where they were written, and the last file's session). It
holds no statement but those the last file's session names (a BEGIN it left open...) and no
parse tree beyond theirs and a column default's expression; it refers to
migrations and their offset maps, which are stored as their position in the history and
rebuilt from this run's migrations (the chain says they are the same). A statement's place
is stored without the SQL it may have sliced for a finding (sliced again when asked). Each
table's columns are pickled apart, and a restored table unpickles them when first asked
(`Table.__getattr__`): a resumed run builds the columns of the tables it touches only.
Loading accepts schemalint's classes and the rebuilding functions here, nothing else a file
could name; a CRC-32 of the entry catches a damaged byte that would still unpickle (a check
for accidents — a torn write, a flipped bit — as a cache entry needs: whoever can write the
cache directory could write any checksum; CRC-32 reads an entry several times faster than a
cryptographic hash).
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import zlib
from array import array
from functools import partial
from operator import attrgetter

from schemalint.check.engine import Checker
from schemalint.config.settings import PgVersion
from schemalint.discover.source import Migration
from schemalint.model.objects import (
    Column,
    Constraint,
    Index,
    IndexMap,
    Site,
    Table,
    TableMap,
    TokenSite,
    TypeSite,
)
from schemalint.parse.statements import OffsetMap, StatementPlace, migration_offsets
from schemalint.speed import schema_delta
from schemalint.speed.findings import Decoded, decode_diagnostics, encode_diagnostics
from schemalint.speed.keys import hash_parts
from schemalint.speed.store import Cache, read_frames, write_frames

# Bump when what a checkpoint holds changes (it is part of every key).
FORMAT = 6
# Checkpoints kept, most recently written or used first: a base branch's and the few pull
# requests' after it.
MAX_CHECKPOINTS = 4
# A run that started from a checkpoint stores a new one only when the files it checked hold
# at least this share of the history's statements: storing the state of a long history costs
# about as much as checking a sixth to a third of it again, so a pull request that adds a
# migration or two reuses its base branch's checkpoint and stores none (docs/cache.md).
REFRESH_SHARE = 0.1


def chain(inputs: list[str]) -> list[str]:
    """The checkpoint key after each migration. `inputs`: `keys.run_inputs` (the code and the
    configuration, then one part per migration)."""
    value = hash_parts("checkpoint", str(FORMAT), *inputs[:2])
    links = []
    for part in inputs[2:]:
        value = hash_parts(value, part)
        links.append(value)
    return links


def lint(migrations, config, rules, parsed, links: list[str] | None, cache: Cache | None,
         stats: dict, extra=(), extra_rules=(), reported=None, progress=None) -> list:
    """`engine.lint`, starting from the longest checkpoint of `links` (the `chain` of these
    migrations; None: no checkpoints) and storing one after the last migration when every
    file was checked. Returns the findings, and the rows those restored from the checkpoint
    were decoded from (for `encode_diagnostics`; None when none was restored)."""
    checker = Checker(config, rules, parsed)
    store = Checkpoints(cache) if cache is not None and links else None
    k, schema, decoded = store.restore(checker, migrations, links) if store is not None else (0, None, None)
    restored = checker.statement_count
    before = schema_delta.Snapshot(checker.model, schema[1]) if schema is not None else None
    checker.run(migrations[k:], reported, progress)
    made = len(checker.out)
    storing = (store is not None and reported is None and k < len(migrations)
               and (k == 0 or checker.statement_count - restored >= REFRESH_SHARE * checker.statement_count))
    if before is not None:
        # The schema rules again only on the tables the new migrations changed.
        owners = schema_delta.recheck(checker, migrations, before, schema[0])
    else:
        owners = schema_delta.check_every_table(checker, migrations, owners=storing)
    if storing:
        # Stored after the schema rules, their findings apart with the tables they belong
        # to: the state is the one they started from, but the sites they reported have
        # been located in their files (a site keeps its span), so a run from this
        # checkpoint need not find them again.
        store.save(checker, migrations, links[-1], checker.out[:made], checker.out[made:], owners, decoded)
    return checker.finish(migrations, stats, extra, extra_rules), decoded


class Checkpoints:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.dir = os.path.join(cache.base, "checkpoints")

    def found(self, links: list[str]) -> list[int]:
        """The lengths of the prefixes with a checkpoint, longest first (by name only)."""
        try:
            names = set(os.listdir(self.dir))
        except OSError:
            return []
        return [k for k in range(len(links), 0, -1) if links[k - 1] in names]

    def restore(self, checker: Checker, migrations, links: list[str]) -> tuple[int, tuple | None, Decoded | None]:
        """Bring `checker` to the state after the longest prefix of `migrations` that has a
        checkpoint: its length (0: none, `checker` untouched), the schema rules' findings
        on that state with the tables each belongs to (None when they could not be told
        apart by table), and the rows the findings were decoded from."""
        k, state = self._first(migrations, links)
        if state is None:
            return 0, None, None
        checker.resume(*state[:4])
        return k, state[4], state[5]

    def model(self, migrations, links: list[str], lengths: range):
        """The model of the longest checkpoint of a prefix of `migrations` whose length is in
        `lengths`, or None; its findings are not read (the schema review needs the model)."""
        return self._first(migrations, links, lengths, model_only=True)[1]

    def _first(self, migrations, links: list[str], lengths: range | None = None,
               model_only: bool = False) -> tuple[int, tuple | None]:
        """The longest prefix with a checkpoint that loads (of a length in `lengths`) and what
        `_load` read of it; (0, None) when none does. A damaged entry is removed."""
        for k in self.found(links):
            if lengths is not None and k not in lengths:
                continue
            key = links[k - 1]
            path = os.path.join(self.dir, key)
            state = self._load(path, key, migrations[:k], model_only)
            if state is not None:
                _touch(path)  # used: kept before older ones
                return k, state
            _remove(path)
        return 0, None

    # An entry: its header, then the model (`_write_model`: its tables' columns, then the
    # pickled model), then a record in marshal frames (store.write_frames: statements
    # counted, files with suppression comments, the schema rules' findings and the tables
    # each belongs to, then the findings' rows), then the sizes of the columns, the model and
    # the record (8 bytes each), then the CRC-32 of everything after the header (8 hex digits).
    def _load(self, path: str, key: str, prefix, model_only: bool = False) -> tuple | None:
        data = self.cache.read(path)
        header = self.cache.header(key)
        if data is None or not data.startswith(header) or len(data) < len(header) + 48:
            return None
        view = memoryview(data)[len(header):]
        body, digest = view[:-_DIGEST], bytes(view[-_DIGEST:])
        try:
            if _checksum(body) != digest:
                return None  # truncated or damaged
            section, size, record = (int.from_bytes(body[i:i + 8], "little")
                                     for i in range(len(body) - 24, len(body), 8))
            if section + size + record + 24 != len(body):
                return None
            model = _read_model(body, section, size, prefix)
            if model_only:
                return model
            at = section + size
            (count, directives, names, encoded_at, schema_encoded, owners), rows = read_frames(
                body[at:at + record])
            encoded = (names, rows, encoded_at)
            decoded = Decoded()
            out = decode_diagnostics(encoded, decoded)
            if out is None:
                return None
            schema = None
            if owners is not None:
                found = decode_diagnostics(schema_encoded, decoded)
                if found is None or len(found) != len(owners):
                    return None
                schema = (found, owners)
            with_directives = [(prefix[i], spans) for i, spans in directives]
        except Exception:  # noqa: BLE001 - damaged or stale: a miss
            return None
        return model, out, count, with_directives, schema, decoded

    def save(self, checker: Checker, migrations, key: str, findings: list, schema_findings: list,
             owners: list | None, decoded: Decoded | None = None) -> None:
        """Store `checker`'s state, reached after every one of `migrations`, with the
        `findings` made up to there, under `key`; and the schema rules' findings on it
        with the tables each belongs to (`owners`; None: they cannot be told apart, and a
        run from here checks every table again). Nothing is stored when a finding or the
        model cannot be (a miss next time, never a wrong state). The model is pickled
        straight into the file: a long history's would otherwise be held twice more in
        memory."""
        index = {id(m): i for i, m in enumerate(migrations)}
        try:
            directives = [(index[id(m)], spans) for m, spans in checker.with_directives]
        except KeyError:  # a file outside this history: cannot be stored
            return
        model = checker.model

        def fill(fh) -> None:
            out = _Digesting(fh)
            # Not the types rules' index of columns (rulekit.facts.written_columns): rebuilt
            # on demand, and stale anyway once a later migration folds.
            written, model._written = model._written, None
            try:
                section, size = _write_model(out, model, migrations, index)
            finally:
                model._written = written
            # The findings after the model: the pickler's memo is gone by then, and the
            # encoded findings are not held beside it (both would add to the peak).
            encoded = encode_diagnostics(findings, decoded)
            schema_encoded = encode_diagnostics(schema_findings, decoded) if owners is not None else None
            if encoded is None:
                raise _Unstorable
            names, rows, encoded_at = encoded
            del encoded
            record = write_frames(out.write, (checker.statement_count, directives, names, encoded_at,
                                              schema_encoded, owners if schema_encoded is not None else None),
                                  rows)
            out.write(b"".join(n.to_bytes(8, "little") for n in (section, size, record)))
            fh.write(_checksum(crc=out.crc))

        try:
            written = self.cache.write(os.path.join(self.dir, key), self.cache.header(key), fill=fill)
        except Exception:  # noqa: BLE001 - something the model holds cannot be pickled
            return
        if written:
            self._prune()

    def _prune(self) -> None:
        try:
            entries = sorted(os.scandir(self.dir), key=lambda e: e.stat().st_mtime, reverse=True)
            for old in entries[MAX_CHECKPOINTS:]:
                os.unlink(old.path)
        except OSError:
            pass


_DIGEST = 8


def _checksum(data=b"", crc: int = 0) -> bytes:
    """The CRC-32 of `data`, continued from `crc`, as 8 hex digits."""
    return b"%08x" % zlib.crc32(data, crc)


class _Unstorable(Exception):
    """A finding the cache's encoding cannot hold: nothing is stored."""


class _Digesting:
    """A file that keeps the CRC-32 of what is written to it (as `_checksum` computes it)."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.crc = 0
        self.size = 0  # bytes written

    def write(self, data) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += memoryview(data).nbytes
        return self.fh.write(data)


def _touch(path: str) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# --- the model, pickled ---------------------------------------------------------------
# A migration and its offset map are stored as their position in the history; `_Loader`
# gives these names the migrations of the run that loads them.
def _migration_at(i: int):
    raise pickle.UnpicklingError("a migration outside a checkpoint's history")


def _offsets_at(i: int):
    raise pickle.UnpicklingError("an offset map outside a checkpoint's history")


def _dict_with_slots(cls, items: dict, slots: list):
    """A TableMap or IndexMap: their `__setitem__` keeps an index in their slots, which
    pickle's default would call before the slots exist. Items and slots are set as stored."""
    obj = cls.__new__(cls)
    for name, value in slots:
        object.__setattr__(obj, name, value)
    dict.update(obj, items)
    return obj


def _reduce_dict_with_slots(obj):
    return _dict_with_slots, (type(obj), dict(obj), [(s, getattr(obj, s)) for s in type(obj).__slots__])


def _place(cls, migration, offsets, start, end, sql_start, sql_end):
    """A StatementPlace, its SQL not yet sliced (it is, again, when a finding asks)."""
    place = cls.__new__(cls)
    place.migration, place.offsets, place.start, place.end = migration, offsets, start, end
    place.sql_start, place.sql_end, place._sql = sql_start, sql_end, None
    return place


def _reduce_place(place):
    return _place, (type(place), place.migration, place.offsets, place.start, place.end,
                    place.sql_start, place.sql_end)


def _slot_maker(cls: type, names: tuple[str, ...] | None = None):
    """A function `cls`'s objects are rebuilt with from their slots' values in order (what
    `_reduce_slotted` stores; `names`: these slots only): `o = cls.__new__(cls)`, then one
    attribute store per slot. Written out per class, as dataclasses writes an `__init__`: the
    model's columns, constraints, indexes and tables are most of a checkpoint's objects, and a
    store in bytecode costs less than `object.__setattr__` called once per slot. The classes
    define neither `__new__` nor `__setattr__`, so the object is the same."""
    names = copyreg._slotnames(cls) if names is None else names
    if not all(n.isidentifier() and not n.startswith("__") for n in names):
        raise TypeError(f"{cls.__qualname__}: slots that cannot be written as attributes")
    name = f"_make_{cls.__name__}"
    params = ", ".join(f"v{i}" for i in range(len(names)))
    stores = "".join(f"    o.{n} = v{i}\n" for i, n in enumerate(names))
    namespace = {"__name__": __name__, "cls": cls}
    exec(f"def {name}({params}):\n    o = cls.__new__(cls)\n{stores}    return o\n", namespace)  # noqa: S102 - slot names only
    maker = namespace[name]
    maker.__qualname__ = name
    globals()[name] = maker  # pickle stores it by name and checks it is found there
    return maker, attrgetter(*names) if len(names) > 1 else (lambda obj, n=names[0]: (getattr(obj, n),))


def _reduce_slotted(maker, get):
    # One tuple of values per object: pickle's default would build a (None, {slot: value})
    # pair for each, and its memo keeps every one of them until the end (100 MB on bench (b)).
    return lambda obj: (maker, get(obj))


def _lazy_site(cls, location, place, span):
    """A TypeSite or TokenSite (the most numerous objects: one per column at least)."""
    site = cls.__new__(cls)
    site._location, site._place, site._span = location, place, span
    return site


def _reduce_lazy_site(site):
    return _lazy_site, (type(site), site._location, site._place, site._span)


def _reduce_pg_version(version):
    # A tuple whose constructor takes (major, minor), not the tuple pickle would pass it.
    return PgVersion, tuple(version)


_SLOTTED = (Column, Constraint, Index, Site)
_MAKERS = {cls: _slot_maker(cls) for cls in _SLOTTED}
_MAKER_NAMES = frozenset(maker.__name__ for maker, _ in _MAKERS.values())

# A table is stored with its columns apart: pickled on their own in a section before the
# model (`_write_model`), that a restored table unpickles on first use (`Table.__getattr__`).
# A run resumed from a long history's checkpoint uses the columns of the few tables its new
# migrations touch, and the columns (with their type sites) are most of a model's objects
# (bench (b): 87,000 columns of 5,915 tables; `python bench/checkpoint_stages.py`'s restore
# stage was 373 ms with every table's columns built, 237 ms without). A column belongs to one table's `columns`: one met anywhere else,
# or in two tables, would be two objects once restored, so the model is then not stored.
_TABLE_REST = tuple(n for n in copyreg._slotnames(Table) if n not in ("columns", "_unloaded_columns"))
_make_table_rest, _table_rest = _slot_maker(Table, _TABLE_REST)
_COLUMNS_SLOT = Table.__dict__["columns"]  # the slot itself: reading it never unpacks


def _table(start: int, size: int, *rest):  # a name only: `_Loader.find_class` gives `_Loader._table`
    raise pickle.UnpicklingError("a table outside a checkpoint")


def _unpack_columns(context: _Context, start: int, size: int) -> dict:
    """A restored table's columns, from where its checkpoint's section holds them."""
    return _Loader(io.BytesIO(context.section[start:start + size]), context.prefix, context).load()


class _Dumper(pickle.Pickler):
    def __init__(self, file, migrations, index: dict[int, int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        texts = {id(m.parse_text): i for i, m in enumerate(migrations)}

        def migration(m):
            i = index.get(id(m))
            if i is None:
                raise pickle.PicklingError("a migration outside the history")
            return _migration_at, (i,)

        def offsets(o):
            i = texts.get(id(o.text))
            if i is not None and o._to_original is migrations[i].to_original:
                return _offsets_at, (i,)
            return o.__reduce_ex__(pickle.HIGHEST_PROTOCOL)  # another text: stored whole

        # Per type, in C: no Python call for the other objects (a persistent_id would be
        # called for every one of them).
        self.dispatch_table = {Migration: migration, OffsetMap: offsets,
                               TableMap: _reduce_dict_with_slots, IndexMap: _reduce_dict_with_slots,
                               PgVersion: _reduce_pg_version, StatementPlace: _reduce_place,
                               TypeSite: _reduce_lazy_site, TokenSite: _reduce_lazy_site}
        for cls, (maker, get) in _MAKERS.items():
            self.dispatch_table[cls] = _reduce_slotted(maker, get)
        self.dispatch_table[Table] = self._reduce_table
        self.dispatch_table[Column] = _column_outside_a_table
        self.columns_at: dict[int, tuple[int, int]] = {}  # id(table) -> its columns' place (_write_model)

    def _reduce_table(self, table: Table):
        where = self.columns_at.get(id(table))
        if where is None:  # not among those `_tables` found: its columns were not written
            raise _Unstorable("a table outside the model's tables and foreign keys")
        return _table, (*where, *_table_rest(table))


def _tables(model) -> list[Table]:
    """The tables the model holds: its tables, and those its foreign keys' entries name
    (a table dropped or replaced since may still be there: `fold_ddl._live`)."""
    found = {id(t): t for t in model.tables.values()}
    for refs in model.fk_refs.values():
        for table, _ in refs:
            found.setdefault(id(table), table)
    return list(found.values())


def _write_model(file: _Digesting, model, migrations, index: dict[int, int]) -> tuple[int, int]:
    """Write the model's tables' columns, each table's a pickle of its own (so that a
    restored table unpickles its own only; see _TABLE_REST), then the pickled model, which
    names where its tables' columns are. Returns the size of each. Written to the file as
    they are made: a section of every table's columns held in memory until the model is
    written would add to a cold run's peak. _Unstorable when the model cannot be restored
    as it is."""
    dumper = _Dumper(file, migrations, index)
    columns = _ColumnsDumper(file, dumper.dispatch_table)
    start = file.size
    dumper.columns_at = {id(table): columns.pack(table, start) for table in _tables(model)}
    if columns.shared():
        raise _Unstorable("a column of two tables")
    del columns  # its memo and buffers, before the model's
    section = file.size - start
    dumper.dump(model)
    return section, file.size - start - section


def _read_model(body, section: int, size: int, prefix):
    """The model `_write_model` wrote at the start of `body` (`section`, `size`: what it
    returned)."""
    loader = _Loader(io.BytesIO(body[section:section + size]), prefix)
    model = loader.load()
    # The restored tables' columns are read from this copy (the entry itself is let go).
    loader.context.section = bytes(body[:section])
    return model


def _column_outside_a_table(column):
    raise _Unstorable("a column held outside its table's columns")


class _ColumnsDumper(pickle.Pickler):
    """Pickles one table's columns at a time (a memo of its own for each: no reference to
    another table's objects), as `_Dumper` pickles the rest."""

    def __init__(self, file: _Digesting, dispatch: dict) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.file = file
        self.dispatch_table = dict(dispatch)
        self.dispatch_table[Column] = self._reduce_column
        self.dispatch_table[Table] = _table_inside_columns
        # Every column packed, by id: told apart once all are written (`shared`), not in a
        # set as they come, which would add a set of every column to a cold run's peak.
        self.ids = array("Q")
        self._column = _reduce_slotted(*_MAKERS[Column])

    def pack(self, table: Table, origin: int) -> tuple[int, int]:
        """Write `table`'s columns; where they are, from `origin`: (start, size)."""
        file = self.file
        start = file.size
        try:
            columns = _COLUMNS_SLOT.__get__(table, Table)
        except AttributeError:  # restored and never used since: as its checkpoint stored them
            context, at, size = table._unloaded_columns.args
            file.write(context.section[at:at + size])
        else:
            self.clear_memo()
            self.dump(columns)
        return start - origin, file.size - start

    def _reduce_column(self, column):
        self.ids.append(id(column))
        return self._column(column)

    def shared(self) -> bool:
        """Whether a column was written twice (with two tables)."""
        ids = self.ids
        return len(set(ids)) != len(ids)


def _table_inside_columns(table):
    raise _Unstorable("a table held by a column")


class _Context:
    """What the loaders of one checkpoint share: the run's migrations (`prefix`), one offset
    map per migration, the section of the tables' columns (`_read_model` sets it once the
    model is read) and the names found (a table's columns are a pickle of their own, each
    naming the same few functions and classes)."""

    __slots__ = ("found", "offsets", "prefix", "section")

    def __init__(self, prefix) -> None:
        self.prefix = prefix
        self.offsets: dict[int, OffsetMap] = {}
        self.section = b""
        # A name of this module, or a class's "module.name" -> what it names.
        self.found: dict[str, object] = {"_migration_at": prefix.__getitem__,
                                         "_offsets_at": self.offsets_at}

    def offsets_at(self, i: int) -> OffsetMap:
        found = self.offsets.get(i)
        if found is None:
            found = self.offsets[i] = migration_offsets(self.prefix[i])
        return found


class _Loader(pickle.Unpickler):
    """Loads a checkpoint's model (`context`: None) or one table's columns."""

    def __init__(self, file, prefix, context: _Context | None = None) -> None:
        super().__init__(file)
        self.context = _Context(prefix) if context is None else context

    def _table(self, start: int, size: int, *rest) -> Table:
        table = _make_table_rest(*rest)
        # Bound to the context, not to this loader (whose memo holds every object it made).
        table._unloaded_columns = partial(_unpack_columns, self.context, start, size)
        return table

    def find_class(self, module: str, name: str):
        found = self.context.found
        if module == __name__:
            if name in found:
                return found[name]
            if name == "_table":
                return self._table  # not kept: it would keep this loader
            if name in ("_dict_with_slots", "_place", "_lazy_site") or name in _MAKER_NAMES:
                found[name] = globals()[name]
                return found[name]
        elif module.startswith("schemalint."):
            key = f"{module}.{name}"
            if key in found:
                return found[key]
            cls = super().find_class(module, name)
            if isinstance(cls, type):
                found[key] = cls
                return cls
        raise pickle.UnpicklingError(f"not in a checkpoint: {module}.{name}")
