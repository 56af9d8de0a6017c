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
each file the run read or looked for is recorded with its content hash (a candidate it
skipped by its name without reading it, with its presence only). A file whose size,
mtime and inode are unchanged and whose mtime is older than the entry (by a margin, as git
does for "racily clean" index entries) is trusted; any other file is read and hashed, so
a `touch` or a checkout that restores the same bytes is still a hit, and an edit within
the same second as the last run is still seen.

Discovery, asked to record its inputs, returns every file it read or looked for besides the
migrations (layout files, `\\i` includes) and the digest of each migration as read
(`schemalint.discover.inputs.InputLog`); those and the baseline are passed to
`ReportCache.store`. Runs with side effects or inputs outside
this model are never cached: `--fix`, `--diff`, `--replay`, `--changed-since`,
`--prune-baseline`, standard input, the GitHub job summary, unreadable files.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from stat import S_ISDIR

from schemalint.discover.inputs import InputLog, bytes_hash, file_signature, read_file
from schemalint.discover.walk import SQL_SUFFIXES, absolute_path, stat_or_none, walk
from schemalint.speed.keys import PLAIN, canonical, hash_parts
from schemalint.speed.store import Cache

# Bump when the entry layout changes.
ENTRY_FORMAT = 1
# A file modified less than this long before the entry was written may have changed again
# within the same mtime tick; such files are hashed instead of trusted on their stat.
RACY_NS = 2_000_000_000
MAX_ENTRIES = 32
CHUNK = 1 << 20
ABSENT = "-"
# A candidate discovery neither read nor looked into (skipped for its name: another engine's
# variant, a file its layout does not apply): the report depends on its being there, not
# on its bytes.
PRESENT = "+"

def eligible(flags) -> bool:
    """Whether this `check` run may be answered from, and stored in, the report cache."""
    if flags.fix or flags.diff or flags.replay or flags.changed_since or flags.prune_baseline:
        return False
    if "-" in flags.paths:
        return False
    formats = {flags.format, *(spec.split(":", 1)[0] for spec in flags.output)}
    if "github" in formats and os.environ.get("GITHUB_STEP_SUMMARY"):
        return False  # a side file appended to on every run
    return True


def _candidates(paths: list[str]) -> tuple[list[str], dict] | None:
    """The files discovery will consider for these paths (`discover.find_candidates`'s walk:
    SQL files, hidden directories skipped), without reading them, and the signature of those
    named on the command line. None when a path is a glob, does not exist or is a broken
    link (an error run, or one whose file set is not a plain listing: not cached)."""
    out: list[str] = []
    signatures: dict[str, tuple[int, int, int]] = {}
    for arg in paths:
        st = stat_or_none(arg)
        if st is None:
            return None
        if S_ISDIR(st.st_mode):
            for dirpath, _dirnames, filenames in walk(arg):
                out.extend(os.path.join(dirpath, n) for n in sorted(filenames)
                           if n.lower().endswith(SQL_SUFFIXES))
        else:
            out.append(arg)
            signatures[arg] = file_signature(st)
    return out, signatures


def _arguments_text(arguments: dict) -> str:
    """A deterministic text of the command line's flags. They are plain values (str, numbers,
    None, tuples of str), whose repr is deterministic and much cheaper than `canonical` on a
    pre-commit run naming thousands of files; anything else goes through `canonical`."""
    plain = all(type(v) in PLAIN or (type(v) is tuple and all(type(x) is str for x in v))
                for v in arguments.values())
    return repr(sorted(arguments.items())) if plain else canonical(arguments)


def _signature(path: str) -> tuple[int, int, int] | None:
    st = stat_or_none(path)
    return None if st is None else file_signature(st)


def _content_hash(path: str) -> str | None:
    try:
        return bytes_hash(read_file(path)[0])
    except IsADirectoryError:
        return "dir"
    except OSError:
        return None


