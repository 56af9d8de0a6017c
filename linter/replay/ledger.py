"""The tracer's ledger: what it knows of the server's relations (their names, the structure of
each table) and which locks the open transaction holds. It turns catalog rows into the
traces' locks, changes and rewrites; it sends no query itself."""

from __future__ import annotations

from dataclasses import dataclass

from schemalint.model.lock_modes import LockMode, blocks
from schemalint.replay.queries import fold_structure
from schemalint.replay.trace import KINDS, Change, LockTrace, Relation, StatementTrace

# A table lock at SHARE UPDATE EXCLUSIVE or above is needed for any change to its
# structure; plain DML (ROW EXCLUSIVE, ACCESS SHARE) cannot change it.
_DDL_MODE_NAMES = frozenset(m.sql_name for m in LockMode if m >= LockMode.SHARE_UPDATE_EXCLUSIVE)


def ddl_oids(locks) -> list[int]:
    """The relations `locks` hold strongly enough to change their structure, in oid order."""
    return sorted({lock.relation.oid for lock in locks if lock.mode in _DDL_MODE_NAMES})


def _display(name: str) -> str:
    return name[7:] if name.startswith("public.") else name


def _relation(oid: int, name: str, relkind: str | None) -> Relation:
    return Relation(oid, _display(name), KINDS.get(relkind, relkind or "relation"))


@dataclass
class _Held:
    lock: LockTrace
    since: float  # monotonic time of the start of the statement that acquired it


