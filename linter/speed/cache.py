"""The on-disk cache of `schemalint check`, and the check command's lint stage built on it.

Two levels here, each keyed so that a hit gives exactly what a fresh run would have given
(a third, the report cache of runcache.py, keeps whole reports in the same directory):

* **Parse results, per file** (`parse.pack`). A file's `RawParse` (statements as kind, JSON
  tree and span; syntax errors as position and message) depends on the text handed to
  the parser and nothing else, so it is keyed by that text's hash, the schemalint
  version and a fingerprint of schemalint's own code. When one migration is added or
  edited, every other file's parse comes from here.
* **Findings of a whole run** (`runs/`). `engine.lint` is pure: its findings are a
  function of the migrations in order (path, direction, transaction mode, text) and the
  configuration. The key hashes all of those, so a re-run over unchanged files with the
  same configuration loads its findings without importing the parser or the rules. A run
  that checks only some files (`engine.lint(reported=)`) is keyed with them too, and takes
  a whole run's findings of the same inputs when there are some.

Findings are **not** cached per file, unlike ruff's per-file cache: a migration's
findings depend on the schema model folded from every earlier migration (was the table
created in this file? does an index cover that foreign key?), and schema rules look at
the final model, so a per-file entry goes stale as soon as an earlier file changes.

The cache lives in `--cache-dir`, else `$SCHEMALINT_CACHE_DIR`, else `.schemalint_cache/`
at the project root (the nearest directory up from the current one holding
`.schemalint.yaml`, `pyproject.toml` or `.git`), else `$XDG_CACHE_HOME/schemalint`.
(The directory of the configuration file, when there is one, is the project root.)
`--no-cache` or `SCHEMALINT_NO_CACHE=1` turns it off. Entries are written to a temporary
file and renamed into place (atomic on POSIX and Windows), so concurrent runs never see
half an entry; an entry that cannot be read or decoded is ignored and recomputed; a cache
directory that cannot be written is skipped silently. Deleting the directory is always
safe.
"""

from __future__ import annotations

import enum
import gc
import marshal
import os
import sys
import time
from collections import Counter

from schemalint.version import __version__

# Edit, Fix, Severity and StatementRef: imported by `_finding_types()` when findings are
# encoded or decoded, so that resolving the cache directory and computing keys (all a
# report-cache hit needs, runcache.py) loads no diagnostics or rule modules.

CACHE_DIR_NAME = ".schemalint_cache"
# Bump when the layout of entries changes.
FORMAT = 3
# Whole-run entries kept (newest first): one per distinct set of inputs and settings.
MAX_RUN_ENTRIES = 16
# Parse results kept: those of the last run, then recently used ones up to this size.
MAX_PACK_BYTES = 512 * 1024 * 1024
MAX_AGE_SECONDS = 30 * 86_400
# Below this much SQL, parsing costs less than reading the parse pack (which holds the
# whole project's parse results): a pre-commit run over one file skips it.
PACK_MIN_CHARS = 256 * 1024
# Pack files a forked child inherited from its parent: never closed or flushed by the child.
_INHERITED: list = []
_PROJECT_MARKERS = (".schemalint.yaml", ".schemalint.yml", "pyproject.toml", ".git")


def _truthy(value: str | None) -> bool:
    return bool(value) and value.strip().lower() not in ("0", "false", "no", "off", "")


def resolve_dir(no_cache: bool = False, cache_dir: str | None = None, cwd: str | None = None,
                root: str | None = None) -> str | None:
    """The cache directory to use, or None when caching is off. `root`: the directory of
    the configuration file, when there is one."""
    if no_cache or _truthy(os.environ.get("SCHEMALINT_NO_CACHE")):
        return None
    if cache_dir:
        return cache_dir
    env = os.environ.get("SCHEMALINT_CACHE_DIR")
    if env:
        return env
    if root:
        return os.path.join(root, CACHE_DIR_NAME)
    here = os.path.abspath(cwd or os.getcwd())
    probe = here
    while True:
        if any(os.path.exists(os.path.join(probe, m)) for m in _PROJECT_MARKERS):
            return os.path.join(probe, CACHE_DIR_NAME)
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "schemalint")


