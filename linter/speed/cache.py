"""The on-disk cache of `schemalint check`, and the check command's lint stage built on it.

Four levels, each keyed so that a hit gives exactly what a fresh run would have given:

* **Reports** (`reports/`, runcache.py): a run whose inputs are all unchanged prints the
  report it printed last time, without discovering, parsing or checking anything.
* **Parse results, per file** (`parse.pack`, pack.py): keyed by the hash of the text
  handed to the parser. When one migration is added or edited, every other file's parse
  comes from here.
* **Findings of a whole run** (`runs/`, store.py). `engine.lint` is pure: its findings are a
  function of the migrations in order (path, direction, transaction mode, text) and the
  configuration. The key hashes all of those (keys.py), so a re-run over unchanged files
  with the same configuration that the report cache cannot answer (another output format,
  the GitHub Action's second pass) loads its findings without importing the parser or the
  rules. A run that checks only some files (`engine.lint(reported=)`) is keyed with them
  too, and takes a whole run's findings of the same inputs when there are some.
* **Checkpoints** (`checkpoints/`, checkpoint.py): the check pass's state after the last
  migration of a run, so that a run over the same migrations and new ones checks only the
  new ones. Findings are not cached per file, unlike ruff's per-file cache: a migration's
  findings depend on the schema model folded from every earlier migration (was the table
  created in this file? does an index cover that foreign key?), and schema rules look at
  the final model, so a per-file entry goes stale as soon as an earlier file changes.

The cache lives in `--cache-dir`, else `$SCHEMALINT_CACHE_DIR`, else `.schemalint_cache/`
at the project root (the nearest directory up from the current one holding
`.schemalint.yaml`, `pyproject.toml` or `.git`), else `$XDG_CACHE_HOME/schemalint`.
(The directory of the configuration file, when there is one, is the project root.)
`--no-cache` or `SCHEMALINT_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import marshal
import os
from collections import Counter

from schemalint import process
from schemalint.speed.findings import decode_diagnostics, encode_diagnostics
from schemalint.speed.keys import run_inputs, run_key, text_hash
from schemalint.speed.pack import ParsePack
from schemalint.speed.store import Cache

CACHE_DIR_NAME = ".schemalint_cache"
# Below this much SQL, parsing costs less than reading the parse pack (which holds the
# whole project's parse results): a pre-commit run over one file skips it.
PACK_MIN_CHARS = 256 * 1024
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


# --- the check command's lint stage ------------------------------------------------------
class _Parsed:
    """What `engine.lint(parsed=...)` reads: migration -> ParseResult, produced on demand
    from the parse pack or the parser."""

    def __init__(self, migrations, hashes, pack: ParsePack | None) -> None:
        self.pack = pack
        self.index = {id(m): i for i, m in enumerate(migrations)}
        self.hashes = hashes
        self.migrations = migrations
        self.done: dict[str, object] = {}  # digest -> RawParse, for identical files
        self.repeated = {d for d, n in Counter(hashes).items() if n > 1}
        self.no_store: set[str] = set()  # texts another process stores (fork_hooks)

    @property
    def fork_hooks(self):
        """parallel.py's access to the parse pack across its fork (None: no pack).
        A property, not an attribute holding `self`: that would be a reference cycle, and
        the collector is off during a run."""
        return self if self.pack is not None else None

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
        pack = self.pack
        if pack is not None:
            raw = pack.get(digest)
        if raw is None:
            raw = parse_sql(self.migrations[i].parse_text, offsets)
            if pack is not None and digest not in self.no_store:
                try:
                    pack.add(digest, marshal.dumps(raw))
                except ValueError:  # nested deeper than marshal goes: not cached
                    pass
        if digest in self.repeated:
            self.done[digest] = raw
        return raw

    # --- parallel.lint_in_two ----------------------------------------------------------
    def before_fork(self) -> None:
        self.pack.flush()

    def in_child(self, k: int) -> None:
        """The child checks migrations[k:]: it stores their new parse results in a pack
        file of its own; those of migrations[:k] are the parent's to store."""
        self.no_store = set(self.hashes[:k])
        self.pack.in_child()

    def child_done(self):
        return self.pack.close_child()

    def absorb(self, pack) -> None:
        self.pack.absorb(*pack)

    def child_gone(self, pid: int | None) -> None:
        """The child has exited: remove its pack file (absorbed or not)."""
        if pid is not None:
            try:
                os.unlink(self.pack.child_path(pid))
            except OSError:
                pass


