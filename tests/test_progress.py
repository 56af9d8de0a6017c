"""Progress of a large check on standard error (linter/commands/progress.py): a live line on a
terminal, one summary line elsewhere, nothing with --quiet or for a small check. A terminal is
a real pseudo-terminal (tests/helpers.run_on_terminal); the replay's progress is tested against
a real server in tests/replay/test_progress.py."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from schemalint.commands.progress import LARGE_CHECK_CHARS, Progress

from .helpers import run_on_terminal

SUMMARY = re.compile(r"checked 3 files in \d+\.\d s")


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """Three migrations holding LARGE_CHECK_CHARS of SQL: the first carries a long comment,
    which costs the parser next to nothing, so the check is large and still quick."""
    root = tmp_path_factory.mktemp("large")
    (root / "migrations").mkdir()
    filler = "-- " + "x" * (LARGE_CHECK_CHARS - 100) + "\n"
    (root / "migrations" / "001_create.sql").write_text(
        filler + "CREATE TABLE t (id bigint PRIMARY KEY, created_at timestamptz, "
                 "updated_at timestamptz);\n")
    (root / "migrations" / "002_add.sql").write_text("ALTER TABLE t ADD COLUMN note text;\n")
    (root / "migrations" / "003_index_last.sql").write_text("CREATE INDEX t_note ON t (note);\n")
    return root


def _plain(*argv, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "schemalint", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


def test_a_large_check_on_a_terminal_shows_files_done_the_clock_and_the_file(large):
    code, out, shown, _ = run_on_terminal(["check", "migrations", "--no-cache"], cwd=large)
    assert code == 1, shown  # the index is built without CONCURRENTLY
    # The live line's last frame: every file done, the elapsed time, the file at work.
    frames = [f for f in re.split(r"[\r\n]+", shown) if f.strip()]
    last = next(f for f in reversed(frames) if f.startswith("checking"))
    assert re.search(r"\b3/3 files 0:00:\d\d migrations/003_index_last\.sql\s*$", last), frames
    # Then the summary line, and nothing of the live line left on the terminal.
    assert SUMMARY.fullmatch(frames[-1]), frames
    # The report on stdout is that of a run without a terminal.
    assert out == _plain("check", "migrations", "--no-cache", cwd=large).stdout


def test_a_large_check_elsewhere_prints_one_summary_line(large):
    proc = _plain("check", "migrations", "--no-cache", "--format", "json", cwd=large)
    assert proc.returncode == 1
    assert SUMMARY.fullmatch(proc.stderr.rstrip("\n")) and proc.stderr.count("\n") == 1, proc.stderr


def test_quiet_shows_nothing(large):
    code, _, _, raw = run_on_terminal(["check", "migrations", "--no-cache", "--quiet"], cwd=large)
    assert code == 1 and raw == b""
    proc = _plain("check", "migrations", "--no-cache", "-q", cwd=large)
    assert proc.returncode == 1 and proc.stderr == ""


def test_a_small_check_shows_nothing(tmp_path):
    (tmp_path / "001.sql").write_text("CREATE INDEX i ON t (a);\n" * 50)
    code, out, _, raw = run_on_terminal(["check", "001.sql", "--no-cache"], cwd=tmp_path)
    assert code == 1 and "create-index-non-concurrently" in out and raw == b""


def test_a_report_cache_answer_shows_nothing_and_keeps_no_progress(large):
    """The report cache replays what the run wrote to stderr: the summary line, with its
    time, is not part of it."""
    cache = ["--cache-dir", str(large / "cache")]
    env = {k: v for k, v in os.environ.items() if k != "SCHEMALINT_NO_CACHE"}  # conftest's
    first = _plain("check", "migrations", *cache, cwd=large, env=env)
    again = _plain("check", "migrations", *cache, cwd=large, env=env)
    assert SUMMARY.fullmatch(first.stderr.rstrip("\n"))
    assert again.stdout == first.stdout and again.stderr == ""


def test_the_summary_counts_what_was_done():
    err = io.StringIO()
    progress = Progress("replaying", "replayed", err)
    progress.begin(5)
    for path in ("001.sql", "002.sql"):
        progress.advance(path)
    progress.finish(complete=False)  # a replay that stopped at the second file
    assert re.fullmatch(r"replayed 2 of 5 files in \d+\.\d s\n", err.getvalue())
    err = io.StringIO()
    progress = Progress("checking", "checked", err)
    progress.begin(1)
    progress.advance("one.sql")
    progress.close()  # an error: no summary
    assert err.getvalue() == ""