class Ledger:
    def __init__(self) -> None:
        self.names: dict[int, Relation] = {}
        # The relations that existed before the migration file being traced.
        self.pre_existing: set[int] = set()
        self.structure: dict[int, dict[tuple[str, str], str]] = {}
        # The open transaction's locks, by (oid, pg_locks mode).
        self.held: dict[tuple[int, str], _Held] = {}
        # Counts the changes to `held`: what the tracer built from it is still good while it
        # is the same.
        self.held_version = 0

    def read_relations(self, rows) -> None:
        """All relations, before the traced migrations (`queries.RELATIONS_SQL`)."""
        self.names = {oid: _relation(oid, name, kind) for oid, name, kind in rows}
        self.pre_existing = set(self.names)

    def learn_relations(self, rows) -> None:
        """Relations read later (`queries.RELATIONS_SQL`): name those not known yet."""
        for oid, name, kind in rows:
            if oid not in self.names:
                self.names[oid] = _relation(oid, name, kind)

    def read_structure(self, rows) -> None:
        """Every table's structure, before the traced migrations."""
        self.structure = fold_structure(rows)

    def index_tables(self, names: list[str]) -> list[int] | None:
        """The tables with an index of each name (in any schema), in oid order; None when
        one of the names is not known as a table's index."""
        out: set[int] = set()
        for name in names:
            found = [oid for oid, table in self.structure.items() if ("index", name) in table]
            if not found:
                return None
            out.update(found)
        return sorted(out)

    def start_file(self) -> None:
        # Relations known now (from the first catalog read, then from every lock
        # observed) existed before this file: the ones it creates are not.
        self.pre_existing = set(self.names)

    def lock(self, oid: int, mode_text: str, relkind: str | None, name: str | None,
             transient_ok: bool = False, known: set | None = None,
             created: bool | None = None) -> LockTrace | None:
        """A lock row -> LockTrace. `known`: the relations known before the statement (a
        relation may have several lock rows: the first one teaches us its name), or
        `created`: whether the relation was unknown before the statement."""
        try:
            mode = LockMode.from_pg_locks(mode_text)
        except ValueError:  # not a table-level mode
            return None
        rel = self.names.get(oid)
        if created is None:
            created = oid not in (known if known is not None else self.names)
        if name is not None:
            rel = _relation(oid, name, relkind)
            self.names[oid] = rel
        elif rel is None:
            if not transient_ok:
                # Gone already and never known: the scratch heap or index of a rewrite.
                return None
            rel = Relation(oid, f"(oid {oid})", "relation")
        blocked = blocks(mode)
        return LockTrace(relation=rel, mode=mode.sql_name,
                         blocks=tuple(b for b in ("reads", "writes", "ddl") if b in blocked),
                         pre_existing=oid in self.pre_existing, created=created)

    def rename(self, lock: LockTrace, name: str, relkind: str) -> None:
        """Name a relation that could not be named while the statement ran."""
        lock.relation = _relation(lock.relation.oid, name, relkind)
        self.names[lock.relation.oid] = lock.relation

    def note_own_locks(self, trace: StatementTrace, started: float, rows) -> None:
        """A's lock rows after `trace`'s statement: those not held before are its own."""
        names, held = self.names, self.held
        unknown: set[int] = set()  # the relations not known before the statement
        for oid, mode_text, relkind, name, lock_timeout in rows:
            key = (oid, mode_text)
            if key in held:
                continue  # taken by an earlier statement of this transaction
            trace.lock_timeout = lock_timeout
            if oid not in names:
                unknown.add(oid)
            lock = self.lock(oid, mode_text, relkind, name, created=oid in unknown)
            if lock is not None:
                trace.locks.append(lock)
                held[key] = _Held(lock, started)
                self.held_version += 1

    def held_locks(self) -> list[LockTrace]:
        return [held.lock for held in self.held.values()]

    def note_during(self, trace: StatementTrace) -> None:
        """`trace`'s statement ran while the held locks were held."""
        for held in self.held.values():
            held.lock.during.append(trace)

    def release_all(self, now: float) -> None:
        """The transaction ended at `now` (monotonic): every lock it held is released."""
        for held in self.held.values():
            held.lock.held_ms = (now - held.since) * 1000
        self.held.clear()
        self.held_version += 1

    def forget_held(self) -> None:
        """An untraced statement ended the transaction: its locks were never timed."""
        self.held.clear()
        self.held_version += 1

    def record_rewrites(self, trace: StatementTrace, before: dict[int, int],
                        after: dict[int, int]) -> None:
        """The relations whose `pg_class.relfilenode` changed were rewritten (ALTER TABLE
        ... TYPE, VACUUM FULL, CLUSTER, a volatile ADD COLUMN default)."""
        for oid, node in before.items():
            new = after.get(oid)
            if new is not None and new != node:
                rel = self.names.get(oid) or Relation(oid, f"(oid {oid})", "relation")
                trace.rewrites.append(rel)

    def keep_unread(self, now: dict[int, dict], unread) -> None:
        """Complete a partial structure reading: the entries `unread(key)` of each table
        were not read, so they are as last seen."""
        for oid, new in now.items():
            old = self.structure.get(oid)
            if old is not None:
                new.update((key, d) for key, d in old.items() if unread(key))

    def record_changes(self, trace: StatementTrace, now: dict[int, dict], locks) -> None:
        """Diff the structure of the tables locked for DDL against what we last saw. A
        table with such a lock that is missing from `now` was dropped."""
        for lock in locks:
            oid = lock.relation.oid
            if oid in self.structure and oid not in now and lock.mode in _DDL_MODE_NAMES:
                trace.changes.append(Change(lock.relation.name, "table", lock.relation.name,
                                            "dropped", oid=oid))
                del self.structure[oid]
        for oid, new in now.items():
            old = self.structure.get(oid)
            if old == new:
                continue
            table = self.names[oid].name if oid in self.names else f"(oid {oid})"
            if old is None:
                trace.changes.append(Change(table, "table", table, "added", oid=oid))
            else:
                for (obj, name), definition in new.items():
                    if (obj, name) not in old:
                        trace.changes.append(Change(table, obj, name, "added", definition, oid=oid))
                    elif old[(obj, name)] != definition:
                        trace.changes.append(Change(table, obj, name, "changed", definition,
                                                    old[(obj, name)], oid=oid))
                for (obj, name), definition in old.items():
                    if (obj, name) not in new:
                        trace.changes.append(Change(table, obj, name, "dropped", definition, oid=oid))
            self.structure[oid] = new
