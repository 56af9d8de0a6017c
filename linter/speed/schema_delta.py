"""The schema rules of a pass resumed from a checkpoint, run again only where the new
migrations changed the model.

The schema rules look at the final model table by table: a table's findings (at its own
sites: the table, its columns' types, its constraints, its indexes) depend on that table,
its indexes, and the tables it descends from (a partition's parent, an inherited table: the
primary key and timestamp columns it gets from them, the parent's indexes that serve its
foreign keys), plus the extensions the history created (the column-type rules ask) and the
configuration (part of the checkpoint's key). So a checkpoint keeps the schema rules'
findings with the tables each belongs to (the tables owning the site it was reported at),
and a pass resumed from it re-runs the rules only for the tables the new migrations may have
changed and those descending from them; the other tables' findings are the stored ones.

Which tables changed: those the folds of the new up migrations may change in place
(`scratch.changed_tables`, the list a down migration's scratch copy relies on, asked before
each fold: `Model.changes`), those added, removed or replaced (their objects' identity
before and after), and the tables of indexes added, removed or replaced. A change of the
extensions, a finding at a site no table owns, or one the re-run makes about a table it was
not asked about: every table is checked again (`None`). tests/test_checkpoint.py compares
the findings with a whole run's at every cut of real histories, and checks on them that
every table whose stored form changed was among those checked again.
"""

from __future__ import annotations

from schemalint.model.objects import Key, TableMap


class Snapshot:
    """The model's tables, indexes and extensions as a checkpoint restored them (by
    identity), and the tables its stored findings belong to. From then on the model notes
    the tables its up migrations' folds may change (`Model.changes`, until `recheck`)."""

    __slots__ = ("extensions", "indexes", "owners", "tables")

    def __init__(self, model, owners: list[tuple[Key, ...]]) -> None:
        self.tables = {key: id(table) for key, table in model.tables.items()}
        self.indexes = {key: (id(index), index.table) for key, index in model.indexes.items()}
        self.extensions = frozenset(model.extensions)
        self.owners = owners
        model.changes = set()


def site_owners(sites: list, tables, indexes) -> dict[int, set[Key]]:
    """The tables owning each site (by its id) of the (finding, site) pairs `sites`, among
    those of `tables` and `indexes`: a table owns its site, its columns' type sites, its
    constraints' sites and its indexes' sites. Only the reported sites are looked for: a
    map of every site of a long history's model would add to a cold run's peak memory."""
    owners: dict[int, set[Key]] = {id(site): set() for _, site in sites}

    def own(site, key: Key) -> None:
        found = owners.get(id(site))
        if found is not None:
            found.add(key)

    for table in tables:
        key = table.key
        own(table.site, key)
        for column in table.columns.values():
            own(column.type_site, key)
        for con in table.constraints.values():
            own(con.site, key)
    for index in indexes:
        own(index.site, index.table)
    return owners


def attribute(findings: list, sites: list, owners: dict[int, set[Key]]) -> list[tuple[Key, ...]] | None:
    """The tables each of `findings` belongs to (sorted keys), from the (finding, site)
    pairs the rules reported; None when one has no owner."""
    site_of = {id(found): site for found, site in sites}
    out = []
    for found in findings:
        site = site_of.get(id(found))
        keys = owners.get(id(site)) if site is not None else None
        if not keys:
            return None
        out.append(tuple(sorted(keys)))
    return out


def _changed(model, before: Snapshot) -> set[Key] | None:
    if frozenset(model.extensions) != before.extensions:
        return None  # the column-type rules ask which extensions exist
    changed = set(model.changes or ())
    tables, indexes = model.tables, model.indexes
    for key, ident in before.tables.items():
        table = tables.get(key)
        if table is None or id(table) != ident:
            changed.add(key)
    changed.update(key for key in tables if key not in before.tables)
    for key, (ident, table_key) in before.indexes.items():
        index = indexes.get(key)
        if index is None or id(index) != ident or index.table != table_key:
            changed.add(table_key)
            if index is not None:
                changed.add(index.table)
    changed.update(index.table for key, index in indexes.items() if key not in before.indexes)
    return changed


def _parents(table) -> tuple:
    return (table.partition_of, *table.inherits) if table.partition_of else tuple(table.inherits)


