"""Interrupt a real replay mid-way: no server process, directory or database is left."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import psycopg
import pytest

from schemalint.replay import local
from schemalint.replay.process import start_time
from tests.replay.conftest import needs_postgres

pytestmark = needs_postgres

SLOW = "CREATE TABLE a (id int);\nSELECT pg_sleep(60);\nCREATE TABLE b (id int);\n"


def _processes_mentioning(text: str) -> list[int]:
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if text.encode() in fh.read():
                    out.append(int(pid))
        except OSError:
            continue
    return out


def _wait_for(predicate, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _sleeping(conninfo: str) -> bool:
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=2) as conn:
            return bool(conn.execute("SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' "
                                     "AND state = 'active' AND pid <> pg_backend_pid()").fetchone())
    except psycopg.Error:
        return False


def _start(args, env, tmp_path, command=("replay",)):
    migration = tmp_path / "001_slow.sql"
    migration.write_text(SLOW)
    return subprocess.Popen([sys.executable, "-m", "schemalint", *command, str(migration), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _reap(proc) -> None:
    """Kill the command if a failed assertion left it running, and close its pipes: an
    unclosed pipe is reported as a ResourceWarning in whichever later test collects it."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(30)
    proc.stdout.close()
    proc.stderr.close()


CHECK_REPLAY = ("check", "--replay", "--no-cache")


@pytest.mark.parametrize("command,signum,code", [
    (("replay",), signal.SIGINT, 130), (("replay",), signal.SIGTERM, 143),
    (CHECK_REPLAY, signal.SIGTERM, 143), (CHECK_REPLAY, signal.SIGHUP, 129)])
def test_signal_during_local_replay_leaves_nothing(tmp_path, command, signum, code):
    # A fresh base directory for the replay's temporary directory, traversable by the
    # unprivileged user the server runs as when we are root.
    base = tempfile.mkdtemp(prefix="schemalint-test-")
    os.chmod(base, 0o711)
    env = dict(os.environ, TMPDIR=base)
    proc = _start(["--backend", "local"], env, tmp_path, command)
    try:
        root = _wait_for(lambda: next((os.path.join(base, d) for d in os.listdir(base)
                                       if d.startswith("schemalint-replay-")), None),
                         "the replay directory")
        conninfo = f"host={root} port=5432 user=postgres dbname=postgres"
        _wait_for(lambda: _sleeping(conninfo), "the slow statement to run")
        assert _processes_mentioning(root), "the server should be running"
        proc.send_signal(signum)
        proc.wait(30)
        err = proc.stderr.read().decode()
        assert proc.returncode == code, err
        assert "Traceback" not in err
        assert not os.path.exists(root)
        assert _processes_mentioning(root) == []
        assert not [d for d in os.listdir(base) if d.startswith("schemalint-")]
    finally:
        _reap(proc)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("command,signum,code", [
    (("replay",), signal.SIGTERM, 143), (("replay",), signal.SIGHUP, 129),
    (CHECK_REPLAY, signal.SIGINT, 130)])
