"""gobuffalo pop and ory popx: `<version>_<name>[.<dialect>][.autocommit].(up|down).sql`.

The rules, from their sources (gobuffalo/pop `match.go`, `migrator.go`, `dialect_*.go`;
ory/x `popx/match.go`, `migration_info.go`, `migrator.go`, `migration_box.go`):

- A file name is `^(\\d+)_([^.]+)(\\.[a-z0-9]+)?(\\.autocommit)?\\.(up|down)\\.(sql|fizz)$`; a
  name that does not match is ignored. The dialect segment goes through pop's synonyms
  (`postgresql`, `pg`, `pgx` are `postgres`; `cockroachdb`, `crdb` are `cockroach`; `sqlite`
  is `sqlite3`); a dialect pop does not support (`postgres`, `cockroach`, `mysql`,
  `sqlite3`) makes pop ignore the file. `.autocommit` is popx's flag, not a dialect
  (popx's `match_test.go`).
- A file without a dialect is for every database. For one version and direction, the
  file of the connection's dialect wins over the generic one (popx `sortAndFilter`; pop
  runs the dialect's file first and then skips the generic one, whose version is already
  recorded). Versions are applied in string order.
- Each migration runs in its own transaction, with the insert of its version (pop
  `c.Transaction`, popx `isolatedTransaction`, serializable); popx runs an `.autocommit`
  file outside a transaction.
- popx refuses to start when an up migration has no down migration of its version.
"""

from __future__ import annotations

from functools import lru_cache

from schemalint.diagnostics.engine_rules import LAYOUT_PROBLEM
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.discover.layouts.base import (
    STRING,
    Candidate,
    Layout,
    LoadEnv,
    Skipped,
    natural_key,
    prepare,
)
from schemalint.discover.source import Migration, decode_bytes
from schemalint.lazyre import lazy

_POP = lazy(r"^(?P<version>\d+)_(?P<name>[^.]+)(?P<mid>(?:\.[a-z0-9]+){0,2})\.(?P<dir>up|down)\.sql$")
_SYNONYMS = {"postgresql": "postgres", "pg": "postgres", "pgx": "postgres", "cockroachdb": "cockroach",
             "crdb": "cockroach", "sqlite": "sqlite3"}
_SUPPORTED = frozenset(("postgres", "cockroach", "mysql", "sqlite3"))
ALL = "all"  # pop's dialect of a file without one


class PopFile:
    """One file name as pop reads it."""

    __slots__ = ("autocommit", "dialect", "direction", "version")

    def __init__(self, version: str, dialect: str, direction: str, autocommit: bool) -> None:
        self.version = version
        self.dialect = dialect  # canonical, or "all"
        self.direction = direction
        self.autocommit = autocommit


@lru_cache(maxsize=8192)  # asked of each file by claims, order, skipped and load
def parse(name: str) -> PopFile | None:
    """pop's reading of a file name; None when pop ignores it (no match, or a dialect it
    does not support: see `dialect_of`). The result is shared: read it, do not change it."""
    m = _POP().match(name)
    if m is None:
        return None
    segments = m.group("mid").split(".")[1:]
    autocommit = bool(segments) and segments[-1] == "autocommit"
    if autocommit:
        segments.pop()
    if len(segments) > 1:
        return None  # `.a.b.up.sql`: pop's pattern has room for one dialect and the flag
    dialect = _SYNONYMS.get(segments[0], segments[0]) if segments else ALL
    return PopFile(m.group("version"), dialect, m.group("dir"), autocommit)


class PopLayout(Layout):
    name = "pop"
    description = ("gobuffalo pop / ory popx: <version>_<name>[.<dialect>][.autocommit].up.sql; the postgres "
                   "variant of a version wins over the generic file; a transaction per migration, none for "
                   ".autocommit")
    transaction = True  # pop and popx run each migration in a transaction of its own
    # ... with one Exec of the file's text (pgx without arguments: the simple query protocol).
    sends = STRING

    def __init__(self) -> None:
        self._notes: dict[str, list[str]] = {}
        self._replaced: dict[str, str] = {}  # abs path of a generic file -> the variant that replaces it

    def claims(self, cand: Candidate) -> bool:
        name = cand.name
        return name[:1].isdigit() and _POP().match(name) is not None

    @staticmethod
    def may_claim(names: set[str]) -> bool:
        """Only a directory with pop's own evidence, a dialect or `.autocommit` segment:
        golang-migrate's files have pop's naming too."""
        for name in names:
            if name[:1].isdigit() and name.count(".") > 2:
                found = parse(name)
                if found is not None and (found.dialect in _SUPPORTED or found.autocommit):
                    return True
        return False

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        self._notes, self._replaced = {}, {}
        # (version, direction) -> {dialect: [files]}
        slots: dict[tuple[str, str], dict[str, list[Candidate]]] = {}
        ups: set[str] = set()
        downs: set[str] = set()
        for c in candidates:
            found = parse(c.name)
            if found is None or found.dialect not in _SUPPORTED and found.dialect != ALL:
                continue
            slots.setdefault((found.version, found.direction), {}).setdefault(found.dialect, []).append(c)
            (ups if found.direction == "up" else downs).add(found.version)
        out: list[Candidate] = []
        for version, direction in sorted(slots, key=lambda k: (k[0], k[1] == "down")):
            variants = slots[(version, direction)]
            chosen = sorted(variants.get("postgres") or variants.get(ALL) or [], key=lambda c: natural_key(c.name))
            if not chosen:
                continue
            out.append(chosen[0])
            for other in chosen[1:]:
                self._note(chosen[0], f"pop version {version} has two {direction} migrations for PostgreSQL "
                                      f"(also {other.path}); pop applies one of them")
            if "postgres" in variants:
                for generic in variants.get(ALL, ()):
                    self._replaced[generic.abs_path] = chosen[0].name
            if direction == "up" and version not in downs:
                self._note(chosen[0], f"pop version {version} has no down migration: popx refuses to start")
        return out

    def _note(self, cand: Candidate, message: str) -> None:
        self._notes.setdefault(cand.abs_path, []).append(message)

    def skipped(self, cand: Candidate) -> Skipped:
        found = parse(cand.name)
        if found is None:
            return Skipped(cand.path, "not-a-migration", "not a pop migration file name "
                                                         "(<version>_<name>[.<dialect>].up.sql or .down.sql)", self.name)
        if cand.abs_path in self._replaced:
            return Skipped(cand.path, "replaced", f"generic file: the postgres variant "
                                                  f"{self._replaced[cand.abs_path]} replaces it", self.name)
        if found.dialect not in _SUPPORTED:
            return Skipped(cand.path, "other-dialect", f"dialect `{found.dialect}` is not one pop supports: "
                                                       "pop ignores the file", self.name)
        return Skipped(cand.path, "other-dialect", f"{found.dialect} variant: not PostgreSQL's", self.name)

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        found = parse(cand.name)
        migrations = prepare(cand.path, decoded.text, env, direction=found.direction,
                             in_transaction=not found.autocommit, invalid_at=decoded.invalid_at)
        for message in self._notes.pop(cand.abs_path, ()):
            migrations[0].notes.append(make_diagnostic(LAYOUT_PROBLEM, migrations[0], 0, 0, message))
        return migrations
