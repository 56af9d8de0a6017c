"""Check a large history in two processes, with the findings of one.

The model a migration is checked against depends on every earlier migration, so a history
cannot be cut into independent pieces. But bringing the model past a migration without
checking it (`Checker.fold`: parse, then the schema changes alone, no rules, no lock
bookkeeping) costs about half of checking it: on bench (b), 50,000 statements, parsing and
folding each take about a quarter of a serial run and the rules about half (`python
bench/stages.py`).

So the run is cut at migration k. This process checks migrations [0, k). A forked child
folds [0, k) without checking them, checks [k, n), runs the schema rules on the final
model and sends its findings back (marshal, in the cache's encoding, through a temporary
file). Both processes reach migration k with the same model, so the findings are those of
one process doing all of it (tests/test_parallel.py compares them on real and generated
histories). The parent spends
f·C on its share f of the statements (C: the cost of checking them all), the child
f·Q + (1 - f)·C + S (Q: the cost of folding only; S: the schema rules). Where they finish
together depends on the history (S grows with the tables the schema ends with) and on
costs no model here has: the child also pays for copy-on-write faults, for encoding its
findings, and for sharing the machine (`bench/split.py contention`: a CPU loop takes
1.30 s alone and 1.80 s beside another). So the share is measured, whole command from
start to last finding (`python bench/split.py balance --runs 5 PATH...`, medians):

    share              0.72    0.76    0.80    0.84
    (b) 50,000 stmts   5.39 s  4.44 s  4.16 s  4.38 s
    (a) shared corpus  0.79 s  0.78 s  0.80 s  0.94 s

`PARENT_SHARE` is 0.8: (b)'s best, within noise of (a)'s (0.75-0.76 cost (b) 0.3-0.9 s more
in two such runs; 0.8 cost (a) up to 0.1 s).

If the child fails (killed, out of memory, a finding the encoding cannot carry), this
process does the child's part itself, as the child does it.

The child is never left behind: it restores the default SIGINT/SIGTERM actions (Ctrl-C
reaches the whole foreground process group, so it dies at once instead of running the
parent's handlers), it leaves only through `os._exit` (no atexit handler, no flush of a
buffer it inherited), and the parent kills and reaps it on every way out. Its result goes
through a temporary file unlinked at creation, so no file is left behind either.

Only where `fork` exists (Linux; the child must start with the migrations, the rules and
pglast already loaded to be worth it), and only for inputs large enough to repay the fork
and the child's second pass over the prefix (`SPLIT_MIN_CHARS`).
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Sequence

# On small inputs one process wins: forking, folding the prefix twice and shipping the
# findings back cost more than the child saves. `python bench/split.py threshold`
# (generated histories, medians of 8 alternating runs, --no-cache): 200 KB, 0.30 s split
# vs 0.24 s in one process; 517 KB, 0.49 s vs 0.53 s; 1.4 MB, 0.99 s vs 1.04 s. The split
# starts to win near 500 KB, by less than the runs vary; this threshold keeps a margin.
SPLIT_MIN_CHARS = 750_000
# The parent's share of the statements (see the module docstring).
PARENT_SHARE = 0.8
# The child encodes and writes its findings in chunks of this many: it never holds the
# encoding of all of them (tens of MB on bench (b)) at once.
CHUNK = 4096


def split_point(migrations: Sequence) -> int:
    """Where to cut the run: the child checks migrations[k:] (0: run in one process).

    `SCHEMALINT_JOBS=1` forces one process; `SCHEMALINT_JOBS=2` (or more: two is all
    this splits into) forces two whatever the size of the input, even with other threads
    running (the test suite does, under pytest-xdist's worker threads)."""
    env = os.environ.get("SCHEMALINT_JOBS", "").strip()
    forced = None
    if env:
        try:
            forced = int(env) >= 2
        except ValueError:  # not a number: as if unset
            pass
    if forced is False or len(migrations) < 2 or not _can_fork():
        return 0
    texts = [m.parse_text for m in migrations]
    if not forced and (sum(map(len, texts)) < SPLIT_MIN_CHARS or _other_threads()):
        return 0
    # The work a file makes is closer to its number of statements than to its size (a
    # COPY block or a long function body is cheap to check): semicolons count them well
    # enough to cut at, for a millisecond over the whole corpus.
    weights = [t.count(";") + 1 for t in texts]
    target = sum(weights) * PARENT_SHARE
    done = 0
    for k, weight in enumerate(weights):
        if done + weight > target:
            return max(1, k)  # at most len - 1: the share is under the whole
        done += weight
    return len(weights) - 1


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def _other_threads() -> bool:
    """Does this process run other threads (an application embedding schemalint)? A
    forked child gets only the calling thread, and any lock another thread held at the
    fork stays held in the child for ever (Python 3.12+ warns of this). The command-line
    run has no other thread."""
    threading = sys.modules.get("threading")  # not imported: no thread was started by Python
    return threading is not None and threading.active_count() > 1


def lint_in_two(migrations: Sequence, config, rules, parsed, k: int, stats: dict | None = None,
                extra=(), extra_rules=()) -> list:
    """`engine.lint(migrations, ...)`, with migrations[k:] checked in a forked child.

    `parsed`: as for `engine.lint`; when it is the cache's reader with a cache on (its
    `fork_hooks` are not None), the child's new parse results are written to its own pack
    file and added to this process's pack afterwards."""
    from schemalint.check.engine import Checker

    checker = Checker(config, rules, parsed)
    hooks = getattr(parsed, "fork_hooks", None)
    if hooks is not None:
        hooks.before_fork()
    child = _Child(lambda out: _child_work(out, migrations, config, rules, parsed, k, hooks))
    try:
        for migration in migrations[:k]:
            checker.check(migration)
        # This process's model is not needed past the cut: the child has its own, and if
        # the child fails, the rest is checked here as the child would have checked it.
        # Freed now, its memory (not returned to the system: pymalloc keeps the arenas)
        # holds the child's findings and the report later, instead of this process
        # growing by as much again.
        checker.release_model()
        rest = _decode(child.result())
        if rest is None:  # the child failed: do its part here
            rest = _check_rest(migrations, config, rules, parsed, k, None)
        count, diagnostics, directive_files, pack = rest
        if hooks is not None and pack is not None:
            hooks.absorb(pack)
        checker.out.extend(diagnostics)
        checker.statement_count += count
        checker.with_directives += [(migrations[i], spans) for i, spans in directive_files]
    finally:
        child.stop()
        if hooks is not None:
            hooks.child_gone(child.pid_started)
    return checker.finish(migrations, stats, extra, extra_rules)


def _check_rest(migrations, config, rules, parsed, k: int, hooks) -> tuple:
    """Fold migrations[:k], check the rest and the final schema: (statements counted,
    findings, (index, statement spans) of each file with suppression comments, the pack
    file of new parse results or None)."""
    from schemalint.check.engine import Checker

    if hooks is not None:
        hooks.in_child(k)
    checker = Checker(config, rules, parsed)
    for migration in migrations[:k]:
        checker.fold(migration)
    for migration in migrations[k:]:
        checker.check(migration)
    checker.check_schema(migrations)
    # Only `check` adds to with_directives: every file in it lies past the cut.
    index = {id(m): i for i, m in enumerate(migrations[k:], k)}
    directive_files = [(index[id(m)], spans) for m, spans in checker.with_directives]
    pack = hooks.child_done() if hooks is not None else None
    return checker.statement_count, checker.out, directive_files, pack


def _child_work(out, migrations, config, rules, parsed, k: int, hooks) -> None:
    """In the child: `_check_rest`, written to `out` as marshal records (each preceded by
    its length): (statements counted, files with suppression comments, pack file, number
    of findings), then the findings in chunks, in the cache's encoding."""
    from schemalint.speed.cache import encode_diagnostics

    count, found, directive_files, pack = _check_rest(migrations, config, rules, parsed, k, hooks)
    _write_record(out, (count, directive_files, pack, len(found)))
    for start in range(0, len(found), CHUNK):
        encoded = encode_diagnostics(found[start:start + CHUNK])
        if encoded is None:
            raise ValueError("a finding the cache encoding cannot carry")
        _write_record(out, encoded)


def _write_record(out, value) -> None:
    data = marshal.dumps(value)
    out.write(len(data).to_bytes(8, "little"))
    out.write(data)


def _read_record(src):
    size = int.from_bytes(src.read(8), "little")
    data = src.read(size)
    if len(data) != size:
        raise EOFError("truncated")
    return marshal.loads(data)


def _decode(src):
    """What `_child_work` wrote, as `_check_rest` returns it; None if it cannot be read."""
    from schemalint.speed.cache import decode_diagnostics

    if src is None:
        return None
    try:
        count, directive_files, pack, n = _read_record(src)
        diagnostics: list = []
        while len(diagnostics) < n:
            chunk = decode_diagnostics(_read_record(src))
            if chunk is None:
                return None
            diagnostics += chunk
    except Exception:  # noqa: BLE001 - a truncated or foreign result: do the part here
        return None
    return count, diagnostics, directive_files, pack


class _Child:
    """A forked process running `work(out)`, which writes its result to `out`: a temporary
    file without a name (unlinked at creation), so nothing is left behind whatever way
    either process ends, and the child can finish, and free its memory, without waiting
    for the parent to read (a pipe would hold it until then)."""

    def __init__(self, work) -> None:
        import signal
        import tempfile

        self.pid: int | None = None
        self.pid_started: int | None = None
        self._out = None
        # Buffered output must not be written twice (once by each process).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed or odd stream: nothing buffered to lose
                pass
        try:
            self._out = tempfile.TemporaryFile()
            pid = os.fork()
        except OSError:  # no temporary space, memory or process slot: the parent does it all
            return
        if pid == 0:  # the child: never returns
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                work(self._out)
                self._out.flush()
                code = 0
            except BaseException:  # noqa: BLE001 - any failure: the parent does the work
                code = 1
            finally:
                os._exit(code)
        self.pid = self.pid_started = pid

    def result(self):
        """The child's result file, at its start, once the child has exited cleanly; None
        if it failed."""
        if self.pid is None:
            return None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            return None
        self._out.seek(0)
        return self._out

    def stop(self) -> None:
        """Kill and reap the child if it is still there; close the result file."""
        if self.pid is not None:
            import signal

            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None
        out = self._out
        if out is not None:
            out.close()
            self._out = None