class ReportCache:
    def __init__(self, cache_dir: str, settings, color: bool, paths: list[str]) -> None:
        # The report cache lives beside the other levels, in the version's directory, and
        # shares its creation and the cleanup of other versions' entries (Cache.prepare).
        self._cache = Cache(cache_dir)
        self.dir = os.path.join(self._cache.base, "reports")
        found = _candidates(paths)
        self.candidates, self.signatures = found if found is not None else (None, {})
        # Where each setting came from is covered by the configuration and the baseline path;
        # `jobs` changes how the report is made, not what it says.
        flags = settings.flags
        arguments = {name: getattr(flags, name) for name in flags._fields if name != "jobs"}
        baseline = (settings.baseline, settings.baseline_explicit)
        self.key = None if self.candidates is None else hash_parts(
            str(ENTRY_FORMAT), sys.version, os.getcwd(), _arguments_text(arguments),
            canonical(settings.config),
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
            fmt, key, written_ns, files, code, out_name, out_size, err_text, outputs = entry
        except Exception:  # noqa: BLE001 - absent, truncated or foreign: a miss
            return None
        if fmt != ENTRY_FORMAT or key != self.key:
            return None
        out_path = os.path.join(self.dir, out_name)
        known = self.signatures
        for path, size, mtime, ino, digest in files:
            sig = known[path] if path in known else _signature(path)
            if sig is None:
                if digest != ABSENT:
                    return None
                continue
            if digest == PRESENT:
                continue
            if sig == (size, mtime, ino) and mtime < written_ns - RACY_NS:
                continue
            if digest == ABSENT or _content_hash(path) != digest:
                return None
        try:
            out = open(out_path, encoding="utf-8", newline="")
        except OSError:
            return None
        with out:
            if os.fstat(out.fileno()).st_size != out_size:
                return None  # truncated or replaced
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
            while True:
                chunk = out.read(CHUNK)
                if not chunk:
                    break
                stdout.write(chunk)
        try:  # mark it used, for the pruning of old entries
            os.utime(self._path())
        except OSError:
            pass
        return code

    # --- store ------------------------------------------------------------------------
    def tee(self, stream) -> Tee:
        """A stream for the run's stdout that also spills it to a file of this cache."""
        try:
            self._cache.prepare()
            os.makedirs(self.dir, exist_ok=True)
            name = f"{self.key}.{os.getpid()}.{time.time_ns()}.out"
        except OSError:
            name = None
        tee = Tee(stream, os.path.join(self.dir, name) if name else None)
        if name is None:
            tee.ok = False  # nowhere to keep it: this run is not stored
        return tee

    def store(self, started: int, inputs: InputLog, baseline: str | None, code: int,
              out: Tee, err_text: str, output_paths: list[str]) -> None:
        """Keep this run's report. `started`: `time.time_ns()` before discovery; `inputs`:
        what discovery read besides the migrations, and the migrations' bytes as read."""
        if self.key is None or not out.close():
            return
        if not self._store(started, inputs, baseline, code, out, err_text,
                           output_paths):
            out.discard()

    def _store(self, started, inputs, baseline, code, out, err_text,
               output_paths) -> bool:
        touched_paths, reads = inputs.looked_at, inputs.reads
        # Candidates as named (the working directory is in the key), the other files read
        # (migrations of included files, layout files, the baseline) by absolute path.
        absolute = {p: absolute_path(p) for p in self.candidates}
        paths = list(absolute.items())
        seen = set(absolute.values())
        # Every migration's file is among those read (a candidate) or looked at (an `\i`
        # include): no path of `migrations` needs normalising again.
        others = set(reads) | touched_paths
        if baseline:
            others.add(os.path.abspath(baseline))
        candidates = len(paths)  # paths[:candidates]: those discovery did not read it skipped
        paths += [(a, a) for a in sorted(others - seen)]
        files = []
        for i, (path, abs_path) in enumerate(paths):
            known = reads.get(abs_path)
            if known is not None:
                files.append((path, *known))
                continue
            sig = _signature(path)
            if sig is None:
                files.append((path, 0, 0, 0, ABSENT))
                continue
            if i < candidates and abs_path not in touched_paths:
                files.append((path, *sig, PRESENT))
                continue
            if sig[1] >= started:
                return False  # changed while the run read it: its report may be stale already
            digest = _content_hash(path)
            if digest is None:
                return False  # unreadable: such runs are not cached
            files.append((path, *sig, digest))
        outputs = []
        for path in output_paths:
            try:
                with open(path, encoding="utf-8", newline="") as fh:
                    outputs.append((path, fh.read()))
            except OSError:
                return False
        try:
            out_size = os.path.getsize(out.path)
        except OSError:
            return False
        entry = (ENTRY_FORMAT, self.key, started, files, code, os.path.basename(out.path),
                 out_size, err_text, outputs)
        try:
            data = marshal.dumps(entry)
        except ValueError:
            return False
        if not self._cache.write(self._path(), data):
            return False  # a read-only or full disk: run without this cache
        self._prune(os.path.basename(out.path))
        return True

    def _prune(self, current_out: str) -> None:
        """Keep the newest entries and their reports. A report file goes when it is this
        key's earlier report, when its entry went, or when it has no entry and is older than
        ten minutes (one a killed run left; a concurrent run's is younger, and losing it would
        only cost that run a miss)."""
        try:
            files = [e for e in os.scandir(self.dir) if e.is_file()]
        except OSError:
            return
        entries = sorted((e for e in files if "." not in e.name),
                         key=lambda e: e.stat().st_mtime_ns, reverse=True)
        kept = {e.name for e in entries[:MAX_ENTRIES]}
        dropped = {e.name for e in entries[MAX_ENTRIES:]}
        old = time.time_ns() - 600 * 10**9
        for e in files:
            key = e.name.split(".", 1)[0]
            if e.name in kept or e.name == current_out:
                continue
            if e.name.endswith(".out") and key in kept and key != self.key:
                continue  # another key's report (its entry names the newest one)
            if e.name.endswith(".out") and key not in kept and key not in dropped \
                    and e.stat().st_mtime_ns > old:
                continue  # perhaps a concurrent run's, still being written
            try:
                os.unlink(e.path)
            except OSError:
                pass


class Tee:
    """A text stream that writes through to `stream` and keeps a copy: in memory, or in the
    file `path`, so that a report of tens of megabytes is not held whole."""

    def __init__(self, stream, path: str | None = None) -> None:
        self.stream = stream
        self.path = path
        self.parts: list[str] = []
        self.file = None
        self.ok = True
        if path is not None:
            try:
                self.file = open(path, "w", encoding="utf-8", newline="")
            except OSError:
                self.ok = False

    def write(self, text: str) -> int:
        if self.file is not None:
            try:
                self.file.write(text)
            except (OSError, UnicodeError):
                self.ok = False
        elif self.path is None and self.ok:
            self.parts.append(text)
        return self.stream.write(text)

    def discard(self) -> None:
        """Give up the copy (the run is not stored): the file is removed."""
        self.ok = False
        self.close()

    def close(self) -> bool:
        """Finish the copy; False (and the file removed) when it is incomplete."""
        if self.file is not None:
            try:
                self.file.close()
            except OSError:
                self.ok = False
            self.file = None
        if not self.ok and self.path:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        return self.ok

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def text(self) -> str:
        return "".join(self.parts)