def test_signal_during_dsn_replay_drops_the_database(server, tmp_path, command, signum, code):
    proc = _start(["--dsn", server.conninfo()], dict(os.environ), tmp_path, command)
    admin = psycopg.connect(server.conninfo(), autocommit=True)

    def scratch():
        return [r[0] for r in admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'schemalint_replay_%'")]

    def scratch_roles():
        return [r[0] for r in admin.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'schemalint_replay_%'")]

    try:
        (name,) = _wait_for(scratch, "the scratch database")
        _wait_for(lambda: _sleeping(server.conninfo(name)), "the slow statement to run")
        proc.send_signal(signum)
        proc.wait(30)
        err = proc.stderr.read().decode()
        assert proc.returncode == code, err
        assert "Traceback" not in err
        assert scratch() == [] and scratch_roles() == []
    finally:
        _reap(proc)
        admin.close()


def test_sigkill_leaves_a_directory_the_next_run_removes(tmp_path):
    base = tempfile.mkdtemp(prefix="schemalint-test-")
    os.chmod(base, 0o711)
    proc = _start(["--backend", "local"], dict(os.environ, TMPDIR=base), tmp_path)
    try:
        root = _wait_for(lambda: next((os.path.join(base, d) for d in os.listdir(base)
                                       if d.startswith("schemalint-replay-")), None),
                         "the replay directory")
        _wait_for(lambda: _sleeping(f"host={root} port=5432 user=postgres dbname=postgres"),
                  "the slow statement to run")
        proc.kill()  # SIGKILL: no cleanup runs
        proc.wait(30)
        # The server dies with its parent (PR_SET_PDEATHSIG); the directory stays.
        _wait_for(lambda: not _processes_mentioning(root), "the orphaned server to exit")
        assert os.path.isdir(root)
        assert local.remove_stale_roots(base) == [root]
        assert not os.path.exists(root)
    finally:
        _reap(proc)
        shutil.rmtree(base, ignore_errors=True)


def test_sigkill_during_first_template_creation_leaves_nothing_for_long(tmp_path):
    """initdb's directory names its owner and initdb dies with schemalint (PDEATHSIG): the
    next run removes the directory."""
    base = tempfile.mkdtemp(prefix="schemalint-test-")
    os.chmod(base, 0o711)
    env = dict(os.environ, TMPDIR=base, XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = _start(["--backend", "local"], env, tmp_path)
    try:
        scratch = _wait_for(lambda: next((os.path.join(base, d) for d in os.listdir(base)
                                          if d.startswith("schemalint-initdb-")), None),
                            "initdb's directory")
        _wait_for(lambda: _processes_mentioning(scratch), "initdb to run")
        proc.kill()
        proc.wait(30)
        _wait_for(lambda: not _processes_mentioning(scratch), "initdb to die with schemalint")
        assert os.path.isdir(scratch)
        assert local.remove_stale_roots(base) == [scratch]
        assert os.listdir(base) == []
    finally:
        _reap(proc)
        shutil.rmtree(base, ignore_errors=True)


def test_only_dead_owners_directories_are_removed(tmp_path):
    def make(name: str, owner: str | None = None, postmaster: int | None = None) -> str:
        path = tmp_path / name
        (path / "data").mkdir(parents=True)
        if owner is not None:
            (path / local.OWNER_FILE).write_text(owner)
        if postmaster is not None:
            (path / "data" / "postmaster.pid").write_text(f"{postmaster}\n")
        return str(path)

    dead_pid = subprocess.Popen(["true"])  # a pid that has exited
    dead_pid.wait()
    me = f"{os.getpid()} {start_time(os.getpid())}"
    mine = f"{os.getpid()}.{start_time(os.getpid())}"
    # Owners named in the directory name (this version), whatever stage they died in.
    dead = make(f"schemalint-replay-{dead_pid.pid}.1-abcd1234")
    dead_initdb = make(f"schemalint-initdb-{dead_pid.pid}.1-abcd1234")
    reused = make(f"schemalint-initdb-{os.getpid()}.1-abcd1234")  # our pid, another start
    alive = make(f"schemalint-replay-{mine}-abcd1234")
    alive_initdb = make(f"schemalint-initdb-{mine}-abcd1234")
    serving = make(f"schemalint-replay-{dead_pid.pid}.1-serving1", postmaster=os.getpid())
    # Earlier versions' names, the owner in a file.
    old_dead = make("schemalint-replay-dead0001", f"{dead_pid.pid} 1")
    old_reused = make("schemalint-replay-reused01", f"{os.getpid()} 1")
    old_alive = make("schemalint-replay-alive001", me)
    anonymous = make("schemalint-replay-noowner1")
    other_name = make("schemalint-replay-x", f"{dead_pid.pid} 1")
    os.symlink(dead, tmp_path / "schemalint-replay-symlink1")
    assert sorted(local.remove_stale_roots(str(tmp_path))) == sorted(
        [dead, dead_initdb, reused, old_dead, old_reused])
    for kept in (alive, alive_initdb, serving, old_alive, anonymous, other_name):
        assert os.path.isdir(kept)
    assert os.path.islink(tmp_path / "schemalint-replay-symlink1")