def _blake2b(data: bytes = b"", digest_size: int = 20):
    # hashlib's blake2b is _blake2's; importing hashlib itself also loads OpenSSL (_hashlib,
    # ~3 ms of every start-up) for algorithms the cache never uses.
    global _blake2b
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - a Python built without its own blake2
        from hashlib import blake2b
    _blake2b = blake2b
    return blake2b(data, digest_size=digest_size)


def _hash(*parts: str) -> str:
    h = _blake2b(digest_size=20)
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def bytes_hash(data: bytes) -> str:
    return _blake2b(data, digest_size=20).hexdigest()


def text_hash(text: str) -> str:
    return bytes_hash(text.encode("utf-8", "surrogatepass"))


_code_fingerprint: str | None = None


def code_fingerprint() -> str:
    """schemalint's version, its code (file sizes and mtimes of every module, so an edited
    rule in a development checkout invalidates the cache) and the Python version
    (marshal's format). Computed once per process: the code a process runs is the code it
    loaded (the report cache and the lint cache both ask)."""
    global _code_fingerprint
    if _code_fingerprint is not None:
        return _code_fingerprint
    from importlib.util import find_spec

    parts = [__version__, str(FORMAT), sys.version]
    # find_spec locates schemalint.rules without importing it (and pglast with it).
    roots = [os.path.dirname(os.path.abspath(__file__))]
    spec = find_spec("schemalint.rules")
    roots += list(spec.submodule_search_locations or ()) if spec else []
    for root in roots:
        stack = [root]
        while stack:
            d = stack.pop()
            try:
                entries = sorted(os.scandir(d), key=lambda e: e.name)
            except OSError:
                continue
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        stack.append(e.path)
                elif e.name.endswith(".py"):
                    st = e.stat()
                    path = e.path
                    # os.path.relpath(path, root), without its two abspath calls per file:
                    # scandir paths are `root` + separator + the rest.
                    if path.startswith(root) and path[len(root):len(root) + 1] == os.sep:
                        rel = path[len(root) + 1:]
                    else:  # pragma: no cover - a root that is not normalised
                        rel = os.path.relpath(path, root)
                    parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}")
    _code_fingerprint = _hash(*parts)
    return _code_fingerprint


def canonical(obj) -> str:
    """A deterministic text for a configuration value (sets and dicts sorted), so equal
    configurations give equal keys across processes."""
    fields = _field_names(obj)
    if fields is not None:
        inner = ",".join(f"{name}={canonical(getattr(obj, name))}" for name in fields)
        return f"{type(obj).__name__}({inner})"
    if isinstance(obj, enum.Enum):
        return f"{type(obj).__name__}.{obj.name}"
    if isinstance(obj, dict) or hasattr(obj, "items") and callable(obj.items):
        return "{" + ",".join(sorted(f"{canonical(k)}:{canonical(v)}" for k, v in obj.items())) + "}"
    if isinstance(obj, (set, frozenset)):
        return "set(" + ",".join(sorted(canonical(v) for v in obj)) + ")"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(canonical(v) for v in obj) + "]"
    return repr(obj)


def _field_names(obj) -> tuple[str, ...] | None:
    """The fields of a record-like configuration value: the `_fields` of schemalint's plain
    classes (LintConfig, PathOverride), or a dataclass's fields; None for anything else."""
    if isinstance(obj, (type, tuple)):  # a namedtuple's `_fields` too: it is a tuple
        return None
    fields = getattr(type(obj), "_fields", None)
    if isinstance(fields, tuple):
        return fields
    # No dataclass instance can exist unless `dataclasses` was imported: do not import it.
    dc = sys.modules.get("dataclasses")
    if dc is not None and dc.is_dataclass(obj):
        return tuple(f.name for f in dc.fields(obj))
    return None


