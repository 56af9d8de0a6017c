"""`schemalint diff BASE [HEAD]`: what changed in the schema between two points of the
history (git revisions, or two directories; HEAD defaults to the working tree), as text,
JSON or markdown. The diff itself is schemalint.schemadiff's."""

from __future__ import annotations

import argparse
import json
import os
import sys

from schemalint.commands.common import add_config_arguments, add_model_arguments, settings_from
from schemalint.commands.revisions import Side, at_path, at_ref, toplevel, working_tree
from schemalint.errors import EXIT_OK, UsageError
from schemalint.schemadiff import diff_schemas, fold_points
from schemalint.schemadiff.render import diff_markdown, diff_text


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("points", nargs="+", metavar="BASE [HEAD]",
                   help="two git revisions or two directories of migrations; HEAD defaults to "
                        "the working tree")
    p.add_argument("--path", "-p", dest="paths", action="append", metavar="PATH", default=None,
                   help="the migrations to compare at each revision (repeatable; default: "
                        "`paths:` in the configuration)")
    p.add_argument("--format", "-f", choices=("text", "json", "markdown"), default="text",
                   help="output format (default text)")
    add_model_arguments(p)
    add_config_arguments(p)


def sides(settings, points: list[str]) -> tuple[Side, Side]:
    """BASE and HEAD: two directories, or git revisions (HEAD: the working tree)."""
    if len(points) > 2:
        raise UsageError(f"diff takes BASE and at most one HEAD, got {len(points)} points")
    if all(os.path.exists(p) for p in points) and len(points) == 2:
        if settings.flags.paths:
            raise UsageError("--path is for git revisions; two directories name the migrations")
        return at_path(settings, points[0]), at_path(settings, points[1])
    for p in points:
        if os.path.exists(p):
            others = [o for o in points if not os.path.exists(o)]
            also = f" and {others[0]} is not" if len(points) == 2 else ""
            raise UsageError(f"{p} is a path{also}: compare two directories, or two git "
                             "revisions (with --path for the migrations)")
    top = toplevel()
    base = at_ref(settings, points[0])
    if len(points) == 1:  # the working tree's paths must hold migrations (collect says so)
        return base, working_tree(settings, top)
    head = at_ref(settings, points[1])
    if not base.migrations and not head.migrations:
        # A path neither revision has (a typo) would otherwise read as "no schema changes".
        shown = ", ".join(settings.flags.paths or settings.config.paths or ())
        raise UsageError(f"no migrations in {shown} at {base.label} or {head.label}")
    return base, head


def compute(settings, base: Side, head: Side) -> dict:
    config = settings.config
    points = fold_points(base.migrations, head.migrations, base.root, head.root,
                         config.pg_version, bool(config.assume_in_transaction))
    diff = diff_schemas(points.base, points.head, points.renames, points.note)
    return {"version": diff.pop("version"), "base": base.label, "head": head.label, **diff}


def run(args, out=None, err=None) -> int:
    out = sys.stdout if out is None else out
    settings = settings_from(args)
    base, head = sides(settings, list(args.points))
    diff = compute(settings, base, head)
    fmt = settings.flags.format
    title = f"{diff['base']}..{diff['head']}"
    if fmt == "json":
        json.dump(diff, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "markdown":
        out.write(diff_markdown(diff, f"Schema diff {title}"))
    else:
        out.write(diff_text(diff, f"schema diff {title}"))
    return EXIT_OK
