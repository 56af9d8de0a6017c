"""The `docker` backend: a PostgreSQL container through testcontainers (`schemalint[docker]`).

Before anything is imported or pulled, the engine is pinged with a short timeout, so a
machine without a Docker engine fails in about a second with a clear message.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

from schemalint.errors import UsageError
from schemalint.replay.cleanup import Cleanup

DEFAULT_IMAGE = "postgres:{major}-alpine"
PING_TIMEOUT = 2.0


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def ping_engine(timeout: float = PING_TIMEOUT) -> str | None:
    """None when a Docker engine answers `GET /_ping`; otherwise why not."""
    address = engine_address()
    url = urlparse(address)
    try:
        if url.scheme == "unix":
            # Closed by `with` whether or not the connection is made.
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(url.path)
                reply = _ping(sock)
        elif url.scheme in ("tcp", "http", "https"):
            if url.scheme == "https" or os.environ.get("DOCKER_TLS_VERIFY"):
                return None  # TLS engines: let the Docker client do the handshake
            with socket.create_connection((url.hostname, url.port or 2375), timeout=timeout) as sock:
                reply = _ping(sock)
        else:
            return f"unsupported DOCKER_HOST {address!r}"
    except OSError as exc:
        return f"no Docker engine answers at {address} ({exc.strerror or exc})"
    if not reply.startswith(b"HTTP/") or b" 200 " not in reply.split(b"\r\n", 1)[0]:
        return f"the Docker engine at {address} did not answer the ping"
    return None


def _ping(sock: socket.socket) -> bytes:
    sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
    return sock.recv(4096)


def image_for(image: str | None, major: int | None) -> str:
    return image or DEFAULT_IMAGE.format(major=major or 15)


def start(image: str, cleanup: Cleanup) -> str:
    """Start the container; return a conninfo for it. Its removal is pushed on `cleanup`."""
    problem = ping_engine()
    if problem:
        raise UsageError(f"--backend docker: {problem}. Start Docker, or use --backend local "
                         "(PostgreSQL server binaries) or --backend dsn")
    try:
        from testcontainers.postgres import PostgresContainer  # type: ignore[import-not-found]
    except ImportError:
        raise UsageError("--backend docker needs testcontainers: "
                         "pip install 'schemalint[docker]'") from None
    container = PostgresContainer(image, username="postgres", password="postgres",
                                  dbname="postgres", driver=None)
    cleanup.push(f"remove container {image}", container.stop)
    try:
        container.start()
    except Exception as exc:  # noqa: BLE001 - docker errors come in many types
        raise UsageError(f"--backend docker: cannot start {image}: {exc}") from None
    host = container.get_container_host_ip()
    port = container.get_exposed_port(5432)
    return f"host={host} port={port} user=postgres password=postgres dbname=postgres"
