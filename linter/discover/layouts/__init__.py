"""Migration framework layouts: discovery, order, up/down and the implicit transaction.

`LAYOUTS` maps a layout name (the `--layout` / `layout:` value) to its class. "auto"
detects the layout of each directory from file names (sqitch.plan or a deploy/ revert/ verify/
tree, Flyway, pop, golang-migrate, Diesel, Prisma) and, for files no name-based layout claims, from their content (goose and
dbmate markers, Alembic and Django SQL output, schema dumps); anything else is plain.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from schemalint.discover.inputs import InputLog
from schemalint.discover.layouts.base import (
    STATEMENTS,
    STRING,
    Candidate,
    Layout,
    LoadEnv,
    Skipped,
    directory_key,
    is_down_path,
    natural_key,
    prepare,
    without_other_dialects,
)
from schemalint.discover.layouts.files import (
    DieselLayout,
    FlywayLayout,
    GolangMigrateLayout,
    PlainLayout,
    PrismaLayout,
)
from schemalint.discover.layouts.pop import PopLayout
from schemalint.discover.layouts.sections import (
    DbmateLayout,
    GooseLayout,
    dbmate_sections,
    goose_sections,
)
from schemalint.discover.layouts.sqitch import SCRIPT_DIRS, SqitchLayout, find_plan, sqitch_trees
from schemalint.discover.layouts.streams import (
    AlembicLayout,
    DjangoLayout,
    DumpLayout,
    alembic_sections,
    django_sections,
    is_dump,
)
from schemalint.discover.source import Migration, decode_bytes

__all__ = ["LAYOUTS", "STRING", "Candidate", "Layout", "LoadEnv", "assign", "layout_names", "load_stdin",
           "natural_key", "sends"]


class AutoLayout(Layout):
    """Plain order; each file's content decides goose, dbmate, Alembic, Django or dump."""

    name = "auto"
    description = "detect per directory from names, then per file from content"

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        return super().order(without_other_dialects(candidates), env)

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        return load_text(cand.path, decoded.text, env, decoded.invalid_at)

    def skipped(self, cand: Candidate) -> Skipped:
        return PlainLayout().skipped(cand)  # only plain naming drops files here


def load_text(path: str, text: str, env: LoadEnv, invalid_at: int | None = None) -> list[Migration]:
    """A file (or standard input) whose layout only its content tells; each migration
    records that layout."""
    if GooseLayout.sniff(text):
        name, migrations = "goose", goose_sections(path, text, env, invalid_at)
    elif DbmateLayout.sniff(text):
        name, migrations = "dbmate", dbmate_sections(path, text, env, invalid_at)
    elif is_dump(path, text):
        name, migrations = "dump", prepare(path, text, env, direction="baseline", in_transaction=False,
                                           invalid_at=invalid_at)
    elif AlembicLayout.sniff(text):
        name, migrations = "alembic", alembic_sections(path, text, env, invalid_at)
    elif DjangoLayout.sniff(text):
        name, migrations = "django", django_sections(path, text, env, invalid_at)
    else:
        name, migrations = "plain", prepare(path, text, env, direction="down" if is_down_path(path) else "up",
                                            invalid_at=invalid_at)
    for m in migrations:
        m.layout = name
    return migrations


# The named layouts; "auto" (the default) is not one of them but detects them.
LAYOUTS: dict[str, type[Layout]] = {
    "plain": PlainLayout,
    "golang-migrate": GolangMigrateLayout,
    "pop": PopLayout,
    "flyway": FlywayLayout,
    "goose": GooseLayout,
    "dbmate": DbmateLayout,
    "diesel": DieselLayout,
    "prisma": PrismaLayout,
    "sqitch": SqitchLayout,
    "dump": DumpLayout,
    "alembic": AlembicLayout,
    "django": DjangoLayout,
}
# Layouts told apart by file names, strongest evidence first.
# pop before golang-migrate: its files have golang-migrate's naming too, and pop claims a
# directory only when a file name shows a dialect or `.autocommit` (PopLayout.may_claim).
_BY_NAME = (DieselLayout, PrismaLayout, FlywayLayout, PopLayout, GolangMigrateLayout)


def sends(layout: str) -> str:
    """How the runner of the layout named `layout` sends a migration (Layout.sends):
    STATEMENTS for a migration made in memory or an unknown name."""
    cls = LAYOUTS.get(layout)
    return STATEMENTS if cls is None else cls.sends


def layout_names() -> tuple[str, ...]:
    return ("auto", *LAYOUTS)


_SCRIPT_DIR_MARKS = tuple(f"{os.sep}{d}{os.sep}" for d in SCRIPT_DIRS)


