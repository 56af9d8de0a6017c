"""What every layout shares: candidates, sort keys, and turning file text into migrations."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from schemalint.discover.inputs import InputLog
from schemalint.discover.source import LineIndex, Migration, decode_bytes
from schemalint.discover.template import blank, render, resolve_include
from schemalint.discover.walk import OTHER_DIALECTS, POSTGRES_DIALECTS
from schemalint.records import Record

_DIGITS = re.compile(r"(\d+)")
# How a runner sends a migration (Layout.sends).
STATEMENTS = "statements"
STRING = "string"
MAX_INCLUDE_DEPTH = 8


# Sort keys of path components already seen: directory names repeat for every file under
# them. Cleared when it grows large (a long-running process that sees many paths).
_COMPONENT_KEYS: dict[str, tuple] = {}
_NAME_KEYS: dict[str, tuple] = {}
# Ends a file name's stem in its key: it sorts before every chunk, so `x.sql` comes before
# `x-fks.sql`, `x_2.sql` and `x-constraints.sql` (by characters `-` would sort before `.`);
# a down file after the other files of its stem (it reverts them).
_STEM_END = (-1, 0, "")
_DOWN_STEM_END = (-1, 1, "")


def _component_key(component: str) -> tuple:
    chunks = _DIGITS.split(component.lower())
    key = tuple([(0, int(c), c) if c.isdigit() else (1, 0, c) for c in chunks if c])
    if len(_COMPONENT_KEYS) > 100_000:
        _COMPONENT_KEYS.clear()
    _COMPONENT_KEYS[component] = key
    return key


def _name_key(name: str) -> tuple:
    """A file name's key: its stem (up to the first dot after the first character), whether
    it is a down file, then the rest. A base file comes before its suffixed companions."""
    dot = name.find(".", 1)
    if dot == -1:
        key = _COMPONENT_KEYS.get(name) or _component_key(name)
    else:
        stem, rest = name[:dot], name[dot + 1:]
        end = _DOWN_STEM_END if name.lower().endswith(".down.sql") else _STEM_END
        key = (*(_COMPONENT_KEYS.get(stem) or _component_key(stem)), end,
               *(_COMPONENT_KEYS.get(rest) or _component_key(rest)))
    if len(_NAME_KEYS) > 100_000:
        _NAME_KEYS.clear()
    _NAME_KEYS[name] = key
    return key


# Keys of directories already seen: files in one directory extend their directory's key.
_DIRECTORY_KEYS: dict[str, tuple] = {}


def natural_key(path: str) -> tuple:
    """Number-aware sort key of a file path: V1_9 < V1_10, 2_x < 10_x; compares path
    components in order, and a file name by its stem first (`x.sql` < `x-fks.sql`)."""
    if os.sep != "/":
        path = path.replace(os.sep, "/")
    head, slash, last = path.rpartition("/")
    last_key = _NAME_KEYS.get(last) or _name_key(last)
    if not slash:
        return (last_key,)
    return (*directory_key(head), last_key)


def directory_key(path: str) -> tuple:
    """Number-aware sort key of a directory path (its components compared in order)."""
    if os.sep != "/":
        path = path.replace(os.sep, "/")
    key = _DIRECTORY_KEYS.get(path)
    if key is None:
        head, slash, last = path.rpartition("/")
        last_key = _COMPONENT_KEYS.get(last) or _component_key(last)
        key = (*directory_key(head), last_key) if slash else (last_key,)
        if len(_DIRECTORY_KEYS) > 100_000:
            _DIRECTORY_KEYS.clear()
        _DIRECTORY_KEYS[path] = key
    return key


_POSIX = os.sep == "/" and os.altsep is None


def basename(path: str) -> str:
    """os.path.basename, without a Python-level call into posixpath on posix."""
    return path.rpartition("/")[2] if _POSIX else os.path.basename(path)


def dirname(path: str) -> str:
    """os.path.dirname: on posix the part before the last "/", trailing slashes dropped unless
    that leaves nothing (then "/"-only or "" as posixpath gives it)."""
    if _POSIX:
        head = path.rpartition("/")[0].rstrip("/")
        if head:
            return head
    return os.path.dirname(path)


def file_dialect(name: str) -> str | None:
    """The database engine a file name is for: `x.sql.<engine>`, `x.<engine>.sql`,
    `x.<engine>.up.sql` / `.down.sql` with a known engine name; "postgres" for PostgreSQL's
    names; None for a file of no engine in particular."""
    lower = name.lower()
    parts = lower.split(".")
    if len(parts) < 3:
        return None
    if parts[-2] == "sql":
        engine = parts[-1]
    elif parts[-1] == "sql":
        engine = parts[-3] if parts[-2] in ("up", "down") and len(parts) > 3 else parts[-2]
    else:
        return None
    if engine in POSTGRES_DIALECTS:
        return "postgres"
    return engine if engine in OTHER_DIALECTS else None


def without_other_dialects(candidates: list[Candidate]) -> list[Candidate]:
    """The files that are not another engine's variant (`x.sql.sqlite`, `x.mysql.sql`)."""
    return [c for c in candidates if file_dialect(c.name) in (None, "postgres")]


