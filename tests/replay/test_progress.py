"""A replay's progress on standard error (linter/commands/progress.py), against a real server:
a live line on a terminal, one summary line elsewhere, nothing with --quiet; a replay that
stops says how far it went."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.helpers import run_on_terminal

EXAMPLE = "docs/example/migrations"  # three up migrations


def _plain(*argv):
    return subprocess.run([sys.executable, "-m", "schemalint", *argv], capture_output=True,
                          text=True, timeout=300)


def test_replay_on_a_terminal_shows_files_done_the_clock_and_the_file(server):
    code, out, shown, _ = run_on_terminal(
        ["replay", EXAMPLE, "--dsn", server.conninfo(), "--fail-on", "never"], cwd=".")
    assert code == 0, shown
    frames = [f for f in re.split(r"[\r\n]+", shown) if f.strip()]
    replaying = [f for f in frames if f.startswith("replaying")]
    # From the start (the server is readied before the first file), then file by file.
    assert re.search(r"\b0/3 files 0:00:\d\d\s*$", replaying[0]), frames
    assert re.search(r"\b3/3 files 0:00:\d\d .*003_index_orders\.sql\s*$", replaying[-1]), frames
    assert re.fullmatch(r"replayed 3 files in \d+\.\d s", frames[-1]), frames
    assert "== docs/example/migrations/003_index_orders.sql" in out


def test_replay_elsewhere_prints_one_line_and_nothing_with_quiet(server):
    proc = _plain("replay", EXAMPLE, "--dsn", server.conninfo(), "--fail-on", "never")
    assert proc.returncode == 0
    assert re.fullmatch(r"replayed 3 files in \d+\.\d s\n", proc.stderr), proc.stderr
    code, _, _, raw = run_on_terminal(
        ["replay", EXAMPLE, "--dsn", server.conninfo(), "--fail-on", "never", "--quiet"], cwd=".")
    assert code == 0 and raw == b""


def test_a_replay_that_stops_says_how_far_it_went(server, tmp_path):
    for name, sql in (("001.sql", "CREATE TABLE t (id int);"),
                      ("002.sql", "ALTER TABLE missing ADD COLUMN c int;"),
                      ("003.sql", "ALTER TABLE t ADD COLUMN d int;")):
        (tmp_path / name).write_text(sql + "\n")
    proc = _plain("replay", str(tmp_path), "--dsn", server.conninfo())
    assert proc.returncode == 1
    assert re.search(r"^replayed 2 of 3 files in \d+\.\d s$", proc.stderr, re.M), proc.stderr
