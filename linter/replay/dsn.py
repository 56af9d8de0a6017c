"""The `dsn` backend: an existing server. Replay creates a fresh database
`schemalint_replay_<random>`, works only there, and drops it afterwards.

Passwords never appear in output: every DSN shown goes through `mask_dsn`.
"""

from __future__ import annotations

import re
import secrets

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemalint.errors import UsageError
from schemalint.replay.cleanup import Cleanup

DATABASE_PREFIX = "schemalint_replay_"
_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)


def mask_dsn(dsn: str) -> str:
    """The DSN with any password replaced by ***, in URL or key=value form."""
    masked = _URL_PASSWORD.sub(r"\1***@", dsn)
    masked = _KV_PASSWORD.sub(r"\1***", masked)
    # password=... as a URL query parameter
    return re.sub(r"([?&]password=)[^&]*", r"\1***", masked, flags=re.I)


def _parse(dsn: str) -> dict:
    try:
        return conninfo_to_dict(dsn)
    except Exception as exc:  # noqa: BLE001 - psycopg.ProgrammingError; never echo the DSN itself
        raise UsageError(f"--dsn: not a valid connection string ({mask_dsn(str(exc))})") from None


def database_conninfo(dsn: str, dbname: str) -> str:
    return make_conninfo(dsn, dbname=dbname)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_database(dsn: str, cleanup: Cleanup, connect_timeout: int = 10) -> str:
    """Create the scratch database; return its conninfo. Its DROP is pushed on `cleanup`."""
    params = _parse(dsn)
    params.setdefault("connect_timeout", str(connect_timeout))
    admin = psycopg.conninfo.make_conninfo(**params)
    name = DATABASE_PREFIX + secrets.token_hex(6)
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {quote_ident(name)}")
    except psycopg.Error as exc:
        raise UsageError(f"--dsn {mask_dsn(dsn)}: cannot create a scratch database: "
                         f"{mask_dsn(str(exc).strip())}") from None
    cleanup.push(f"drop database {name}", lambda: drop_database(admin, name))
    return database_conninfo(admin, name)


def drop_database(admin_conninfo: str, name: str) -> None:
    """Drop the scratch database, first ending any session still in it (ours, after a
    cancelled statement). Only names we generated are ever dropped."""
    if not name.startswith(DATABASE_PREFIX):  # pragma: no cover - defensive
        raise ValueError(f"refusing to drop {name!r}")
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)}")
