"""One text holding many migrations (Alembic and Django SQL output), and schema dumps.

Alembic (`alembic upgrade head --sql`) marks each migration with
`-- Running upgrade <from> -> <to>` (or `downgrade`). Django's `manage.py sqlmigrate`
prints one migration as `BEGIN;` ... `COMMIT;` with `--` headers per operation; a
stream of several is split at `-- Applying app.name` lines (the documented loop echoes
them) or, without them, at each `BEGIN;` line.

A schema dump (`pg_dump --schema-only`, Rails `db/structure.sql`) is the starting
schema: it is folded into the model (direction "baseline") and its statements are not
reported, except when PostgreSQL cannot parse them.
"""

from __future__ import annotations

import os
import re

from schemalint.discover.layouts.base import Candidate, Layout, LoadEnv, prepare
from schemalint.discover.source import Migration, decode_bytes
from schemalint.lazyre import lazy

_ALEMBIC = lazy(r"^-- Running (?P<dir>upgrade|downgrade) (?P<rev>.*?)\s*$", re.M)
_DJANGO_MARK = lazy(r"^-- (?P<dir>Applying|Unapplying) (?P<rev>\S+)", re.M)
_DJANGO_BEGIN = lazy(r"^BEGIN;[ \t\r]*$", re.M)
_DJANGO_SNIFF = lazy(r"^BEGIN;\r?\n--\r?\n-- \S.*\r?\n--\r?$", re.M)
_TX = lazy(r"^[ \t]*(?P<cmd>BEGIN|COMMIT|ROLLBACK)[ \t]*;[ \t\r]*$", re.M | re.I)

_DUMP_HEADERS = ("-- PostgreSQL database dump", "-- PostgreSQL database cluster dump")
_DUMP_NAMES = ("structure.sql",)


def is_dump(path: str, text: str) -> bool:
    # Both headers start "-- PostgreSQL database ": one search of the first 4 KiB usually settles it.
    return os.path.basename(path).lower() in _DUMP_NAMES or (
        text.find("-- PostgreSQL database ", 0, 4096) != -1 and any(text.find(h, 0, 4096) != -1 for h in _DUMP_HEADERS))


def _tx_state(text: str, positions: list[int]) -> list[bool]:
    """Whether an explicit transaction is open at each position (BEGIN/COMMIT lines before it)."""
    events = [(m.start(), m.group("cmd").upper() == "BEGIN") for m in _TX().finditer(text)]
    out, state, k = [], False, 0
    for pos in positions:
        while k < len(events) and events[k][0] < pos:
            state = events[k][1]
            k += 1
        out.append(state)
    return out


def _slices(path: str, text: str, bounds: list[tuple[int, str]], in_tx: list[bool | None], env: LoadEnv,
            invalid_at: int | None) -> list[Migration]:
    """Each [bound, next bound) as its own migration: the slice is parsed, offsets shifted back."""
    out: list[Migration] = []
    shared_lines = None
    for i, (start, direction) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(text)
        if start == end or (i == 0 and text[start:end].isspace()):
            continue
        for m in prepare(path, text, env, sql=text[start:end], base=start, direction=direction,
                         in_transaction=in_tx[i], invalid_at=invalid_at if not out else None):
            if shared_lines is None:
                shared_lines = m.lines
            m._lines = shared_lines
            out.append(m)
    return out or prepare(path, text, env, invalid_at=invalid_at)


def alembic_sections(path: str, text: str, env: LoadEnv, invalid_at: int | None = None) -> list[Migration]:
    marks = list(_ALEMBIC().finditer(text))
    bounds = [(0, "up")] + [(m.start(), "down" if m.group("dir") == "downgrade" else "up") for m in marks]
    # An open BEGIN at a boundary is Alembic's transaction around the whole run (or around
    # this migration with transaction_per_migration): the section starts inside it.
    states: list[bool | None] = [None] + list(_tx_state(text, [b for b, _ in bounds[1:]]))
    return _slices(path, text, bounds, [s or None for s in states], env, invalid_at)


def django_sections(path: str, text: str, env: LoadEnv, invalid_at: int | None = None) -> list[Migration]:
    marks = [(m.start(), "down" if m.group("dir") == "Unapplying" else "up") for m in _DJANGO_MARK().finditer(text)]
    if not marks:
        marks = [(m.start(), "up") for m in _DJANGO_BEGIN().finditer(text)]
    bounds = [(0, "up")] + marks if not marks or marks[0][0] else marks
    # sqlmigrate prints its own BEGIN/COMMIT around atomic migrations; non-atomic ones run
    # statement by statement in autocommit.
    return _slices(path, text, bounds, [None] * len(bounds), env, invalid_at)


class AlembicLayout(Layout):
    name = "alembic"
    description = "`alembic upgrade --sql` output, split at `-- Running upgrade a -> b` comments"

    @staticmethod
    def sniff(text: str) -> bool:
        return "-- Running " in text and _ALEMBIC().search(text) is not None

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        return alembic_sections(cand.path, decoded.text, env, decoded.invalid_at)


class DjangoLayout(Layout):
    name = "django"
    description = "`manage.py sqlmigrate` output, split at `-- Applying app.name` lines or BEGIN;"

    @staticmethod
    def sniff(text: str) -> bool:
        if "pplying " in text and ("-- Applying " in text or "-- Unapplying " in text):
            return _DJANGO_MARK().search(text) is not None
        # _DJANGO_SNIFF starts with ^BEGIN;: try it only where a line starts with BEGIN;
        # (a search would try every position of the file).
        match = _DJANGO_SNIFF().match
        pos = text.find("BEGIN;")
        while pos != -1:
            if (pos == 0 or text[pos - 1] == "\n") and match(text, pos) is not None:
                return True
            pos = text.find("BEGIN;", pos + 1)
        return False

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        return django_sections(cand.path, decoded.text, env, decoded.invalid_at)


class DumpLayout(Layout):
    name = "dump"
    description = "schema dumps (pg_dump --schema-only, Rails structure.sql): the starting schema"
    transaction = False

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        return prepare(cand.path, decoded.text, env, direction="baseline", in_transaction=False,
                       invalid_at=decoded.invalid_at)
