"""sqitch: the order and the dependencies come from `sqitch.plan`.

Each change `name` has `deploy/name.sql` (up), `revert/name.sql` (down) and
`verify/name.sql` (queries that check the deploy; not migrations, so not linted).
A reworked change appears twice in the plan; its earlier scripts are
`deploy/name@tag.sql`, named after the first tag that follows the earlier entry.
sqitch runs each script through psql without a transaction of its own: scripts
hold their own BEGIN/COMMIT.

A tree of `deploy/` with `revert/` or `verify/` but no `sqitch.plan` (not copied, or
kept elsewhere) is still sqitch: its deploys are read in name order, each followed by
its revert, and the missing plan is a `layout-problem`.
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
    Skipped,
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


SCRIPT_DIRS = ("deploy", "revert", "verify")


def script_place(path: str) -> tuple[str, str, str] | None:
    """(the directory holding deploy/, revert/ and verify/, which of them, the change name)
    of a script path, from its outermost such directory; None for other paths."""
    parts = path.replace(os.sep, "/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part in SCRIPT_DIRS:
            name = "/".join(parts[i + 1:])
            return "/".join(parts[:i]), part, name[:-4] if name.lower().endswith(".sql") else name
    return None


def sqitch_trees(candidates: list[Candidate]) -> list[Candidate]:
    """The scripts of sqitch trees without a plan: under a directory that holds `deploy/`
    scripts and `revert/` or `verify/` scripts (relative to the directory argument)."""
    if not any("deploy" in c.abs_path for c in candidates):  # the usual case, at C speed
        return []
    kinds: dict[str, set[str]] = {}
    places = []
    for c in candidates:
        place = script_place(c.relative) if c.root else None
        places.append(place)
        if place is not None:
            kinds.setdefault(place[0], set()).add(place[1])
    trees = {top for top, found in kinds.items() if "deploy" in found and len(found) > 1}
    return [c for c, place in zip(candidates, places, strict=True) if place is not None and place[0] in trees]


def _kind(cand: Candidate) -> str | None:
    """deploy, revert or verify: the outermost such directory under the directory argument,
    else the nearest one above the file."""
    place = script_place(cand.relative) if cand.root else None
    if place is not None:
        return place[1]
    parts = cand.abs_path.replace(os.sep, "/").split("/")[:-1]
    return next((part for part in reversed(parts) if part in SCRIPT_DIRS), None)


class SqitchLayout(Layout):
    name = "sqitch"
    description = "sqitch.plan order; deploy/ (up) and revert/ (down) scripts; verify/ is not linted"
    transaction = False  # sqitch's psql engine adds no transaction; scripts BEGIN/COMMIT themselves
    # psql sends one statement at a time: STATEMENTS.

    def __init__(self) -> None:
        self._notes: dict[str, list] = {}

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        self._notes = {}
        plan_path = find_plan(candidates, env.inputs)
        if plan_path is None:
            return self._order_without_plan(candidates)
        top = os.path.dirname(plan_path)
        changes, _ = read_plan(plan_path, env.inputs)
        by_path = {c.abs_path: c for c in candidates}
        out: list[Candidate] = []
        seen: set[str] = set()
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

    def _order_without_plan(self, candidates: list[Candidate]) -> list[Candidate]:
        """Each tree's deploys in name order (the plan's order is unknown), each followed by
        its revert; the missing plan is a problem of the first script."""
        trees: dict[str, dict[str, dict[str, Candidate]]] = {}
        for c in candidates:
            place = script_place(c.relative) if c.root else None
            if place is not None and place[1] != "verify":
                top = os.path.join(c.root, place[0]) if c.root else c.directory
                trees.setdefault(top, {}).setdefault(place[2], {})[place[1]] = c
        out: list[Candidate] = []
        for top in sorted(trees, key=natural_key):
            changes = trees[top]
            first = len(out)
            for name in sorted(changes, key=natural_key):
                out.extend(changes[name][kind] for kind in ("deploy", "revert") if kind in changes[name])
            shown = os.path.join(os.path.relpath(top) if not os.path.relpath(top).startswith("..") else top, PLAN)
            self._problem(out[first].abs_path,
                          f"no {PLAN} in {os.path.dirname(shown) or '.'} or the directory above: the deploy "
                          "scripts were checked in name order, each followed by its revert; sqitch deploys "
                          "only the changes of a plan, in its order")
        return out

    def skipped(self, cand: Candidate) -> Skipped:
        kind = _kind(cand)
        if kind == "verify":
            return Skipped(cand.path, "verify-script",
                           "sqitch verify script: queries that test a deploy, not a migration", self.name)
        if kind is not None:
            return Skipped(cand.path, "not-in-plan", f"not a change of {PLAN}: sqitch never runs it", self.name)
        return Skipped(cand.path, "not-a-migration", "not under deploy/, revert/ or verify/", self.name)

    @staticmethod
    def home(path: str) -> str:
        place = script_place(path)
        return place[0] if place is not None else dirname(path)

    def _problem(self, path: str, message: str) -> None:
        self._notes.setdefault(os.path.abspath(path), []).append(message)

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        direction = "down" if _kind(cand) == "revert" else "up"
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