def is_down_path(path: str) -> bool:
    name = os.path.basename(path).lower()
    return name == "down.sql" or name.endswith(".down.sql")


class Candidate(Record):
    """A file found on disk, before it is read.

    `name`, `parent` and `directory` are worked out once (discovery passes them in when it
    already knows them from walking the directory)."""

    __slots__ = ("_directory", "_name", "_parent", "abs_path", "path", "root")
    _fields = ("path", "abs_path", "root")

    def __init__(self, path: str, abs_path: str, root: str, name: str | None = None, parent: str | None = None,
                 directory: str | None = None) -> None:
        self.path = path  # display path
        self.abs_path = abs_path
        self.root = root  # the directory argument it was found under ("" for a file argument)
        self._name = name
        self._parent = parent
        self._directory = directory

    @property
    def relative(self) -> str:
        if not self.root:
            return os.path.basename(self.path)
        root = self.root.rstrip(os.sep)
        if self.abs_path.startswith(root + os.sep):  # both absolute and normalised: no relpath
            return self.abs_path[len(root) + 1:]
        return os.path.relpath(self.abs_path, self.root)

    @property
    def name(self) -> str:
        name = self._name
        if name is None:
            name = self._name = basename(self.abs_path)
        return name

    @property
    def directory(self) -> str:
        """os.path.dirname(abs_path)."""
        directory = self._directory
        if directory is None:
            directory = self._directory = dirname(self.abs_path)
        return directory

    @property
    def parent(self) -> str:
        parent = self._parent
        if parent is None:
            parent = self._parent = basename(self.directory)
        return parent


class Skipped(Record):
    """A file discovery found but does not apply, and why. `kind` is stable (`plan --format
    json` and the summaries count by it); `reason` is for people."""

    __slots__ = ("kind", "layout", "path", "reason")
    _fields = ("path", "kind", "reason", "layout")

    def __init__(self, path: str, kind: str, reason: str, layout: str = "") -> None:
        self.path = path  # display path
        self.kind = kind  # "other-dialect", "replaced", "verify-script", "not-in-plan", "not-a-migration", ...
        self.reason = reason
        self.layout = layout


class LoadEnv:
    """Settings a layout needs to turn file bytes into migrations."""

    __slots__ = ("follow_includes", "including", "inputs", "placeholders")

    def __init__(self, placeholders: Mapping[str, str] | None = None, including: tuple[str, ...] = (),
                 follow_includes: bool = True, inputs: InputLog | None = None) -> None:
        self.placeholders = {} if placeholders is None else placeholders
        self.inputs = InputLog() if inputs is None else inputs  # what the run read besides migrations
        # Files already being read, so `\i` cycles stop.
        self.including = including
        self.follow_includes = follow_includes

    def __repr__(self) -> str:
        return (f"LoadEnv(placeholders={self.placeholders!r}, including={self.including!r}, "
                f"follow_includes={self.follow_includes!r})")

    def child(self, including: tuple[str, ...], follow_includes: bool = True) -> LoadEnv:
        return LoadEnv(self.placeholders, including, follow_includes, self.inputs)


class Layout:
    """A framework's conventions: which files, in what order, which direction, which transaction.

    `transaction` is the framework's default for `Migration.in_transaction` (None: we do not
    know; the `assume_in_transaction` setting decides). `sends` is how its runner hands a
    migration to the server: STATEMENTS (one statement at a time, as psql does) or STRING (the
    whole file as one query string: PostgreSQL runs a string of several statements as one
    implicit transaction block, so a CONCURRENTLY statement in it fails; protocol page,
    "Multiple Statements in a Simple Query").
    """

    name = ""
    transaction: bool | None = None
    sends = STATEMENTS
    description = ""

    def claims(self, cand: Candidate) -> bool:
        """Whether a file's path follows this layout's naming (used by auto-detection)."""
        return False

    @staticmethod
    def may_claim(names: set[str]) -> bool:
        """False when `claims` is false for every file with one of these names (a cheap
        test on one directory's file names, so detection need not ask file by file)."""
        return True

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        """The files this layout applies, in apply order (files it ignores are dropped)."""
        roots: dict[str, tuple] = {}

        def key(c: Candidate) -> tuple:
            root = roots.get(c.root)
            if root is None:
                root = roots[c.root] = directory_key(c.root)
            return root, natural_key(c.relative)

        return sorted(candidates, key=key)

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        return prepare(cand.path, decoded.text, env, invalid_at=decoded.invalid_at,
                       direction="down" if is_down_path(cand.path) else "up",
                       in_transaction=self.transaction)

    def skipped(self, cand: Candidate) -> Skipped:
        """Why `order` left a file out."""
        dialect = file_dialect(cand.name)
        if dialect not in (None, "postgres"):
            return Skipped(cand.path, "other-dialect", f"{dialect} variant: not PostgreSQL's", self.name)
        return Skipped(cand.path, "not-a-migration", f"not a {self.name} migration file name", self.name)

    @staticmethod
    def home(path: str) -> str:
        """The directory whose layout a file shows (the summaries group by it): its own
        directory, or the one above a folder per migration."""
        return dirname(path)


