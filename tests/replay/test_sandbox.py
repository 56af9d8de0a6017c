"""`--dsn` on a shared server: replay works in a sandbox (a scratch role owning a scratch
database), sends nothing that reaches beyond it, and leaves the server as it found it: data,
roles, databases and settings, after success, after a failing migration and after SIGTERM.

The module's cluster (conftest's `server`) plays a shared server: a database `precious`
holding data, a deployment user `deployer` with CREATEDB and CREATEROLE (not a superuser)
that logs in with a password, and a role `existing_app` that migrations grant to."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading

import psycopg
import pytest
from psycopg import sql

from schemalint.cli import main
from schemalint.errors import UsageError
from schemalint.replay import dsn as dsn_backend
from schemalint.replay.cleanup import Cleanup
from tests.replay.test_interrupt import _reap, _wait_for

PASSWORD = "p@ss:w/rd x"  # every character a URL or key=value DSN finds awkward
PWNED = "/tmp/schemalint-sandbox-test-pwned"
COPIED = "/tmp/schemalint-sandbox-test-copy"
HBA_SHARED = "local all postgres trust\nlocal all all scram-sha-256\n"

# One statement per line: line N of the file is statement N.
CLUSTER_WIDE = [
    "CREATE ROLE intruder SUPERUSER LOGIN PASSWORD 'x'",
    "ALTER ROLE deployer SUPERUSER",
    "ALTER ROLE existing_app SET work_mem = '1GB'",
    "ALTER USER existing_app RENAME TO renamed_app",
    "GRANT existing_app TO deployer",
    "DROP ROLE existing_app",
    "ALTER SYSTEM SET work_mem = '77MB'",
    "SELECT pg_reload_conf()",
    "ALTER DATABASE precious RENAME TO stolen",
    "ALTER DATABASE precious SET work_mem = '3MB'",
    "ALTER DATABASE precious OWNER TO deployer",
    "ALTER DATABASE precious CONNECTION LIMIT 0",
    "COMMENT ON DATABASE precious IS 'mine'",
    "REVOKE CONNECT ON DATABASE precious FROM PUBLIC",
    "CREATE TABLESPACE elsewhere LOCATION '/tmp'",
    f"COPY app TO PROGRAM 'touch {PWNED}'",
    "COPY app FROM '/etc/hostname'",
    f"COPY app TO '{COPIED}'",
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'precious'",
    "SELECT pg_read_file('/etc/hostname')",
    "SELECT lo_import('/etc/hostname')",
    "SET SESSION AUTHORIZATION postgres",
    "SET ROLE postgres",
    "LOAD 'auto_explain'",
    "CHECKPOINT",
    "REASSIGN OWNED BY existing_app TO deployer",
    "DROP OWNED BY existing_app",
    "CREATE SUBSCRIPTION sub CONNECTION 'dbname=precious' PUBLICATION pub",
    "SELECT set_config('role', 'postgres', false)",
    "SELECT dblink_exec('dbname=precious', 'DROP TABLE treasure')",
    "DROP DATABASE precious",
    "CREATE DATABASE other",
]
IN_DATABASE = [
    "GRANT SELECT ON app TO existing_app",  # a privilege inside the scratch database
    "GRANT SELECT ON app TO app_reader",  # a declared role replay creates
    "SET ROLE app_owner",  # another one: SET ROLE to it is sent
    "CREATE TABLE owned (id int)",
    "RESET ROLE",
    "ALTER TABLE app OWNER TO app_owner",
    "DO $$ BEGIN IF (SELECT tableowner FROM pg_tables WHERE tablename = 'owned') <> 'app_owner' "
    "THEN RAISE EXCEPTION 'owned by the wrong role'; END IF; END $$",
    "INSERT INTO app VALUES (2, 'two')",
]
FIRST = ["CREATE TABLE app (id int PRIMARY KEY, note text)", "INSERT INTO app VALUES (1, 'one')"]


def _file(statements: list[str]) -> str:
    return "".join(s + ";\n" for s in statements)


@pytest.fixture(scope="module")
def shared(server):
    with psycopg.connect(server.conninfo(), autocommit=True) as su:
        su.execute("CREATE DATABASE precious")
        su.execute(sql.SQL("CREATE ROLE deployer LOGIN CREATEDB CREATEROLE PASSWORD {}").format(
            sql.Literal(PASSWORD)))
        su.execute(sql.SQL("CREATE ROLE weak LOGIN PASSWORD {}").format(sql.Literal(PASSWORD)))
        su.execute("CREATE ROLE existing_app NOLOGIN")
        su.execute("GRANT CONNECT ON DATABASE precious TO existing_app")
    with psycopg.connect(server.conninfo("precious"), autocommit=True) as db:
        db.execute("CREATE TABLE treasure (id int PRIMARY KEY, gem text NOT NULL)")
        db.execute("INSERT INTO treasure SELECT g, md5(g::text) FROM generate_series(1, 1000) g")
    _hba(server, HBA_SHARED)
    return server


def _hba(server, text: str) -> None:
    # Written in place: the file keeps the owner the server runs as.
    with open(os.path.join(server.data_dir, "pg_hba.conf"), "w") as fh:
        fh.write(text)

    def loaded():
        # In a new session: when the postmaster last reread its files (on SIGHUP, asynchronously).
        with psycopg.connect(server.conninfo(), autocommit=True) as su:
            return su.execute("SELECT pg_conf_load_time()").fetchone()[0]

    before = loaded()
    with psycopg.connect(server.conninfo(), autocommit=True) as su:
        su.execute("SELECT pg_reload_conf()")
    _wait_for(lambda: loaded() > before, "the server to reread pg_hba.conf", timeout=30)


def _dsn(server, user: str = "deployer") -> str:
    return f"host={server.socket_dir} port=5432 user={user} password='{PASSWORD}' dbname=precious"


def server_state(server) -> dict:
    """What a replay must not change on the server."""
    with psycopg.connect(server.conninfo(), autocommit=True) as su:
        def rows(query: str) -> list:
            return su.execute(query).fetchall()

        state = {
            "roles": rows("SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, "
                          "rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, rolpassword "
                          "FROM pg_authid ORDER BY 1"),
            "members": rows("SELECT roleid::regrole::text, member::regrole::text, admin_option "
                            "FROM pg_auth_members ORDER BY 1, 2"),
            "databases": rows("SELECT datname, datdba::regrole::text, datacl::text, datallowconn, "
                              "datconnlimit FROM pg_database ORDER BY 1"),
            "role_settings": rows("SELECT setdatabase, setrole, setconfig::text "
                                  "FROM pg_db_role_setting ORDER BY 1, 2"),
            "shared_comments": rows("SELECT classoid, objoid, description FROM pg_shdescription "
                                    "ORDER BY 1, 2"),
            "tablespaces": rows("SELECT spcname FROM pg_tablespace ORDER BY 1"),
            "subscriptions": rows("SELECT subname FROM pg_subscription ORDER BY 1"),
            "settings": rows("SELECT name, setting FROM pg_settings ORDER BY 1"),
        }
    with open(os.path.join(server.data_dir, "postgresql.auto.conf")) as fh:
        state["postgresql.auto.conf"] = fh.read()
    with psycopg.connect(server.conninfo("precious"), autocommit=True) as db:
        state["data"] = db.execute("SELECT count(*), md5(string_agg(gem, ',' ORDER BY id)) "
                                   "FROM treasure").fetchone()
    return state


def leftovers(server) -> dict:
    with psycopg.connect(server.conninfo(), autocommit=True) as su:
        return {
            "databases": [r[0] for r in su.execute(
                "SELECT datname FROM pg_database WHERE datname NOT IN "
                "('postgres', 'template0', 'template1', 'precious')")],
            "roles": [r[0] for r in su.execute(
                "SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname NOT IN "
                "('postgres', 'deployer', 'weak', 'existing_app')")],
        }


NOTHING_LEFT = {"databases": [], "roles": []}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A migrations folder with a configuration declaring the roles they need; cwd."""
    (tmp_path / ".schemalint.yaml").write_text("replay:\n  roles: [app_reader, app_owner]\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cluster_wide_statements_never_reach_the_server(shared, project, capsys):
    for path in (PWNED, COPIED):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    (project / "001_app.sql").write_text(_file(FIRST + CLUSTER_WIDE + IN_DATABASE))
    (project / "002_elsewhere.sql").write_text(
        "DROP DATABASE precious;\n\\connect precious\nCREATE TABLE after_connect (id int);\n")
    before = server_state(shared)

    code = main(["replay", ".", "--dsn", _dsn(shared), "--format", "json"])
    out = capsys.readouterr()
    doc = json.loads(out.out)

    assert server_state(shared) == before
    assert leftovers(shared) == NOTHING_LEFT
    assert not os.path.exists(PWNED) and not os.path.exists(COPIED)
    assert PASSWORD not in out.out + out.err
    statuses = {(os.path.basename(s["path"])[:3], s["line"]): s["status"] for s in doc["statements"]}
    first = len(FIRST)
    expected = {("001", i + 1): "ok" for i in range(first)}
    expected |= {("001", first + i + 1): "skipped" for i in range(len(CLUSTER_WIDE))}
    expected |= {("001", first + len(CLUSTER_WIDE) + i + 1): "ok" for i in range(len(IN_DATABASE))}
    expected |= {("002", 1): "skipped", ("002", 3): "ok"}
    assert statuses == expected, [s for s in doc["statements"] if s["status"] == "failed"]
    skipped = [d for d in doc["diagnostics"] if d["rule"] == "replay-skipped-cluster-statement"]
    assert len(skipped) == len(CLUSTER_WIDE) + 2  # and the \connect
    assert all(d["severity"] == "info" for d in skipped)
    assert {d["rule"] for d in doc["diagnostics"]} == {"replay-skipped-cluster-statement"}
    connect = next(d for d in skipped if d["path"].endswith("002_elsewhere.sql") and d["line"] == 2)
    assert "\\connect precious" in connect["message"]
    drop = next(d for d in skipped if d["path"].endswith("002_elsewhere.sql") and d["line"] == 1)
    assert "`DROP DATABASE precious` drops a database" in drop["message"]
    assert code == 0


def test_nothing_is_left_after_a_failing_migration(shared, project, capsys):
    (project / "001.sql").write_text(
        "CREATE TABLE t (id int);\nGRANT SELECT ON t TO app_reader;\nSELECT 1 / 0;\nCREATE ROLE never;\n")
    before = server_state(shared)
    code = main(["replay", ".", "--dsn", _dsn(shared), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [s["status"] for s in doc["statements"]] == ["ok", "ok", "failed"]
    assert [(n["path"], n["statements"]) for n in doc["not_run"]] == [("001.sql", 1)]
    assert server_state(shared) == before
    assert leftovers(shared) == NOTHING_LEFT


def _replay_in_a_slow_statement(shared, project) -> subprocess.Popen:
    """A `replay --dsn` process, returned once it runs a 60 s statement (its sandbox made)."""
    (project / "001.sql").write_text("CREATE TABLE a (id int);\nGRANT SELECT ON a TO app_reader;\n"
                                     "SELECT pg_sleep(60);\n")
    proc = subprocess.Popen([sys.executable, "-m", "schemalint", "replay", ".", "--dsn", _dsn(shared)],
                            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with psycopg.connect(shared.conninfo(), autocommit=True) as su:
            _wait_for(lambda: su.execute(
                "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' "
                "AND state = 'active' AND pid <> pg_backend_pid()").fetchone(), "the slow statement")
    except BaseException:
        _reap(proc)
        raise
    return proc


def test_nothing_is_left_after_sigterm(shared, project):
    before = server_state(shared)
    proc = _replay_in_a_slow_statement(shared, project)
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        err = proc.stderr.read().decode()
        assert proc.returncode == 143, err
        assert "cleaned up" in err and PASSWORD not in err
    finally:
        _reap(proc)
    assert server_state(shared) == before
    assert leftovers(shared) == NOTHING_LEFT


def test_the_next_run_drops_the_sandbox_of_a_killed_run(shared, project, capsys):
    # SIGKILL cannot be handled: the run's database and roles stay until the next run from this
    # host sees that the process named in their comment is gone.
    before = server_state(shared)
    proc = _replay_in_a_slow_statement(shared, project)
    try:
        proc.kill()
        proc.wait(60)
    finally:
        _reap(proc)
    left = leftovers(shared)
    assert len(left["databases"]) == 1 and left["databases"][0].startswith("schemalint_replay_")
    assert sorted(left["roles"]) == sorted([left["databases"][0], "app_reader", "app_owner"])

    (project / "001.sql").write_text("CREATE TABLE a (id int);\n")
    assert main(["replay", ".", "--dsn", _dsn(shared)]) == 0
    err = capsys.readouterr().err
    assert f"dropped the sandbox of a run on this host that ended without cleaning up: database " \
           f"{left['databases'][0]}" in err
    assert leftovers(shared) == NOTHING_LEFT
    assert server_state(shared) == before


def test_a_live_run_and_another_hosts_run_are_left_alone(shared, monkeypatch, capsys):
    import socket

    with Cleanup() as first:
        mine = dsn_backend.open_sandbox(_dsn(shared), first)
        # A run whose process is alive (this one) is not swept by a second run.
        with Cleanup() as second:
            dsn_backend.open_sandbox(_dsn(shared), second)
            assert mine.name in leftovers(shared)["databases"]
        # A dead run from another host is not swept either: its process cannot be checked.
        monkeypatch.setattr(dsn_backend, "alive", lambda pid, started: False)
        monkeypatch.setattr(socket, "gethostname", lambda: "another-host")
        with Cleanup() as third:
            dsn_backend.open_sandbox(_dsn(shared), third)
            assert mine.name in leftovers(shared)["databases"]
    assert "dropped the sandbox" not in capsys.readouterr().err
    assert leftovers(shared) == NOTHING_LEFT


def test_sandbox_role_is_unprivileged_and_owns_only_its_database(shared):
    with Cleanup() as cleanup:
        box = dsn_backend.open_sandbox(_dsn(shared), cleanup, roles=("app_owner", "existing_app"))
        assert box.created_roles == ("app_owner",)  # existing_app existed: left alone
        with psycopg.connect(box.conninfo, autocommit=True) as conn:
            who = conn.execute("SELECT current_user, session_user, rolsuper, rolcreatedb, "
                               "rolcreaterole, rolreplication, rolbypassrls, "
                               "(SELECT datdba::regrole::text FROM pg_database "
                               " WHERE datname = current_database()) "
                               "FROM pg_roles WHERE rolname = current_user").fetchone()
            assert who == (box.name, box.name, False, False, False, False, False, box.name)
            # RESET ROLE / SET ROLE cannot step out: the session itself is the scratch role's.
            conn.execute("RESET ROLE")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SET ROLE deployer")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("CREATE ROLE sneaky")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("ALTER SYSTEM SET work_mem = '5MB'")
            memberships = conn.execute(
                "SELECT roleid::regrole::text FROM pg_auth_members "
                "WHERE member = current_user::regrole").fetchall()
            assert memberships == [("app_owner",)]
    assert leftovers(shared) == NOTHING_LEFT


def test_a_user_without_createdb_or_createrole_is_refused(shared, project, capsys):
    (project / "001.sql").write_text("CREATE TABLE t (id int);\n")
    assert main(["replay", ".", "--dsn", _dsn(shared, "weak")]) == 2
    err = capsys.readouterr().err
    assert "user weak lacks CREATEDB and CREATEROLE" in err
    assert "ALTER ROLE" in err and PASSWORD not in err
    assert leftovers(shared) == NOTHING_LEFT


def test_a_server_that_will_not_let_the_scratch_role_in_is_told(shared, project, capsys):
    (project / "001.sql").write_text("CREATE TABLE t (id int);\n")
    # Only postgres and deployer may log in (and anyone, but only to precious).
    _hba(shared, "local all postgres trust\nlocal all deployer scram-sha-256\n"
                 "local precious all scram-sha-256\n")
    try:
        assert main(["replay", ".", "--dsn", _dsn(shared)]) == 2
    finally:
        _hba(shared, HBA_SHARED)
    err = capsys.readouterr().err
    assert "scratch role schemalint_replay_" in err and "cannot log in" in err
    assert "pg_hba.conf" in err and PASSWORD not in err
    assert leftovers(shared) == NOTHING_LEFT


def test_pg_version_other_than_the_servers_is_refused(shared, project, capsys):
    (project / "001.sql").write_text("CREATE TABLE t (id int);\n")
    other = "14" if shared.binaries.major != 14 else "13"
    assert main(["replay", ".", "--dsn", _dsn(shared), "--pg-version", other]) == 2
    err = capsys.readouterr().err
    assert f"--pg-version {other}: the server at --dsn" in err
    assert f"runs PostgreSQL {shared.binaries.version}" in err
    assert leftovers(shared) == NOTHING_LEFT


def test_cleanup_says_what_it_had_to_leave(shared, monkeypatch):
    """A superuser's session in the scratch database: the DSN user may not end it, so
    DROP ... WITH (FORCE) fails; cleanup waits (bounded), then names what is left."""
    monkeypatch.setattr(dsn_backend, "DROP_PATIENCE_S", 0.5)
    cleanup = Cleanup()
    box = dsn_backend.open_sandbox(_dsn(shared), cleanup)
    with psycopg.connect(shared.conninfo(box.name), autocommit=True) as admin_session:
        pid = admin_session.info.backend_pid
        cleanup.run()
        assert len(cleanup.errors) == 2, cleanup.errors
        db, role = cleanup.errors
        assert db.startswith(f"drop database {box.name}: database {box.name} was NOT dropped")
        assert f"still in use by pid {pid} (postgres, superuser)" in db
        assert f'DROP DATABASE "{box.name}" WITH (FORCE);' in db
        assert f"role {box.name} was NOT dropped" in role and "owner of database" in role
    # What the message says to run, run: nothing is left.
    admin = psycopg.conninfo.make_conninfo(_dsn(shared))
    dsn_backend.drop_database(admin, box.name, 150000)
    dsn_backend.drop_role(admin, box.name)
    assert leftovers(shared) == NOTHING_LEFT


def test_cleanup_waits_for_a_session_that_leaves(shared):
    cleanup = Cleanup()
    box = dsn_backend.open_sandbox(_dsn(shared), cleanup)
    admin_session = psycopg.connect(shared.conninfo(box.name), autocommit=True)
    timer = threading.Timer(0.5, admin_session.close)
    timer.start()
    try:
        cleanup.run()
    finally:
        timer.join()
        admin_session.close()
    assert cleanup.errors == []
    assert leftovers(shared) == NOTHING_LEFT


def test_cleanup_before_postgresql_13_ends_sessions_and_retries(shared):
    """No WITH (FORCE) before 13: the scratch role's sessions (the DSN user is a member of
    it, so it may end them) are terminated, and DROP DATABASE is retried."""
    cleanup = Cleanup()
    box = dsn_backend.open_sandbox(_dsn(shared), cleanup)
    admin = psycopg.conninfo.make_conninfo(_dsn(shared))
    with psycopg.connect(box.conninfo, autocommit=True) as lingering:
        dsn_backend.drop_database(admin, box.name, 120000)
        with pytest.raises(psycopg.OperationalError):
            lingering.execute("SELECT 1")
    cleanup.run()  # IF EXISTS: nothing more to do
    assert cleanup.errors == []
    assert leftovers(shared) == NOTHING_LEFT


def test_open_sandbox_refuses_nothing_silently(shared):
    with Cleanup() as cleanup, pytest.raises(UsageError, match="lacks CREATEDB and CREATEROLE"):
        dsn_backend.open_sandbox(_dsn(shared, "weak"), cleanup)


def test_the_local_backend_runs_everything():
    """Its cluster is replay's own: nothing is filtered."""
    from schemalint.discover.source import Migration
    from schemalint.replay.options import ReplayOptions
    from schemalint.replay.runner import replay

    migration = Migration("001.sql", "CREATE ROLE app LOGIN;\nALTER SYSTEM SET work_mem = '5MB';\n"
                                     "CREATE DATABASE other;\nSET ROLE app;\n")
    from tests.replay.conftest import BINARIES

    report = replay([migration], ReplayOptions(backend="local", pg_bin=BINARIES.bindir))
    assert [t.status for t in report.statements] == ["ok"] * 4
    assert report.diagnostics == []


def test_a_failure_the_sandbox_explains(run):
    report = run("CREATE TABLE t (id int);\nGRANT SELECT ON t TO ghost;\n")
    failed = next(t for t in report.statements if t.status == "failed")
    assert failed.error.startswith('role "ghost" does not exist: the replay database has no role ghost')
    assert "replay: roles: [ghost]" in failed.error
    report = run("CREATE FUNCTION f() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;\n"
                 "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f();\n")
    failed = next(t for t in report.statements if t.status == "failed")
    assert failed.error.startswith("permission denied to create event trigger")
    assert "unprivileged scratch role" in failed.error
