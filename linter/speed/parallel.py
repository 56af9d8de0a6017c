"""`check --jobs 2`: one history checked in two processes, with the findings of one.

The model a migration is checked against depends on every earlier migration, so a history
cannot be cut into independent pieces. But bringing the model past a migration without
checking it (`Checker.fold`: parse, then the schema changes alone, no rules, no lock
bookkeeping) costs about half of checking it (`python bench/stages.py`).

So the run is cut at migration k. This process checks migrations [0, k). A forked child
folds [0, k) without checking them, checks [k, n), runs the schema rules on the final
model and sends its findings back (marshal, in the cache's encoding, through a temporary
file). Both processes reach migration k with the same model, so the findings are those of
one process doing all of it (tests/test_parallel.py compares them on real and generated
histories). The parent spends f·C on its share f of the statements (C: the cost of checking
them all), the child f·Q + (1 - f)·C + S (Q: the cost of folding only; S: the schema rules).
Where they finish together also depends on costs no model here has (copy-on-write faults,
encoding the findings, two busy cores each running slower: `python bench/split.py
contention`), so the share is measured, whole command from start to last finding: `python
bench/split.py balance PATH...` finds 0.8 best on bench (b) and within noise on the corpus.

If the child fails (killed, out of memory, a finding the encoding cannot carry), this
process does the child's part itself, as the child does it.

The child is never left behind: it restores the default SIGINT/SIGTERM actions (Ctrl-C
reaches the whole foreground process group, so it dies at once instead of running the
parent's handlers), it leaves only through `os._exit` (no atexit handler, no flush of a
buffer it inherited), and the parent kills and reaps it on every way out. Its result goes
through a temporary file unlinked at creation, so no file is left behind either.

Only when asked (`check --jobs 2`) and where `fork` exists (Linux; the child must start
with the migrations, the rules and pglast already loaded to be worth it): the split costs
more CPU than it saves wall time, and on bench (b) it saves less than the 25% that would make
it the default (docs/performance.md, "Each speed piece").
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Sequence

from schemalint.speed.findings import decode_diagnostics, encode_diagnostics

# The parent's share of the statements (see the module docstring).
PARENT_SHARE = 0.8
# The child encodes and writes its findings in chunks of this many: it never holds the
# encoding of all of them (tens of MB on bench (b)) at once.
CHUNK = 4096


def split_point(migrations: Sequence, jobs: int) -> int:
    """Where to cut the run: the child checks migrations[k:] (0: run in one process).
    `jobs`: the processes asked for (`--jobs`); two is all this splits into."""
    if jobs < 2 or len(migrations) < 2 or not _can_fork() or _other_threads():
        return 0
    # The work a file makes is closer to its number of statements than to its size (a
    # COPY block or a long function body is cheap to check): semicolons count them well
    # enough to cut at, for a millisecond over the whole corpus.
    weights = [m.parse_text.count(";") + 1 for m in migrations]
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
                extra=(), extra_rules=(), progress=None) -> list:
    """`engine.lint(migrations, ...)`, with migrations[k:] checked in a forked child.

    `parsed`: as for `engine.lint`; when it is the cache's reader with a cache on (its
    `fork_hooks` are not None), the child's new parse results are written to its own pack
    file and added to this process's pack afterwards. `progress`: as for `engine.lint`, called
    for this process's files only (the child's are done when it returns)."""
    from schemalint.check.engine import Checker

    checker = Checker(config, rules, parsed)
    hooks = getattr(parsed, "fork_hooks", None)
    if hooks is not None:
        hooks.before_fork()
    child = _Child(lambda out: _child_work(out, migrations, config, rules, parsed, k, hooks))
    try:
        checker.run(migrations[:k], progress=progress)
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


def _fork(work) -> int | None:
    """A forked child running `work()`: its pid, or None when no process could be made. The
    child leaves through `os._exit` (status 0 when `work` returned, 1 when it raised): no
    atexit handler of this process runs there. Buffered output is flushed first, so that it
    is not written twice (once by each process), and the child takes the default SIGINT and
    SIGTERM actions (Ctrl-C reaches the whole foreground process group: it dies at once
    instead of running this process's handlers)."""
    import signal

    from schemalint.process import flush_streams

    flush_streams()
    try:
        pid = os.fork()
    except OSError:  # no memory or process slot
        return None
    if pid == 0:  # the child: never returns
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            work()
            code = 0
        except BaseException:  # noqa: BLE001 - the parent sees status 1
            code = 1
        finally:
            os._exit(code)
    return pid


class _Child:
    """A forked process running `work(out)`, which writes its result to `out`: a temporary
    file without a name (unlinked at creation), so nothing is left behind whatever way
    either process ends, and the child can finish, and free its memory, without waiting
    for the parent to read (a pipe would hold it until then)."""

    def __init__(self, work) -> None:
        import tempfile

        self.pid: int | None = None
        self.pid_started: int | None = None
        self._out = None
        try:
            self._out = tempfile.TemporaryFile()
        except OSError:  # no temporary space: the parent does it all
            return

        def write_result() -> None:
            work(self._out)
            self._out.flush()

        self.pid = self.pid_started = _fork(write_result)

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


# --- work beside the run --------------------------------------------------------------
# Storing a whole run's findings for the next run (cache.py: encoding them, then writing the
# `runs/` entry) is work nothing in this run waits for: from the command line it runs in a
# forked child while this process gates and writes the report, and the process waits for the
# child before it ends (schemalint/process.py runs the atexit handler that reaps it). The
# child only writes its entry, atomically (store.Cache.write), and finishes it even if this
# process is killed first; it is made as `lint_in_two`'s child is (`_fork`).
_beside: list[int] = []


def beside(work) -> bool:
    """Start `work()` in a forked child that the process waits for before it ends; False
    (nothing started: the caller does the work) unless the process ends after this command
    (a caller that goes on would have to reap it), on Linux, with no other thread."""
    from schemalint import process

    if not process.ENDS_AFTER_COMMAND or not _can_fork() or _other_threads():
        return False
    pid = _fork(work)  # a failed child: the entry is simply not stored
    if pid is None:
        return False
    if not _beside:
        import atexit

        atexit.register(_reap_beside)
    _beside.append(pid)
    return True


def _reap_beside() -> None:
    while _beside:
        pid = _beside.pop()
        try:
            os.waitpid(pid, 0)
        except (ChildProcessError, InterruptedError):
            pass