def prepare(path: str, text: str, env: LoadEnv, *, sql: str | None = None, base: int = 0,
            direction: str = "up", in_transaction: bool | None = None, invalid_at: int | None = None,
            notes: list | None = None) -> list[Migration]:
    """One section of a file -> migrations.

    `sql` is what the parser sees: the file with the other sections blanked (same length), or,
    with `base`, the slice of the file that starts at offset `base`. Templates are rendered
    here; psql `\\i`/`\\ir` of a file that exists splits the migration around the included
    file's migrations, in the order psql runs them.
    """
    visible = text if sql is None else sql
    rendered = render(visible, env.placeholders)
    migration = Migration(path=path, text=text, sql=sql, direction=direction,
                          in_transaction=in_transaction, invalid_utf8_at=invalid_at)
    if notes:
        migration.notes.extend(notes)
    to_original = rendered.to_original if rendered is not None else None
    if base:
        migration.to_original = _shifted(to_original, base)
    else:
        migration.to_original = to_original
    if rendered is None:
        return [migration]
    migration.sql = rendered.sql
    migration.template = rendered.use
    if base or not env.follow_includes or len(env.including) >= MAX_INCLUDE_DEPTH:
        return [migration]
    includes = [inc for inc in rendered.includes if os.path.isfile(resolve_include(inc, path, env.inputs))]
    if not includes:
        return [migration]
    return _split_at_includes(migration, visible, includes, env)


def _shifted(inner, base: int):
    if inner is None:
        return lambda offset: offset + base
    return lambda offset: inner(offset) + base


def _split_at_includes(migration: Migration, visible: str, includes: list, env: LoadEnv) -> list[Migration]:
    out: list[Migration] = []
    path = migration.path
    lines = LineIndex(migration.text)
    parts_env = env.child(env.including, follow_includes=False)
    start = 0
    for inc in includes + [None]:
        stop = len(visible) if inc is None else inc.offset
        part = blank(visible[:start]) + visible[start:stop] + blank(visible[stop:])
        for m in prepare(path, migration.text, parts_env, sql=part, direction=migration.direction,
                         in_transaction=migration.in_transaction):
            m._lines = lines
            out.append(m)
        if inc is None:
            break
        target = resolve_include(inc, path, env.inputs)
        if os.path.abspath(target) not in env.including:
            try:
                with open(target, "rb") as fh:
                    data = fh.read()
            except OSError:
                data = None
            if data is not None:
                decoded = decode_bytes(data)
                child = env.child(env.including + (os.path.abspath(path), os.path.abspath(target)))
                out.extend(prepare(_display(target), decoded.text, child, direction=migration.direction,
                                   in_transaction=migration.in_transaction,
                                   invalid_at=decoded.invalid_at))
        start = stop
    out[0].notes.extend(migration.notes)
    out[0].invalid_utf8_at = migration.invalid_utf8_at
    return out


def sections(path: str, text: str, spans: list[tuple[int, int, str, bool | None]], env: LoadEnv,
             invalid_at: int | None = None, notes: list | None = None,
             sql_text: str | None = None) -> list[Migration]:
    """Several sections of one file ((start, end, direction, in_transaction) each) -> one
    migration per section, the other sections blanked so offsets equal the file's.
    `sql_text` is the file as the parser should see it (same length as `text`)."""
    source = text if sql_text is None else sql_text
    out: list[Migration] = []
    lines = LineIndex(text) if len(spans) > 1 else None
    for i, (start, end, direction, in_tx) in enumerate(spans):
        if (start, end) == (0, len(text)):
            sql = None if source is text else source
        else:
            sql = blank(source[:start]) + source[start:end] + blank(source[end:])
        for m in prepare(path, text, env, sql=sql, direction=direction, in_transaction=in_tx,
                         invalid_at=invalid_at if i == 0 else None, notes=notes if i == 0 else None):
            if lines is not None and m.path == path:
                m._lines = lines
            out.append(m)
    return out


def _display(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel
