"""What the cache's keys are made of: content hashes, a fingerprint of schemalint's own code,
a deterministic text of a configuration, and a whole run's key.

Everything here is cheap to import: a report-cache hit (runcache.py) computes its key from
these before it knows whether anything must be parsed or checked.
"""

from __future__ import annotations

import enum
import os
import sys

from schemalint.version import __version__

# Bump when the layout of entries changes.
FORMAT = 4
# Values whose repr is their deterministic text (and that marshal stores as they are).
PLAIN = (str, int, float, bool, type(None))


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


def hash_parts(*parts: str) -> str:
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
    loaded (the report cache and the lint stage both ask)."""
    global _code_fingerprint
    if _code_fingerprint is None:
        _code_fingerprint = hash_parts(__version__, str(FORMAT), sys.version, *_code_files())
    return _code_fingerprint


def _code_files() -> list[str]:
    """`path:size:mtime` of every module of schemalint (this file's grandparent) and of
    schemalint.rules, which a development checkout keeps beside it (find_spec locates it
    without importing it, and pglast with it)."""
    from importlib.util import find_spec

    roots = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    spec = find_spec("schemalint.rules")
    roots += list(spec.submodule_search_locations or ()) if spec else []
    parts = []
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
    return parts


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


def run_inputs(tag: str, migrations, hashes: list[str], config) -> list[str]:
    """What a run's findings depend on, for `run_key`: the code (`tag`, the fingerprint),
    the configuration, and each migration's path, direction, transaction mode, layout (how its
    runner sends it) and text (`hashes`: the hash of the text each was parsed from)."""
    parts = [tag, canonical(config)]
    for m, digest in zip(migrations, hashes, strict=True):
        text_digest = digest if m.sql is None else text_hash(m.text)
        notes = ";".join(f"{d.code}:{d.start}:{d.message}" for d in m.notes)
        parts.append(f"{m.path}\0{m.direction}\0{m.in_transaction}\0{m.layout}\0{m.invalid_utf8_at}\0"
                     f"{text_digest}\0{digest}\0{notes}")
    return parts


def run_key(inputs: list[str], migrations, reported=None) -> str:
    # A run checking only some files (`reported`) holds fewer findings: never the same key
    # as the whole run, even when it checks none.
    scope = "all" if reported is None else "only\0" + "\0".join(
        sorted(m.path for m in migrations if m.path in reported))
    return hash_parts(scope, *inputs)
