"""Test helpers: lint SQL strings and read inline expectations from fixtures."""

from __future__ import annotations

import fcntl
import importlib.util
import os
import pty
import re
import struct
import subprocess
import sys
import tempfile
import termios
from dataclasses import dataclass, field

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig, parse_pg_version
from schemalint.discover.layouts import LAYOUTS
from schemalint.discover.source import Migration
from schemalint.rules import RULES

from .corpus import ROOT

_FILE_MARK = re.compile(r"^-- file: (?P<name>\S+)(?P<opts>.*)$", re.M)
_EXPECT = re.compile(r"-- expect: (?P<items>[^\n]*)")
_CONFIG = re.compile(r"^-- config: (?P<items>.*)$", re.M)


def lint_sql(*sqls: str, pg_version: str = "15", select=("ALL",), **config) -> list:
    """Lint each string as one migration file (001.sql, 002.sql, ...) in order."""
    migrations = [Migration(path=f"{i + 1:03d}.sql", text=sql) for i, sql in enumerate(sqls)]
    cfg = LintConfig(pg_version=parse_pg_version(pg_version), select=tuple(select), **config)
    return lint(migrations, cfg, RULES)


def as_dicts(diagnostics) -> list[dict]:
    """Findings as comparable data: every reported field, the offsets, and the fingerprint
    of the statement each is in (two runs that must agree are compared with this)."""
    out = []
    for d in diagnostics:
        item = d.to_dict()
        item["start"], item["end"] = d.start, d.end
        stmt = d.extra.get("statement")
        item["statement"] = stmt.fingerprint if stmt is not None else None
        out.append(item)
    return out


@dataclass
class Fixture:
    migrations: list
    config: LintConfig
    # (path, line, column, rule) expected
    expected: set = field(default_factory=set)


def load_fixture(text: str, name: str) -> Fixture:
    """A fixture is SQL where `-- expect: rule@COL[, rule@COL]` at the end of a line says a
    finding of `rule` starts on that line at column COL. `-- file: NAME [in_transaction]
    [layout=NAME]` starts another migration file (read as that layout's runner sends it, in
    its transaction mode unless in_transaction says); `-- config: key=value ...` sets options."""
    config = LintConfig(select=("ALL",))
    m = _CONFIG.search(text)
    if m:
        for item in m.group("items").split():
            key, _, value = item.partition("=")
            if key == "pg_version":
                config.pg_version = parse_pg_version(value)
            elif key == "assume_in_transaction":
                config.assume_in_transaction = value == "true"
            elif key == "select":
                config.select = tuple(value.split(","))
            elif key == "extensions":
                config.extensions = tuple(value.split(","))
            elif "." in key:  # rule.option=value
                rule, _, opt = key.partition(".")
                config.options = {**config.options, rule: {**config.options.get(rule, {}), opt: value}}
            else:
                raise ValueError(f"{name}: unknown fixture config key {key!r}")
    marks = list(_FILE_MARK.finditer(text))
    chunks = []
    if not marks:
        chunks.append((name, "", text))
    else:
        for i, mk in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            # keep the marker line blanked so line numbers inside each file start at 1
            chunks.append((mk.group("name"), mk.group("opts"), text[mk.end() + 1 : end]))
    migrations, expected = [], set()
    for path, opts, body in chunks:
        layout = (re.search(r"\blayout=(\S+)", opts) or [None, ""])[1]
        in_tx = True if "in_transaction" in opts else LAYOUTS[layout].transaction if layout else None
        migrations.append(Migration(path=path, text=body, in_transaction=in_tx, layout=layout))
        for lineno, line in enumerate(body.splitlines(), 1):
            em = _EXPECT.search(line)
            if not em:
                continue
            for item in em.group("items").split(","):
                item = item.strip()
                rule, _, col = item.partition("@")
                expected.add((path, lineno, int(col) if col else None, rule.strip()))
    return Fixture(migrations, config, expected)


def check_supports(flag: str) -> bool:
    """Whether `schemalint check` has the option `flag` (for tests of CI integrations that
    use options other work adds)."""
    import argparse

    from schemalint.cli import build_parser

    parser = build_parser(only="check")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return any(flag in a.option_strings for a in sub.choices["check"]._actions)



def git(cwd, *args: str, env: dict | None = None) -> str:
    """Run git in `cwd` (stdout, stripped) with a fixed author and none of the caller's
    GIT_* variables; `env`: the whole environment instead."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def bench_module(name: str):
    """A script of bench/ (not a package) imported as a module, e.g. gen_repo."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# A short history with every kind of file the engine treats specially (tests of the
