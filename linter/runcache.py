"""The report cache: a `check` run over unchanged inputs prints what the last one printed.

`schemalint check` is a function of its inputs: the command line, the working directory,
the configuration, schemalint's own code, the colour decision, and the contents of the
files it reads (the migrations, files they include, layout files such as `sqitch.plan`,
`metadata.toml` or a Flyway `.conf`, the baseline). When none of those changed since the
last run with the same command line, the report it would print is the one it printed
then, byte for byte, and so is its exit code. This module stores that outcome and, on the
next run, replays it without discovering, parsing, folding or rendering anything — the
warm path the pre-commit hook and CI re-runs take (issue 6's "warm" target).

An entry is keyed by everything that needs no file contents (code, arguments, cwd,
configuration, colour, the list of candidate files in the directories given). Inside it,
each file the run read or looked for is recorded with its content hash. A file whose size,
mtime and inode are unchanged and whose mtime is older than the entry (by a margin, as git
does for "racily clean" index entries) is trusted; any other file is read and hashed, so
a `touch` or a checkout that restores the same bytes is still a hit, and an edit within
the same second as the last run is still seen.

Files the run reads besides the migrations themselves are recorded through `touched()`,
called where layouts and templating open or probe a file (`schemalint.layouts`,
`schemalint.template`) and for the baseline. Runs with side effects or inputs outside
this model are never cached: `--fix`, `--diff`, `--replay`, `--changed-since`,
`--prune-baseline`, standard input, the GitHub job summary, unreadable files.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from stat import S_ISDIR

try:  # the builtin BLAKE2: `hashlib` would also load OpenSSL (~3 ms at start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - Python builds without the builtin module
    from hashlib import blake2b

# Bump when the entry layout changes.
ENTRY_FORMAT = 1
# A file modified less than this long before the entry was written may have changed again
# within the same mtime tick; such files are hashed instead of trusted on their stat.
RACY_NS = 2_000_000_000
MAX_ENTRIES = 32
ABSENT = "-"

# Absolute paths of the files discovery read or looked for in this run (None: not recording).
_touched: set[str] | None = None


def touched(path: str) -> None:
    """Note that this run's result depends on `path` (its contents, or that it is absent)."""
    if _touched is not None:
        _touched.add(os.path.abspath(path))


def start_recording() -> None:
    global _touched
    _touched = set()


def stop_recording() -> set[str]:
    global _touched
    paths, _touched = _touched or set(), None
    return paths


def _digest(*parts: str) -> str:
    h = blake2b(digest_size=20)
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def eligible(args) -> bool:
    """Whether this `check` run may be answered from, and stored in, the report cache."""
    if args.fix or args.diff or args.replay or args.changed_since or args.prune_baseline:
        return False
    if "-" in args.paths:
        return False
    formats = {args.format, *(spec.split(":", 1)[0] for spec in args.output)}
    if "github" in formats and os.environ.get("GITHUB_STEP_SUMMARY"):
        return False  # a side file appended to on every run
    return True


# The suffixes `discover.find_candidates` collects in a directory (a test keeps them equal;
# importing discover here would load every layout on the fast path).
SQL_SUFFIXES = (".sql", ".psql", ".pgsql")


def _candidates(paths: list[str]) -> tuple[list[str], dict] | None:
    """The files discovery will consider for these paths (`discover.find_candidates`'s walk:
    SQL files, hidden directories skipped), without reading them, and the signature of those
    named on the command line. None when a path is a glob, does not exist or is a broken
    link (an error run, or one whose file set is not a plain listing: not cached)."""
    out: list[str] = []
    signatures: dict[str, tuple[int, int, int]] = {}
    for arg in paths:
        try:
            st = os.stat(arg)
        except (OSError, ValueError):
            return None
        if S_ISDIR(st.st_mode):
            for dirpath, dirnames, filenames in os.walk(arg):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                out.extend(os.path.join(dirpath, n) for n in sorted(filenames)
                           if n.lower().endswith(SQL_SUFFIXES))
        else:
            out.append(arg)
            signatures[arg] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out, signatures