class Cache:
    def __init__(self, root: str) -> None:
        self.root = root
        self.tag = code_fingerprint()
        self.base = os.path.join(root, self.tag[:20])
        self._prepared = False

    # --- files --------------------------------------------------------------------
    def _read(self, path: str) -> bytes | None:
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def _write(self, path: str, *chunks: bytes) -> bool:
        """Write an entry atomically; False when it could not be written."""
        try:
            self.prepare()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            # A name no other process uses (pid) and no earlier crash left behind (O_EXCL).
            tmp = f"{path}.{os.getpid()}.{id(chunks)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
            try:
                with os.fdopen(fd, "wb") as fh:
                    for chunk in chunks:  # not joined: a parse pack is tens of MB
                        fh.write(chunk)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            return False  # a read-only or full disk: run without caching
        return True

    def prepare(self) -> None:
        """Before the first write (of any level, the report cache's too): create the cache
        directory (marked as a cache for git and backup tools) and drop entries written by
        other versions of schemalint. Raises OSError when it cannot be created."""
        if self._prepared:
            return
        self._prepared = True
        fresh = not os.path.isdir(self.base)
        os.makedirs(self.base, exist_ok=True)
        gitignore = os.path.join(self.root, ".gitignore")
        if not os.path.exists(gitignore):
            with open(gitignore, "w", encoding="utf-8") as fh:
                fh.write("# Created by schemalint.\n*\n")
            with open(os.path.join(self.root, "CACHEDIR.TAG"), "w", encoding="utf-8") as fh:
                fh.write("Signature: 8a477f597d28d172789f06886806bc55\n"
                         "# This is a cache directory created by schemalint.\n")
        if fresh:
            for entry in os.scandir(self.root):
                if entry.path != self.base and _is_ours(entry):
                    import shutil  # only now: ~3 ms to import (bz2, lzma, zlib)

                    shutil.rmtree(entry.path, ignore_errors=True)

    # An entry is a header naming its own key, then marshal data: a file that is
    # truncated, foreign or was written for another key is recognised and ignored.
    @staticmethod
    def _header(key: str) -> bytes:
        return b"SLC%d:" % FORMAT + key.encode("ascii") + b"\n"

    def _load(self, path: str, key: str):
        data = self._read(path)
        if data is None:
            return None
        header = self._header(key)
        if not data.startswith(header):
            return None
        try:
            return marshal.loads(memoryview(data)[len(header):])
        except Exception:  # noqa: BLE001 - truncated or damaged: a miss
            return None

    def _store(self, path: str, key: str, blob: bytes) -> None:
        self._write(path, self._header(key), blob)

    # --- parse results ----------------------------------------------------------------
    # One pack file of records instead of one small file per migration (0.5 ms each here):
    # after the header, each record is a 4-byte length, the marshal of (digest, last used,
    # blob length), then the blob (marshal bytes of a RawParse). Blobs are kept as slices
    # of the file's bytes, not copied; new entries are appended to the next pack as they
    # are parsed, so a cold run over a large history never holds all of them (issue 6's
    # memory bound), and the pack is renamed into place at the end.
    def _pack_path(self) -> str:
        return os.path.join(self.base, "parse.pack")

    def load_pack(self) -> None:
        self._pack: dict[str, tuple[int, memoryview]] = {}
        self._pack_new: set[str] = set()
        self._pack_used: set[str] = set()
        self._pack_out = None
        self._pack_tmp: str | None = None  # the next pack's temporary name, once chosen
        self._pack_size = 0
        data = self._read(self._pack_path())
        header = self._header("parse")
        if data is None or not data.startswith(header):
            return
        view = memoryview(data)
        pos, end = len(header), len(data)
        while pos + 4 <= end:
            size = int.from_bytes(view[pos:pos + 4], "little")
            start = pos + 4 + size
            try:
                digest, used_at, blob_len = marshal.loads(view[pos + 4:start])
            except Exception:  # noqa: BLE001 - damaged: keep what came before
                break
            if (start > end or not isinstance(digest, str) or not isinstance(used_at, int)
                    or not isinstance(blob_len, int) or start + blob_len > end):
                break  # truncated
            self._pack[digest] = (used_at, view[start:start + blob_len])
            pos = start + blob_len

    def load_parse(self, digest: str):
        """The cached RawParse of this text, or None."""
        entry = self._pack.get(digest)
        if entry is None:
            return None
        try:
            raw = marshal.loads(entry[1])
        except Exception:  # noqa: BLE001 - a damaged entry: a miss
            return None
        if (isinstance(raw, tuple) and len(raw) == 2 and isinstance(raw[0], list)
                and isinstance(raw[1], list)):
            self._pack_used.add(digest)
            return raw
        return None

    def _pack_record(self, digest: str, used_at: int, blob) -> None:
        meta = marshal.dumps((digest, used_at, len(blob)))
        out = self._pack_out
        out.write(len(meta).to_bytes(4, "little"))
        out.write(meta)
        out.write(blob)
        self._pack_size += len(blob)

    def _open_pack(self) -> bool:
        """Start the next pack file (a temporary name until `save_pack`)."""
        if self._pack_out is not None:
            return True
        try:
            self.prepare()
            if self._pack_tmp is None:
                self._pack_tmp = f"{self._pack_path()}.{os.getpid()}.{id(self)}.tmp"
            self._pack_out = open(self._pack_tmp, "wb")
            self._pack_out.write(self._header("parse"))
            return True
        except OSError:
            self._pack_out = None
            return False

    def store_parse(self, digest: str, blob: bytes) -> None:
        """Add a RawParse already encoded with marshal to the next pack (`save_pack`)."""
        if digest in self._pack_new or not self._open_pack():
            return
        try:
            self._pack_record(digest, int(time.time()), blob)
            self._pack_new.add(digest)
        except OSError:
            self._discard_pack()

    # --- a forked child's parse results (parallel.py) ---------------------------------
    def child_pack_path(self, pid: int) -> str:
        return f"{self._pack_path()}.{pid}.child.tmp"

    def flush_pack(self) -> None:
        """Before a fork: nothing of the next pack may sit in a buffer both processes hold."""
        if self._pack_out is not None:
            self._pack_out.flush()

    def fork_pack(self) -> None:
        """In a forked child: write new parse results to a pack file of its own
        (`child_pack_path`), which the parent adds to its pack (`absorb_pack`)."""
        # The parent's open pack file object stays referenced, never closed or freed here:
        # that would flush whatever its buffer held into the file the parent is writing
        # (the parent flushes before forking; this makes sure).
        _INHERITED.append(self._pack_out)
        self._pack_out = None
        self._pack_new = set()
        self._pack_size = 0
        self._pack_tmp = self.child_pack_path(os.getpid())

    def close_child_pack(self) -> tuple[str | None, list[str], list[str]]:
        """In the child, when done: (its pack file or None, the digests in it, the digests
        it loaded from the pack), for `absorb_pack`."""
        out, self._pack_out = self._pack_out, None
        path = None
        if out is not None:
            try:
                out.close()
                path = self._pack_tmp
            except OSError:
                pass
        return path, sorted(self._pack_new), sorted(self._pack_used)

    def absorb_pack(self, path: str | None, digests: list[str], used: list[str]) -> None:
        """Take in what a child's `close_child_pack` reported: its pack file is appended to
        the next pack (the caller deletes the file), and the entries it used count as used
        here (`save_pack` keeps them fresh)."""
        self._pack_used.update(used)
        if path is None:
            return
        try:
            with open(path, "rb") as fh:
                header = self._header("parse")
                if fh.read(len(header)) == header and self._open_pack():
                    import shutil

                    start = self._pack_out.tell()
                    shutil.copyfileobj(fh, self._pack_out, 1 << 20)
                    self._pack_size += self._pack_out.tell() - start
                    self._pack_new.update(digests)
        except OSError:
            self._discard_pack()  # the pack may now hold half a record: write none this run

    def _discard_pack(self) -> None:
        out, self._pack_out = self._pack_out, None
        if out is not None:
            out.close()
            try:
                os.unlink(self._pack_tmp)
            except OSError:
                pass

    def save_pack(self) -> None:
        """Write the pack when there are new entries (or used ones not refreshed for a
        day): entries of this run first, then older ones while under the size cap."""
        now = int(time.time())
        stale = any(now - self._pack[d][0] > 86_400 for d in self._pack_used)
        if not self._pack_new and not stale:
            self._discard_pack()
            return
        if not self._open_pack():
            return
        try:
            written = set(self._pack_new)
            for d in self._pack_used - written:
                self._pack_record(d, now, self._pack[d][1])
                written.add(d)
            others = sorted(((e[0], d) for d, e in self._pack.items() if d not in written),
                            reverse=True)
            for used_at, d in others:
                blob = self._pack[d][1]
                if self._pack_size + len(blob) > MAX_PACK_BYTES or now - used_at > MAX_AGE_SECONDS:
                    break
                self._pack_record(d, used_at, blob)
            out, self._pack_out = self._pack_out, None
            out.close()
            os.replace(self._pack_tmp, self._pack_path())
        except OSError:
            self._discard_pack()  # a full disk: run without caching

    # --- whole runs -------------------------------------------------------------------
    def run_path(self, key: str) -> str:
        return os.path.join(self.base, "runs", key)

    def load_run(self, key: str):
        return self._load(self.run_path(key), key)

    def store_run(self, key: str, payload) -> None:
        self._store(self.run_path(key), key, marshal.dumps(payload))
        runs = os.path.join(self.base, "runs")
        try:
            entries = sorted(os.scandir(runs), key=lambda e: e.stat().st_mtime, reverse=True)
            for old in entries[MAX_RUN_ENTRIES:]:
                os.unlink(old.path)
        except OSError:
            pass


def _is_ours(entry) -> bool:
    """A directory of entries from another schemalint version (never anything else that
    happens to live where --cache-dir points)."""
    name = entry.name
    if len(name) != 20 or not entry.is_dir(follow_symlinks=False):
        return False
    if any(c not in "0123456789abcdef" for c in name):
        return False
    try:
        # `with`: all() stops at the first foreign name and would leave the listing open.
        with os.scandir(entry.path) as listing:
            return all(e.name in ("parse.pack", "runs", "reports") or e.name.endswith(".tmp")
                       for e in listing)
    except OSError:
        return False


def run_inputs(cache: Cache, migrations, hashes: list[str], config) -> list[str]:
    """What a run's findings depend on, for `run_key`."""
    parts = [cache.tag, canonical(config)]
    for m, digest in zip(migrations, hashes, strict=True):
        text_digest = digest if m.sql is None else text_hash(m.text)
        notes = ";".join(f"{d.code}:{d.start}:{d.message}" for d in m.notes)
        parts.append(f"{m.path}\0{m.direction}\0{m.in_transaction}\0{m.invalid_utf8_at}\0"
                     f"{text_digest}\0{digest}\0{notes}")
    return parts


def run_key(inputs: list[str], migrations, reported=None) -> str:
    # A run checking only some files (`reported`) holds fewer findings: never the same key
    # as the whole run, even when it checks none.
    scope = "all" if reported is None else "only\0" + "\0".join(
        sorted(m.path for m in migrations if m.path in reported))
    return _hash(scope, *inputs)


# --- findings <-> marshal-able data ---------------------------------------------------
# A finding is stored as a row of its fields in `Diagnostic` order. Plain values are
# stored as they are; the few typed ones (severity, fix, the statement reference in
# `extra`) as tagged tuples. A finding holding anything else is not stored: the run is
# then simply not cached, never cached wrongly.
class _Unstorable(Exception):
    pass


_PLAIN = (str, int, float, bool, type(None))


def _encode_value(value, Severity, Fix, StatementRef):
    # encode_diagnostics and decode_diagnostics inline the "severity" and "extra-statement"
    # cases (nearly every finding has both): change them there too.
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Severity):
        return ("severity", int(value))
    if isinstance(value, Fix):
        return ("fix", value.description, value.safe, [(e.start, e.end, e.text) for e in value.edits])
    if isinstance(value, StatementRef):
        return ("statement", value.sql, value._fingerprint)
    if type(value) is dict and len(value) == 1 and type(value.get("statement")) is StatementRef:
        ref = value["statement"]
        return ("extra-statement", ref.sql, ref._fingerprint)  # nearly every finding's extra
    if type(value) is dict:
        return ("dict", [(k, _encode_value(v, Severity, Fix, StatementRef)) for k, v in value.items()])
    if type(value) in (list, tuple):
        return (type(value).__name__, [_encode_value(v, Severity, Fix, StatementRef) for v in value])
    raise _Unstorable(type(value).__name__)


def _decode_value(value, severities: dict):
    if type(value) is not tuple:
        return value

    kind = value[0]
    if kind == "extra-statement":
        return {"statement": StatementRef(value[1], value[2])}
    if kind == "severity":
        return severities[value[1]]
    if kind == "fix":
        return Fix(value[1], tuple(Edit(s, e, t) for s, e, t in value[3]), value[2])
    if kind == "statement":
        return StatementRef(value[1], value[2])
    if kind == "dict":
        return {k: _decode_value(v, severities) for k, v in value[1]}
    items = [_decode_value(v, severities) for v in value[1]]
    return items if kind == "list" else tuple(items)


def _finding_types() -> None:
    global Edit, Fix, Severity, StatementRef
    from schemalint.diagnostics import Edit, Fix, Severity
    from schemalint.diagnostics.rule import StatementRef


def encode_diagnostics(diagnostics) -> tuple | None:
    """Findings as marshal-able data, or None when one cannot be stored faithfully:
    (field names, one tuple of values per finding, the indexes of the fields that hold an
    encoded (tuple) value in some finding, so that decoding looks only at those)."""
    from schemalint.diagnostics import Diagnostic

    _finding_types()
    names = Diagnostic._fields
    rows = []
    append = rows.append
    encoded_at: set[int] = set()
    plain = frozenset(_PLAIN)
    # Findings come in few shapes (the types of their fields, in order): which fields of a
    # shape need encoding is worked out once per shape, not per finding (40,000 findings).
    typed_of: dict[tuple, tuple[int, ...]] = {}
    try:
        for d in diagnostics:
            if type(d) is not Diagnostic:
                return None
            row = d._values()
            shape = tuple(map(type, row))
            typed = typed_of.get(shape)
            if typed is None:
                # Most fields are plain; only the few others (severity, fix, extra) are encoded.
                typed = typed_of[shape] = tuple(i for i, t in enumerate(shape) if t not in plain)
                encoded_at.update(typed)
            if typed:
                values = list(row)
                for i in typed:
                    v = values[i]
                    if type(v) is Severity:  # every finding has one
                        values[i] = ("severity", int(v))
                    elif type(v) is dict and len(v) == 1 and type(v.get("statement")) is StatementRef:
                        ref = v["statement"]  # nearly every finding's extra
                        values[i] = ("extra-statement", ref.sql, ref._fingerprint)
                    else:
                        values[i] = _encode_value(v, Severity, Fix, StatementRef)
                row = tuple(values)
            append(row)
    except _Unstorable:
        return None
    return names, rows, tuple(sorted(encoded_at))


def decode_diagnostics(data) -> list | None:
    from schemalint.diagnostics import Diagnostic

    _finding_types()
    names, rows, encoded_at = data
    if tuple(names) != Diagnostic._fields:
        return None
    severities = {int(s): s for s in Severity}
    out = []
    append = out.append
    for row in rows:
        values = list(row)
        for i in encoded_at:
            v = values[i]
            if type(v) is tuple:
                kind = v[0]
                if kind == "severity":  # every finding's, then nearly every finding's extra
                    values[i] = severities[v[1]]
                elif kind == "extra-statement":
                    values[i] = {"statement": StatementRef(v[1], v[2])}
                else:
                    values[i] = _decode_value(v, severities)
        append(Diagnostic(*values))
    return out


# --- the check command's lint stage ------------------------------------------------------
class _Parsed:
    """What `engine.lint(parsed=...)` reads: migration -> ParseResult, produced on demand
    from the cache or the parser."""

    def __init__(self, migrations, hashes, cache: Cache | None) -> None:
        self.cache = cache
        self.index = {id(m): i for i, m in enumerate(migrations)}
        self.hashes = hashes
        self.migrations = migrations
        self.done: dict[str, object] = {}  # digest -> RawParse, for identical files
        self.repeated = {d for d, n in Counter(hashes).items() if n > 1}
        self.no_store: set[str] = set()  # texts another process stores (fork_hooks)

    @property
    def fork_hooks(self):
        """parallel.py's access to the parse cache across its fork (None: no cache).
        A property, not an attribute holding `self`: that would be a reference cycle, and
        the collector is off during a run."""
        return self if self.cache is not None else None

    def __bool__(self) -> bool:
        return True

    def get(self, migration, default=None):
        from schemalint.parse.statements import build_result, migration_offsets

        i = self.index.get(id(migration))
        if i is None:
            return default
        offsets = migration_offsets(migration)
        return build_result(migration, self._raw(i, offsets), offsets)

    def _raw(self, i: int, offsets):
        """The RawParse of migration i; `offsets` (its map) is where `parse_sql` builds its
        tables if it has to parse, for `build_result` to use."""
        from schemalint.parse.statements import parse_sql

        digest = self.hashes[i]
        raw = self.done.get(digest)
        if raw is not None:
            return raw
        cache = self.cache
        if cache is not None:
            raw = cache.load_parse(digest)
        if raw is None:
            raw = parse_sql(self.migrations[i].parse_text, offsets)
            if cache is not None and digest not in self.no_store:
                try:
                    cache.store_parse(digest, marshal.dumps(raw))
                except ValueError:  # nested deeper than marshal goes: not cached
                    pass
        if digest in self.repeated:
            self.done[digest] = raw
        return raw

    # --- parallel.lint_in_two ----------------------------------------------------------
    def before_fork(self) -> None:
        self.cache.flush_pack()

    def in_child(self, k: int) -> None:
        """The child checks migrations[k:]: it stores their new parse results in a pack
        file of its own; those of migrations[:k] are the parent's to store."""
        self.no_store = set(self.hashes[:k])
        self.cache.fork_pack()

    def child_done(self):
        return self.cache.close_child_pack()

    def absorb(self, pack) -> None:
        self.cache.absorb_pack(*pack)

    def child_gone(self, pid: int | None) -> None:
        """The child has exited: remove its pack file (absorbed or not)."""
        if pid is not None:
            try:
                os.unlink(self.cache.child_pack_path(pid))
            except OSError:
                pass