# two-process split cut it everywhere, tests of reported files check each file alone): a schema
# dump, a down migration, a parse error, invalid UTF-8 notes, identical files, suppression
# comments (one suppressing a schema rule's finding that the other process computes), and
# findings of every scope.
FILES = [
    Migration("000_dump.sql", "CREATE TABLE legacy (id serial PRIMARY KEY, v json);\n",
              direction="baseline"),
    Migration("001_init.sql",
              "CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL);\n"
              "-- schemalint: ignore[foreign-key-without-index] orders stay small\n"
              "CREATE TABLE orders (id bigserial PRIMARY KEY,\n"
              "  customer_id bigint REFERENCES customers (id), note text DEFAULT 'café');\n"),
    Migration("001_init.down.sql", "DROP TABLE orders;\nDROP TABLE customers;\n", direction="down"),
    Migration("002_change.sql",
              "ALTER TABLE orders ADD COLUMN region text NOT NULL;\n"
              "CREATE INDEX orders_region_idx ON orders (region);\n"
              "ALTER TABLE customers ALTER COLUMN email SET NOT NULL;\n"),
    Migration("003_broken.sql", "CREATE TABLE x (a int;\nDROP INDEX orders_region_idx;\n"),
    Migration("004_same.sql", "SELECT 1;\n"),
    Migration("005_same.sql", "SELECT 1;\n"),
    Migration("006_ignored.sql",
              "-- schemalint: ignore[create-index-non-concurrently] empty table\n"
              "CREATE INDEX orders_note_idx ON orders (note);\n"
              "-- schemalint: ignore[drop-table] never used: reported as unused\n"
              "SELECT 2;\n"),
    Migration("007_tx.sql", "BEGIN;\nALTER TABLE orders ADD COLUMN paid timestamp;\n"
                            "CREATE TABLE items (id int, order_id bigint REFERENCES orders);\nCOMMIT;\n",
              in_transaction=False),
]


def load_config_file(path):
    """A configuration file read and validated against every rule and layout, as the CLI does."""
    from schemalint.commands.common import vocabulary
    from schemalint.config.validate import load_file

    return load_file(path, vocabulary())


# The first release (docs/releasing.md): what the guides name until CHANGELOG.md lists one.
FIRST_RELEASE = "0.1.0"


def documented_tag() -> str:
    """The release tag the guides and the README name: the newest release in CHANGELOG.md
    (`## [1.2.0] - 2027-01-15`), or the first release while none is out."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    found = re.search(r"^## \[(\d+\.\d+\.\d+)\]", text, re.M)
    return f"v{found.group(1) if found else FIRST_RELEASE}"


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_on_terminal(argv: list[str], cwd, columns: int = 120, env: dict | None = None):
    """Run `python -m schemalint ARGV` with its standard error on a pseudo-terminal of
    `columns` columns (stdout to a file): (exit code, stdout, what the terminal received with
    the escape sequences removed, the raw bytes)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-m", "schemalint", *argv], cwd=cwd,
                                stdout=out, stderr=slave, stdin=subprocess.DEVNULL,
                                # COLUMNS: rich reads it before the terminal's size, and a
                                # test runner may have set it.
                                env={**os.environ, "NO_COLOR": "1", "COLUMNS": str(columns),
                                     "LINES": "24", **(env or {})})
        os.close(slave)
        raw = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal's last descriptor
                break
            if not chunk:
                break
            raw += chunk
        os.close(master)
        code = proc.wait(timeout=300)
        out.seek(0)
        stdout = out.read().decode()
    text = raw.decode("utf-8", "replace")
    return code, stdout, ANSI.sub("", text), raw


def damage_file(path, how: str) -> None:
    """Damage a cache entry the way a crash, a full disk or a bad copy would: `garbage`
    (random bytes of the same length), `truncate` (its first half), `empty`, `flip` (one
    bit, 100 bytes before the end) or `other-key` (16 bytes of its header overwritten)."""
    with open(path, "rb") as fh:
        data = fh.read()
    if how == "garbage":
        data = os.urandom(len(data))
    elif how == "truncate":
        data = data[: len(data) // 2]
    elif how == "empty":
        data = b""
    elif how == "flip":
        data = data[:-100] + bytes([data[-100] ^ 1]) + data[-99:]
    elif how == "other-key":
        data = data.replace(data[4:20], b"0" * 16, 1)
    else:
        raise ValueError(how)
    with open(path, "wb") as fh:
        fh.write(data)
