"""Choosing and opening the server replay talks to: `auto`, `local`, `docker` or `dsn`."""

from __future__ import annotations

from dataclasses import dataclass

from schemalint.errors import UsageError
from schemalint.replay import docker, local
from schemalint.replay.cleanup import Cleanup
from schemalint.replay.dsn import open_sandbox
from schemalint.replay.sandbox import Guard

BACKENDS = ("auto", "local", "docker", "dsn")


@dataclass
class Target:
    """A database replay may do anything in, and how it was obtained."""

    backend: str
    conninfo: str  # may contain a password: never print it, print `shown`
    shown: str
    ready_ms: float = 0.0
    # A shared server's filter of the statements not to send (None: the server is replay's own).
    guard: Guard | None = None


def choose_backend(requested: str, dsn: str | None, local_found: bool,
                   docker_problem: str | None, *, pg_bin: str | None = None,
                   major: int | None = None, asked: str = "--pg-version {major}") -> str:
    """`auto`: dsn if given, else local if --pg-bin is given or server binaries are found,
    else docker if an engine answers; otherwise a UsageError saying what was found, what was
    asked for, and how to get it."""
    if requested not in BACKENDS:
        raise UsageError(f"--backend: unknown backend {requested!r} (choose from {', '.join(BACKENDS)})")
    if requested == "dsn" and not dsn:
        raise UsageError("--backend dsn needs --dsn CONNECTION_STRING (or `dsn` in the replay configuration)")
    if requested != "auto":
        return requested
    if dsn:
        return "dsn"
    if pg_bin or local_found:
        return "local"  # with --pg-bin, its problems are told as such by the local backend
    if docker_problem is None:
        return "docker"
    raise UsageError(local.not_found_message(major, docker_problem, asked))


def open_target(backend: str, *, dsn: str | None, pg_bin: str | None, major: int | None,
                image: str | None, cleanup: Cleanup, roles: tuple[str, ...] = (),
                asked: str = "--pg-version {major}") -> Target:
    """`major`: the server version asked for (None: any), by `asked` (the flag, or a key of
    the configuration: for the messages)."""
    if backend == "auto":
        found = local.find_binaries(None, major) if not (dsn or pg_bin) else None
        problem = None if dsn or pg_bin or found else docker.ping_engine()
        backend = choose_backend("auto", dsn, found is not None, problem, pg_bin=pg_bin, major=major,
                                 asked=asked)
    else:
        choose_backend(backend, dsn, False, None)
    if backend == "dsn":
        sandbox = open_sandbox(dsn, cleanup, roles=roles, major=major, asked=asked)
        return Target("dsn", sandbox.conninfo, sandbox.shown,
                      guard=Guard(sandbox.created_roles))
    if backend == "local":
        binaries = local.require_binaries(pg_bin, major, asked)
        server = local.start(binaries, cleanup)
        return Target("local", server.conninfo(), f"local {binaries.bindir} ({binaries.source})",
                      server.ready_ms)
    image = docker.image_for(image, major)
    return Target("docker", docker.start(image, cleanup), f"docker {image}")