def _signature(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def _content_hash(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return blake2b(fh.read(), digest_size=20).hexdigest()
    except IsADirectoryError:
        return "dir"
    except OSError:
        return None


class ReportCache:
    def __init__(self, cache_dir: str, args, config, color: bool, paths: list[str]) -> None:
        from .cache import canonical, code_fingerprint

        self.dir = os.path.join(cache_dir, code_fingerprint()[:20], "reports")
        found = _candidates(paths)
        self.candidates, self.signatures = found if found is not None else (None, {})
        # `resolved` (where each setting came from) is covered by the configuration and the
        # baseline path; `report_only` is derived from the paths.
        arguments = {k: v for k, v in vars(args).items()
                     if not k.startswith("_") and k not in ("resolved", "report_only")}
        resolved = getattr(args, "resolved", None)
        baseline = (resolved.baseline, resolved.baseline_explicit) if resolved else None
        self.key = None if self.candidates is None else _digest(
            str(ENTRY_FORMAT), sys.version, os.getcwd(), canonical(arguments), canonical(config),
            repr(baseline), repr(color), repr(paths), "\n".join(self.candidates),
        )

    def _path(self) -> str:
        return os.path.join(self.dir, self.key)

    # --- replay -----------------------------------------------------------------------
    def replay(self, stdout, stderr) -> int | None:
        """Write the stored report and return its exit code, or None (a miss)."""
        if self.key is None:
            return None
        try:
            with open(self._path(), "rb") as fh:
                entry = marshal.loads(fh.read())
            fmt, key, written_ns, files, code, out_text, err_text, outputs = entry
        except Exception:  # noqa: BLE001 - absent, truncated or foreign: a miss
            return None
        if fmt != ENTRY_FORMAT or key != self.key:
            return None
        known = self.signatures
        for path, size, mtime, ino, digest in files:
            sig = known[path] if path in known else _signature(path)
            if sig is None:
                if digest != ABSENT:
                    return None
                continue
            if sig == (size, mtime, ino) and mtime < written_ns - RACY_NS:
                continue
            if digest == ABSENT or _content_hash(path) != digest:
                return None
        for path, text in outputs:
            parent = os.path.dirname(path)
            try:
                if parent:
                    os.makedirs(parent, exist_ok=True)
                with open(path, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
            except OSError:
                return None  # let the full run report the problem
        stderr.write(err_text)
        stdout.write(out_text)
        try:  # mark it used, for the pruning of old entries
            os.utime(self._path())
        except OSError:
            pass
        return code

    # --- store ------------------------------------------------------------------------
    def store(self, migrations, touched_paths: set[str], baseline: str | None, code: int,
              out_text: str, err_text: str, output_paths: list[str]) -> None:
        if self.key is None:
            return
        started = time.time_ns()
        # Candidates as named (the working directory is in the key), the other files read
        # (migrations of included files, layout files, the baseline) by absolute path.
        paths = list(dict.fromkeys(self.candidates))
        seen = {os.path.abspath(p) for p in paths}
        others = {os.path.abspath(m.path) for m in migrations} | touched_paths
        if baseline:
            others.add(os.path.abspath(baseline))
        paths += sorted(others - seen)
        files = []
        for path in paths:
            sig = _signature(path)
            if sig is None:
                files.append((path, 0, 0, 0, ABSENT))
                continue
            digest = _content_hash(path)
            if digest is None:
                return  # unreadable: such runs are not cached
            files.append((path, *sig, digest))
        outputs = []
        for path in output_paths:
            try:
                with open(path, encoding="utf-8", newline="") as fh:
                    outputs.append((path, fh.read()))
            except OSError:
                return
        entry = (ENTRY_FORMAT, self.key, started, files, code, out_text, err_text, outputs)
        try:
            os.makedirs(self.dir, exist_ok=True)
            target = self._path()
            tmp = f"{target}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                marshal.dump(entry, fh)
            os.replace(tmp, target)
            self._prune()
        except (OSError, ValueError):
            pass  # a read-only or full disk: run without this cache

    def _prune(self) -> None:
        try:
            entries = [e for e in os.scandir(self.dir) if e.is_file()]
        except OSError:
            return
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
        for e in entries[MAX_ENTRIES:]:
            try:
                os.unlink(e.path)
            except OSError:
                pass


class Tee:
    """A text stream that writes through to `stream` and keeps a copy."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def text(self) -> str:
        return "".join(self.parts)
