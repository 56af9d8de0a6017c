"""A run split between two processes (linter/speed/parallel.py) gives exactly the findings of one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from schemalint.check.catalog import all_rules
from schemalint.check.engine import lint
from schemalint.cli import main
from schemalint.config.settings import LintConfig
from schemalint.discover.source import Migration
from schemalint.speed import cache as cache_mod
from schemalint.speed import checkpoint, parallel
from schemalint.speed.cache import lint_migrations
from schemalint.speed.keys import text_hash
from schemalint.speed.pack import ParsePack
from schemalint.speed.store import Cache

from .corpus import CORPUS, ROOT, requires_corpus
from .helpers import FILES, as_dicts, bench_module

pytestmark = pytest.mark.skipif(not parallel._can_fork(), reason="the split needs os.fork (Linux)")


@pytest.fixture(autouse=True)
def no_other_threads(monkeypatch):
    """pytest-xdist's workers run a thread of their own, and the split refuses to fork a
    process with other threads (test_no_split_beside_other_threads)."""
    monkeypatch.setattr(parallel, "_other_threads", lambda: False)

def serial(files=FILES, config=None):
    stats: dict = {}
    found = lint(files, config or LintConfig(), all_rules(), stats=stats)
    return as_dicts(found), stats["statements"]


@pytest.fixture
def child_results(monkeypatch):
    """Whether the parent read each child's part back (False: the child failed and the
    parent did its part, with the same findings: a test of the split must see True)."""
    results: list[bool] = []
    real = parallel._decode

    def decode(src):
        found = real(src)
        results.append(found is not None)
        return found

    monkeypatch.setattr(parallel, "_decode", decode)
    return results


def test_every_cut_gives_the_findings_of_one_process(child_results):
    expected, count = serial()
    # The inputs exercise what they claim to.
    assert {(d["path"], d["rule"]) for d in expected} >= {
        ("003_broken.sql", "parse-error"), ("006_ignored.sql", "unused-ignore"),
        ("007_tx.sql", "foreign-key-without-index"), ("001_init.down.sql", "missing-lock-timeout")}
    for k in range(1, len(FILES)):
        stats: dict = {}
        got = parallel.lint_in_two(FILES, LintConfig(), all_rules(), None, k, stats)
        assert (as_dicts(got), stats["statements"]) == (expected, count), f"cut at {k}"
    assert child_results == [True] * (len(FILES) - 1)


def test_findings_come_back_in_chunks(monkeypatch, child_results):
    """The child writes its findings in chunks (parallel.CHUNK): many chunks, a last
    partial one, and none at all (a child with no findings) all read back whole."""
    expected, count = serial()
    for chunk in (1, 2, 3):
        monkeypatch.setattr(parallel, "CHUNK", chunk)
        stats: dict = {}
        got = parallel.lint_in_two(FILES, LintConfig(), all_rules(), None, 2, stats)
        assert (as_dicts(got), stats["statements"]) == (expected, count), chunk
    quiet = [Migration("a.sql", "SELECT 1;\n"), Migration("b.sql", "SELECT 2;\n")]
    assert parallel.lint_in_two(quiet, LintConfig(), all_rules(), None, 1) == []
    assert child_results == [True] * 4


def test_schema_findings_suppressed_in_the_other_half(child_results):
    """The child computes schema-rule findings on the whole model; a comment in a file
    the parent checked still suppresses them (and is then not unused)."""
    expected, _ = serial()
    assert not any(d["rule"] == "foreign-key-without-index" and d["path"] == "001_init.sql"
                   for d in expected)
    got = parallel.lint_in_two(FILES, LintConfig(), all_rules(), None, 1)
    assert as_dicts(got) == expected
    assert child_results == [True]


def test_a_failed_child_leaves_the_work_to_the_parent(monkeypatch):
    expected, count = serial()
    for failure in ("raise", "kill"):
        def broken(*args, failure=failure):
            if failure == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError("the child failed")

        monkeypatch.setattr(parallel, "_child_work", broken)
        stats: dict = {}
        got = parallel.lint_in_two(FILES, LintConfig(), all_rules(), None, 3, stats)
        assert (as_dicts(got), stats["statements"]) == (expected, count), failure


def test_the_child_is_reaped(monkeypatch):
    started = []
    real = parallel._Child.__init__

    def record(self, work):
        real(self, work)
        started.append(self.pid_started)

    monkeypatch.setattr(parallel._Child, "__init__", record)
    parallel.lint_in_two(FILES, LintConfig(), all_rules(), None, 4)
    [pid] = started
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: not our child any more


def test_a_parent_interrupted_kills_its_child(monkeypatch):
    """Ctrl-C (or any exception) in the parent while the child works: the child is
    killed and reaped before the exception propagates."""
    started = []
    real = parallel._Child.__init__

    def record(self, work):
        def slow(out):
            time.sleep(60)
            return work(out)

        real(self, slow)
        started.append(self.pid_started)

    monkeypatch.setattr(parallel._Child, "__init__", record)
    from schemalint.check import engine

    def interrupted(self, migration):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.Checker, "check", interrupted)
    t = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        parallel.lint_in_two(FILES, LintConfig(), all_rules(), None, 4)
    assert time.monotonic() - t < 30
    [pid] = started
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_split_point(monkeypatch):
    monkeypatch.setattr(parallel, "PARENT_SHARE", 0.7)
    # Cut by statements (semicolons), not bytes: the parent checks the files holding 70% of
    # them. By size, b alone would be most of the work.
    weighted = [Migration("a.sql", "SELECT 1;" * 60), Migration("b.sql", "-- " + "x" * 10_000),
                Migration("c.sql", "SELECT 1;" * 40)]
    assert parallel.split_point(weighted, 2) == 2
    assert parallel.split_point(weighted, 8) == 2  # two is all it splits into
    assert parallel.split_point(weighted, 1) == 0  # the default: one process
    assert parallel.split_point(weighted, 0) == 0
    assert parallel.split_point(weighted[:1], 2) == 0  # one file: nothing to share
    small = [Migration(f"{i}.sql", "SELECT 1;\n") for i in range(10)]
    assert parallel.split_point(small, 2) > 0  # asked for: whatever the size


def test_no_split_beside_other_threads(monkeypatch):
    """Forking a multi-threaded process can deadlock the child: an application that runs
    threads gets one process, whatever it asks for."""
    import threading

    monkeypatch.undo()  # the real _other_threads (the autouse fixture replaced it)
    history = [Migration(f"{i}.sql", "SELECT 1;\n") for i in range(10)]
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert threading.active_count() > 1
        assert parallel.split_point(history, 2) == 0
    finally:
        release.set()
        worker.join()


def test_the_parse_pack_gets_both_processes_results(tmp_path, monkeypatch, child_results):
    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)
    monkeypatch.setattr(cache_mod, "PACK_MIN_CHARS", 0)
    expected, count = serial()
    stats: dict = {}
    assert as_dicts(lint_migrations(FILES, LintConfig(), stats, str(tmp_path), jobs=2)) == expected
    assert stats["statements"] == count
    pack = ParsePack(Cache(str(tmp_path)))
    texts = {text_hash(m.parse_text) for m in FILES}
    assert set(pack.entries) == texts  # each distinct text once, whichever process parsed it
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    # Every later run, split or not, parses nothing. (A new run key each time: the runs'
    # findings are not taken from the run before; and no checkpoint, which would spare the
    # split its work.)
    keys = iter(range(1000))
    monkeypatch.setattr(cache_mod, "run_key", lambda *a: f"other-key-{next(keys)}")
    monkeypatch.setattr(checkpoint.Checkpoints, "found", lambda self, links: [])
    import schemalint.parse.statements as parse_mod

    def no_parsing(text):
        raise AssertionError("parsed again")

    monkeypatch.setattr(parse_mod, "parse_sql", no_parsing)
    for jobs in (1, 2):
        assert as_dicts(lint_migrations(FILES, LintConfig(), {}, str(tmp_path), jobs=jobs)) == expected
    assert child_results == [True, True]  # the first run's child, and the split later run's


def test_parse_entries_the_child_used_stay_fresh(tmp_path, monkeypatch, child_results):
    """Pack entries only the child loaded count as used: the parent's pack keeps their
    last-used time current, so they are not aged out while still in use."""
    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)
    monkeypatch.setattr(cache_mod, "PACK_MIN_CHARS", 0)
    lint_migrations(FILES, LintConfig(), {}, str(tmp_path), jobs=2)
    # Age every entry by three days.
    old = ParsePack(Cache(str(tmp_path)))
    long_ago = int(time.time()) - 3 * 86_400
    assert old._open()
    for digest, (_, blob) in list(old.entries.items()):
        old._record(digest, long_ago, blob)
    old._out.close()
    os.replace(old._tmp, old.path)
    monkeypatch.setattr(cache_mod, "run_key", lambda *a: "other-key")  # skip the findings hit
    lint_migrations(FILES, LintConfig(), {}, str(tmp_path), jobs=2)
    fresh = ParsePack(Cache(str(tmp_path)))
    child_texts = {text_hash(m.parse_text) for m in FILES[parallel.split_point(FILES, 2):]}
    assert child_texts
    assert all(fresh.entries[d][0] > long_ago for d in child_texts)
    assert child_results == [True, True]


def _cli_json(args: list[str], jobs: str, capsys) -> str:
    code = main(["check", *args, "--format", "json", "--no-cache", "--jobs", jobs])
    out = capsys.readouterr().out
    assert code in (0, 1)
    return out


@pytest.mark.parametrize("case", sorted(p.name for p in (ROOT / "tests" / "heldout").iterdir()
                                        if p.is_dir() and not p.name.startswith("_")))
def test_held_out_repositories_split_or_not(case, monkeypatch, capsys, child_results):
    path = str(ROOT / "tests" / "heldout" / case)
    assert _cli_json([path], "2", capsys) == _cli_json([path], "1", capsys)
    assert child_results == [True]


@requires_corpus
def test_the_corpus_split_or_not(monkeypatch, capsys, child_results):
    files = sorted(str(p) for p in CORPUS.rglob("*.sql"))
    assert _cli_json(files, "2", capsys) == _cli_json(files, "1", capsys)
    assert child_results == [True]


def test_ctrl_c_leaves_no_process_behind(tmp_path):
    """SIGINT to the process group (what a terminal's Ctrl-C sends) while both processes
    work: the command exits with 130, no process of its group remains, and no temporary
    file is left in the cache."""
    bench_module("gen_repo").generate(str(tmp_path / "repo"), statements=20_000)
    env = dict(os.environ)
    env.pop("SCHEMALINT_NO_CACHE", None)
    cache = tmp_path / "cache"
    proc = subprocess.Popen([sys.executable, "-m", "schemalint", "check", str(tmp_path / "repo"),
                             "--format", "json", "--cache-dir", str(cache), "--jobs", "2"],
                            env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    # Interrupt once the child has started its own share (its parse pack file exists).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if list(cache.rglob("*.child.tmp")):
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before the child got to its share"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err and b"Traceback" not in err
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # nothing of the group is left
    # Neither process's unfinished parse pack is left in the cache.
    assert not [p.name for p in cache.rglob("*") if p.name.endswith(".tmp")]