def _affected(model, changed: set[Key], stored: list[tuple[Key, ...]]) -> set[Key]:
    """`changed`, the tables descending from them, and the tables sharing a stored finding's
    site with one of them, until nothing is added."""
    children: dict[Key, list[Key]] = {}
    for table in model.tables.values():
        for parent in _parents(table):
            children.setdefault(parent, []).append(table.key)
    affected: set[Key] = set()
    todo = list(changed)
    while todo:
        while todo:
            key = todo.pop()
            if key not in affected:
                affected.add(key)
                todo.extend(children.get(key, ()))
        for keys in stored:
            if len(keys) > 1 and not affected.issuperset(keys) and not affected.isdisjoint(keys):
                todo.extend(keys)
    return affected


def _ancestors(model, keys: set[Key]) -> set[Key]:
    out: set[Key] = set()
    todo = list(keys)
    while todo:
        table = model.tables.get(todo.pop())
        if table is None:
            continue
        for parent in _parents(table):
            if parent not in out:
                out.add(parent)
                todo.append(parent)
    return out


class _View:
    """The model as the schema rules see it, iterating only some tables and indexes (the
    others are still found by key: a partition asks for its parent)."""

    def __init__(self, model, tables: TableMap, indexes: dict) -> None:
        self._model = model
        self.tables = tables
        self.indexes = indexes
        self._written = None  # rulekit.facts.written_columns' index, of the view's tables
        self.folds = model.folds

    def __getattr__(self, name: str):
        return getattr(self._model, name)


class _Tables(TableMap):
    """Some of the model's tables; a key it lacks is looked up in the whole model."""

    __slots__ = ("_all",)

    def __init__(self, every: TableMap, keys: list[Key]) -> None:
        super().__init__()
        self._all = every
        for key in keys:
            dict.__setitem__(self, key, every[key])
        self._seq = {key: i for i, key in enumerate(keys)}
        self._next = len(keys)

    def get(self, key, default=None):
        return self._all.get(key, default)

    def __contains__(self, key) -> bool:
        return key in self._all

    def __missing__(self, key):
        return self._all[key]


def recheck(checker, migrations, before: Snapshot, stored: list) -> list[tuple[Key, ...]] | None:
    """Add to `checker.out` the schema rules' findings on the model the pass has now, from
    `stored` (the findings the checkpoint kept, one list per finding's owners in
    `before.owners`) and the rules run again on the tables that changed (on every table
    when that cannot be told). The owners of the findings added, in order (None: one has
    no owner)."""
    model = checker.model
    changed = _changed(model, before)
    model.changes = None
    if changed is not None:
        affected = _affected(model, changed, before.owners)
        added = _rerun(checker, migrations, model, affected)
        if added is not None:
            fresh, fresh_owners = added
            kept = [i for i, keys in enumerate(before.owners) if affected.isdisjoint(keys)]
            checker.out.extend(stored[i] for i in kept)
            checker.out.extend(fresh)
            return [before.owners[i] for i in kept] + fresh_owners
    return check_every_table(checker, migrations)


def check_every_table(checker, migrations, owners: bool = True) -> list[tuple[Key, ...]] | None:
    """The schema rules on the whole model, their findings added to `checker.out`; with
    `owners`, the tables each finding belongs to, in order (None: one has no owner)."""
    start, sites = len(checker.out), [] if owners else None
    checker.check_schema(migrations, sites=sites)
    if not owners:
        return None
    model = checker.model
    return attribute(checker.out[start:], sites, site_owners(sites, model.tables.values(), model.indexes.values()))


def _rerun(checker, migrations, model, affected: set[Key]):
    tables = model.tables
    keys = sorted((k for k in affected if k in tables), key=tables.position)
    seen = affected | _ancestors(model, affected)
    indexes = {key: index for key, index in model.indexes.items() if index.table in seen}
    view_tables = _Tables(tables, keys)
    sites: list = []
    found: list = []
    checker.check_schema(migrations, _View(model, view_tables, indexes), sites, found)
    owners = attribute(found, sites, site_owners(sites, [tables[k] for k in seen if k in tables],
                                                  indexes.values()))
    if owners is None:
        return None
    fresh, fresh_owners = [], []
    for finding, keys in zip(found, owners):
        if affected.isdisjoint(keys):
            continue  # an ancestor's, made again: its stored one is kept
        if not affected.issuperset(keys):
            return None  # a site shared with a table not checked again
        fresh.append(finding)
        fresh_owners.append(keys)
    return fresh, fresh_owners