def lint_migrations(migrations, config, stats: dict, cache_dir: str | None,
                    extra=(), extra_rules=(), reported=None) -> list:
    """`engine.lint` with the cache, and split between two processes on large inputs
    (parallel.py): same findings, less time.
    `extra`/`extra_rules` are passed on (replay findings); they come from a database, not
    from the inputs the run key covers, so such a run is never cached as a whole.
    `reported`: as for `engine.lint` (part of the run key: such a run holds fewer findings)."""
    enabled = gc.isenabled()
    # A run allocates millions of small acyclic objects (every statement's JSON tree);
    # the cyclic collector would rescan them again and again (2-3x the run time on
    # 50,000 statements) and would find nothing to free: nothing here forms cycles.
    gc.disable()
    try:
        return _lint(migrations, config, stats, cache_dir, list(extra), tuple(extra_rules),
                     reported)
    finally:
        if enabled:
            gc.enable()


def _lint(migrations, config, stats: dict, cache_dir: str | None, extra: list,
          extra_rules: tuple, reported) -> list:
    cache = Cache(cache_dir) if cache_dir else None
    hashes = [text_hash(m.parse_text) for m in migrations] if cache else []
    key = None
    whole_run = cache is not None and not extra and not extra_rules
    if whole_run:
        inputs = run_inputs(cache, migrations, hashes, config)
        key = run_key(inputs, migrations, reported)
        hit = cache.load_run(key)
        if hit is None and reported is not None:
            # A whole run's findings hold those of any files (the report is filtered later):
            # the GitHub Action's changed-only pass follows a whole pass for its SARIF file.
            hit = cache.load_run(run_key(inputs, migrations))
        if hit is not None:
            try:
                statements, encoded, suppressed = hit
                diagnostics = decode_diagnostics(encoded)
            except Exception:  # noqa: BLE001 - a stale or damaged entry: recompute
                diagnostics = None
            if diagnostics is not None:
                stats["statements"] = statements
                stats["suppressed"] = suppressed
                stats["cache"] = "hit"
                return diagnostics

    from schemalint.check.catalog import all_rules
    from schemalint.check.engine import lint
    from schemalint.speed.parallel import lint_in_two, split_point

    if cache is None:
        hashes = [m.parse_text for m in migrations]  # only to spot identical files
    small = sum(len(m.parse_text) for m in migrations) < PACK_MIN_CHARS
    pack = None if small else cache
    if pack is not None:
        pack.load_pack()
    parsed = _Parsed(migrations, hashes, pack)
    try:
        # Checking only some files (`reported`) is mostly folding, which the split would
        # do twice over: one process.
        k = split_point(migrations) if reported is None else 0
        if k:
            diagnostics = lint_in_two(migrations, config, all_rules(), parsed, k, stats,
                                      extra=extra, extra_rules=extra_rules)
        else:
            diagnostics = lint(migrations, config, all_rules(), parsed=parsed, stats=stats,
                               extra=extra, extra_rules=extra_rules, reported=reported)
    except BaseException:
        if pack is not None:
            pack._discard_pack()  # the next pack, half written
        raise
    if pack is not None:
        pack.save_pack()
    if whole_run:
        encoded = encode_diagnostics(diagnostics)
        if encoded is not None:
            cache.store_run(key, (stats.get("statements", 0), encoded, stats.get("suppressed", {})))
    stats["cache"] = "miss" if cache is not None else "off"
    return diagnostics