def _text_hashes(migrations) -> list[str]:
    """Each migration's SQL hashed: its part of the keys (keys.run_inputs) and of the parse pack's."""
    return [text_hash(m.parse_text) for m in migrations]


def lint_migrations(migrations, config, stats: dict, cache_dir: str | None,
                    extra=(), extra_rules=(), reported=None, jobs: int = 1, progress=None) -> list:
    """`engine.lint` with the cache, split between two processes when `jobs` asks for it
    (parallel.py): the same findings.
    `extra`/`extra_rules` are passed on (replay findings); they come from a database, not
    from the inputs the run key covers, so such a run is never cached as a whole.
    `reported`: as for `engine.lint` (part of the run key: such a run holds fewer findings).
    `progress`: as for `engine.lint` (not called when the findings come from the cache).
    The check command runs it with the cyclic collector paused (commands/pipeline.py)."""
    return _lint(migrations, config, stats, cache_dir, list(extra), tuple(extra_rules),
                 reported, jobs, progress)


def _lint(migrations, config, stats: dict, cache_dir: str | None, extra: list,
          extra_rules: tuple, reported, jobs: int, progress) -> list:
    cache = Cache(cache_dir) if cache_dir else None
    hashes = _text_hashes(migrations) if cache else []
    key = None
    inputs = run_inputs(cache.tag, migrations, hashes, config) if cache else None
    whole_run = cache is not None and not extra and not extra_rules
    if whole_run:
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
    from schemalint.speed import checkpoint
    from schemalint.speed.parallel import beside, lint_in_two, split_point

    if cache is None:
        hashes = [m.parse_text for m in migrations]  # only to spot identical files
    links = checkpoint.chain(inputs) if cache is not None else None
    resumable = checkpoint.Checkpoints(cache).found(links) if links else []
    # Only the files after the longest checkpoint are parsed (or folded from their parse).
    small = sum(len(m.parse_text) for m in migrations[resumable[0] if resumable else 0:]) < PACK_MIN_CHARS
    pack = None if cache is None or small else ParsePack(cache)
    parsed = _Parsed(migrations, hashes, pack)
    try:
        # Checking only some files (`reported`) is mostly folding, which the split would
        # do twice over, and so is starting from a checkpoint: one process.
        k = 0
        decoded = None  # the rows of findings restored from a checkpoint
        if reported is None and jobs > 1 and not resumable:
            k = split_point(migrations, jobs)
        if k:
            diagnostics = lint_in_two(migrations, config, all_rules(), parsed, k, stats,
                                      extra=extra, extra_rules=extra_rules, progress=progress)
        elif cache is not None:
            diagnostics, decoded = checkpoint.lint(migrations, config, all_rules(), parsed, links, cache,
                                                   stats, extra=extra, extra_rules=extra_rules,
                                                   reported=reported, progress=progress)
        else:
            diagnostics = lint(migrations, config, all_rules(), parsed=parsed, stats=stats,
                               extra=extra, extra_rules=extra_rules, reported=reported,
                               progress=progress)
    except BaseException:
        if pack is not None:
            pack.discard()  # the next pack, half written
        raise
    if pack is not None:
        pack.save()
    if whole_run:
        statements, suppressed = stats.get("statements", 0), stats.get("suppressed", {})

        def store() -> None:
            encoded = encode_diagnostics(diagnostics, decoded)
            if encoded is not None:
                cache.store_run(key, (statements, encoded, suppressed))

        # A run resumed from a checkpoint (a CI run: the findings are mostly the
        # checkpoint's, the report of all of them is still to write) stores them from a
        # child beside the rest of the run, when run from the command line (parallel.beside).
        # Not a run from scratch: the child's copy-on-write pages would add to its peak.
        if decoded is not None and beside(store):
            process.keep(decoded)  # left to the exit with the rest (schemalint/process.py)
        else:
            store()
    stats["cache"] = "miss" if cache is not None else "off"
    return diagnostics


def checkpoint_model(migrations, config, cache_dir: str | None, lengths: range):
    """The schema model a checkpoint of this cache holds after the first k of `migrations`,
    for a k in `lengths` (the same model for each: the files between are down migrations),
    or None. What the schema review folds for the merge base, when the base branch's run
    stored it: restoring it costs a fraction of parsing and folding the history again."""
    if cache_dir is None or not migrations:
        return None
    from schemalint.speed import checkpoint

    cache = Cache(cache_dir)
    prefix = migrations[:lengths.stop - 1]
    links = checkpoint.chain(run_inputs(cache.tag, prefix, _text_hashes(prefix), config))
    return checkpoint.Checkpoints(cache).model(migrations, links, lengths)
