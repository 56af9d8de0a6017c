"""sqitch: the order and the dependencies come from `sqitch.plan`.

Each change `name` has `deploy/name.sql` (up), `revert/name.sql` (down) and
`verify/name.sql` (queries that check the deploy; not migrations, so not linted).
A reworked change appears twice in the plan; its earlier scripts are
`deploy/name@tag.sql`, named after the first tag that follows the earlier entry.
sqitch runs each script through psql without a transaction of its own: scripts
hold their own BEGIN/COMMIT.
"""

from __future__ import annotations

import os

from schemalint.diagnostics.engine_rules import LAYOUT_PROBLEM
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.discover.inputs import InputLog
from schemalint.discover.layouts.base import (
    Candidate,
    Layout,
    LoadEnv,
    dirname,
    natural_key,
    prepare,
)
from schemalint.discover.source import Migration, decode_bytes
from schemalint.lazyre import lazy
from schemalint.records import Record

PLAN = "sqitch.plan"
# change_name [dep1 !conflict proj:dep] 2013-12-30T23:19:21Z Planner <email> # note
_CHANGE = lazy(r"^(?P<op>[+-]?)(?P<name>[^\s@#\[][^\s\[]*)\s*(?:\[(?P<deps>[^\]]*)\])?")
_TAG = lazy(r"^@(?P<tag>\S+)")


class Change(Record):
    __slots__ = ("deps", "line", "name", "script")
    _fields = ("name", "script", "deps", "line")

    def __init__(self, name: str, script: str, deps: list[str] | None = None, line: int = 0) -> None:
        self.name = name
        self.script = script  # file name without .sql: "users" or "users@v1.0"
        self.deps = [] if deps is None else deps
        self.line = line

def read_plan(path: str, inputs: InputLog) -> tuple[list[Change], str]:
    """The deploy order from a plan file (and the plan's text)."""
    inputs.look(path)
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    changes: list[Change] = []
    tag_after: dict[int, str] = {}  # change index -> the first tag that follows it
    untagged: list[int] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "%")):
            continue
        tag = _TAG().match(line)
        if tag:
            for k in untagged:
                tag_after[k] = tag.group("tag")
            untagged.clear()
            continue
        m = _CHANGE().match(line)
        if not m or m.group("op") == "-":
            continue
        deps = [d for d in (m.group("deps") or "").split() if not d.startswith("!")]
        untagged.append(len(changes))
        changes.append(Change(m.group("name"), m.group("name"), deps, lineno))
    # A reworked change appears again later; its earlier entries' scripts carry the tag
    # that follows them (deploy/users@v1.0.sql), the last entry's do not.
    last = {c.name: k for k, c in enumerate(changes)}
    for k, change in enumerate(changes):
        if last[change.name] != k and k in tag_after:
            change.script = f"{change.name}@{tag_after[k]}"
    return changes, text


def find_plan(candidates: list[Candidate], inputs: InputLog, known: dict[str, bool] | None = None,
              directory: str | None = None) -> str | None:
    """The sqitch.plan in the candidates' directory or the one above it. `known` remembers
    which plan paths are files across calls (sibling directories share their parent);
    `directory`: the candidates' one directory, when the caller knows it."""
    known = {} if known is None else known
    dirs = [directory] if directory is not None else sorted({c.root or c.directory for c in candidates})
    for d in dirs:
        for up in (d, dirname(d)):
            plan = os.path.join(up, PLAN)
            is_file = known.get(plan)
            if is_file is None:  # first asked in this run: noted once, as runcache needs
                inputs.look(plan)
                is_file = known[plan] = os.path.isfile(plan)
            if is_file:
                return plan
    return None


class SqitchLayout(Layout):
    name = "sqitch"
    description = "sqitch.plan order; deploy/ (up) and revert/ (down) scripts; verify/ is not linted"
    transaction = False  # sqitch's psql engine adds no transaction; scripts BEGIN/COMMIT themselves

    def __init__(self) -> None:
        self._notes: dict[str, list] = {}

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        plan_path = find_plan(candidates, env.inputs)
        if plan_path is None:
            return []
        top = os.path.dirname(plan_path)
        changes, _ = read_plan(plan_path, env.inputs)
        by_path = {c.abs_path: c for c in candidates}
        out: list[Candidate] = []
        seen: set[str] = set()
        self._notes = {}
        for change in changes:
            for kind in ("deploy", "revert"):
                path = os.path.join(top, kind, change.script + ".sql")
                cand = by_path.get(path)
                if cand is None and kind == "deploy":
                    env.inputs.look(path)
                if cand is None and kind == "deploy" and os.path.isfile(path):
                    cand = Candidate(os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path,
                                     path, top)
                if cand is None:
                    if kind == "deploy":
                        self._problem(plan_path, f"sqitch.plan line {change.line}: change "
                                                 f"`{change.name}` has no deploy script {kind}/{change.script}.sql")
                    continue
                missing = [d for d in change.deps if ":" not in d and d.split("@")[0] not in seen]
                if kind == "deploy" and missing:
                    self._problem(cand.abs_path, f"sqitch.plan line {change.line}: `{change.name}` requires "
                                                 f"{', '.join(missing)}, which the plan does not deploy before it")
                out.append(cand)
            seen.add(change.name)
        return out

    def _problem(self, path: str, message: str) -> None:
        self._notes.setdefault(os.path.abspath(path), []).append(message)

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        direction = "down" if os.path.basename(os.path.dirname(cand.abs_path)) == "revert" else "up"
        migrations = prepare(cand.path, decoded.text, env, direction=direction,
                             in_transaction=self.transaction, invalid_at=decoded.invalid_at)
        for message in self._notes.pop(cand.abs_path, ()):
            migrations[0].notes.append(make_diagnostic(LAYOUT_PROBLEM, migrations[0], 0, 0, message))
        return migrations

    def leftover_notes(self) -> list:
        """Problems not attached to a script (a change without a deploy script)."""
        out = []
        for path, messages in sorted(self._notes.items(), key=lambda kv: natural_key(kv[0])):
            holder = Migration(path=os.path.relpath(path), text="")
            out.extend(make_diagnostic(LAYOUT_PROBLEM, holder, 0, 0, msg) for msg in messages)
        self._notes = {}
        return out