def _detect(cands: list[Candidate], plans: dict[str, bool], probes: list[Layout], inputs: InputLog,
            directory: str | None = None) -> list[tuple[Layout, list[Candidate]]]:
    """Split one directory's files between the layout their names show and `auto`.
    `plans`, `directory`: see find_plan; `probes`: one instance of each _BY_NAME layout, to ask `claims`."""
    paths = "\n".join([c.abs_path for c in cands])  # one C-speed scan per mark
    if not any(mark in paths for mark in _SCRIPT_DIR_MARKS):
        # A sqitch script lies under deploy/, revert/ or verify/ (below its plan's directory
        # or in a plan-less tree): without such a directory in any path, no plan can claim a
        # file, so none is looked for (nor noted as an input of the report cache).
        return _by_name(cands, probes)
    plan = find_plan(cands, inputs, plans, directory)
    if plan is not None:
        top = os.path.dirname(plan)
        scripts = [c for c in cands if os.path.relpath(c.abs_path, top).split(os.sep, 1)[0] in SCRIPT_DIRS]
    else:
        scripts = sqitch_trees(cands)  # a sqitch tree whose plan is missing
    if scripts:
        script_ids = {id(c) for c in scripts}
        rest = [c for c in cands if id(c) not in script_ids]
        return [(SqitchLayout(), scripts)] + (_by_name(rest, probes) if rest else [])
    return _by_name(cands, probes)


def _by_name(cands: list[Candidate], probes: list[Layout]) -> list[tuple[Layout, list[Candidate]]]:
    """The name-based layout that claims the most of these files, and `auto` for the rest."""
    best, claimed = None, []
    names = {c.name for c in cands}
    for probe in probes:
        if not probe.may_claim(names):
            continue
        mine = [c for c in cands if probe.claims(c)]
        if len(mine) > len(claimed):
            best, claimed = probe, mine
            if len(mine) == len(cands):
                break  # a later layout would have to claim more to win
    if best is None:
        return [(AutoLayout(), cands)]
    best = type(best)()  # its own instance: a layout may keep state while it loads its files
    claimed_ids = {id(c) for c in claimed}
    rest = [c for c in cands if id(c) not in claimed_ids]
    return [(best, claimed)] + ([(AutoLayout(), rest)] if rest else [])


def _group_dir(cand: Candidate) -> str:
    return cand.root or cand.directory


def assign(candidates: list[Candidate], layout: str | Mapping[str, str],
           inputs: InputLog | None = None) -> list[tuple[Layout, list[Candidate]]]:
    """Group the files by the layout that reads them, groups in path order.

    `layout` is a layout name, or a mapping {directory: layout name} for repositories with
    several layouts: a file takes the layout of the longest directory that contains it
    (directories relative to the current directory, or absolute); other files are "auto".
    `inputs` notes the layout files looked for (sqitch.plan).
    """
    inputs = InputLog() if inputs is None else inputs
    keyed: dict[tuple[str, str], list[Candidate]] = {}
    if isinstance(layout, str):
        # One layout for every file: each group is a directory argument or a file's directory.
        for cand in candidates:
            group = _group_dir(cand)
            cands = keyed.get((group, layout))
            if cands is None:
                keyed[(group, layout)] = [cand]
            else:
                cands.append(cand)
    else:
        mapping = {os.path.abspath(k) if k not in ("", ".", "*") else "": v for k, v in layout.items()}
        for cand in candidates:
            prefix = _owner(cand.abs_path, mapping)
            name = mapping.get(prefix, "auto")
            group = prefix or _group_dir(cand)
            keyed.setdefault((group, name), []).append(cand)
    groups: list[tuple[Layout, list[Candidate]]] = []
    plans: dict[str, bool] = {}  # sqitch.plan path -> whether it is a file, for every group
    probes = [cls() for cls in _BY_NAME]
    for (group, name), cands in sorted(keyed.items(), key=lambda kv: (directory_key(kv[0][0]), kv[0][1])):
        if name == "auto":
            # One directory per group when each file's group is its root or directory.
            groups.extend(_detect(cands, plans, probes, inputs, group if isinstance(layout, str) else None))
        else:
            groups.append((LAYOUTS[name](), cands))  # the config validated the name
    return groups


def _owner(path: str, mapping: Mapping[str, str]) -> str:
    best = ""
    for prefix in mapping:
        if prefix and (path == prefix or path.startswith(prefix.rstrip(os.sep) + os.sep)) and len(prefix) > len(best):
            best = prefix
    return best


def load_stdin(path: str, data: bytes, layout: str, env: LoadEnv) -> list[Migration]:
    """Standard input: a named layout, or (auto) the content decides."""
    decoded = decode_bytes(data)
    if layout in ("auto", "plain") or layout not in LAYOUTS:
        if layout != "plain":
            return load_text(path, decoded.text, env, decoded.invalid_at)
        migrations = prepare(path, decoded.text, env, direction="down" if is_down_path(path) else "up",
                             invalid_at=decoded.invalid_at)
    else:
        migrations = LAYOUTS[layout]().load(Candidate(path, os.path.abspath(path), ""), data, env)
    for m in migrations:
        m.layout = m.layout or layout
    return migrations
