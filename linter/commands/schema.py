"""`schemalint schema PATHS...`: the schema the migrations leave, as the model folds it
(after the last up migration): as text or JSON (model/dump.py has the shape), or as a
picture — Mermaid, Graphviz DOT, SVG, DBML, markdown (erd/) — of all of it or a part."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys

from schemalint.commands.collect import collect_naming_unreadable
from schemalint.commands.common import (
    add_config_arguments,
    add_input_arguments,
    add_model_arguments,
    settings_from,
)
from schemalint.commands.review import changes_since
from schemalint.erd import COLUMN_MODES, RENDERERS, focus
from schemalint.erd import dot as dot_format
from schemalint.errors import EXIT_OK, UsageError
from schemalint.model.dump import schema_json, schema_text
from schemalint.model.fold import fold_history

FORMATS = ("text", "json", "mermaid", "dot", "svg", "dbml", "markdown")
# The pictures that draw no default, CHECK or index expression text (erd/picture.py).
_NO_EXPRESSIONS = ("mermaid", "dot", "svg")
DOT_INSTALL_HINT = ("--format svg runs Graphviz's `dot`, which is not installed: install "
                    "Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                    "graphviz), or use --format dot and render it elsewhere")


def add_arguments(p: argparse.ArgumentParser) -> None:
    # The discovery flags of `check`: the same files in the same order.
    add_input_arguments(p)
    p.add_argument("--format", "-f", choices=FORMATS, default="text",
                   help="output format (default text): the model as text or json; a picture "
                        "as mermaid (erDiagram), dot (Graphviz), svg (runs Graphviz's dot), "
                        "dbml (dbdiagram.io) or markdown (tables and the Mermaid diagram)")
    p.add_argument("--tables", metavar="PATTERN", action="append", default=[],
                   help="only the tables whose name (or schema.name, for a pattern with a dot) "
                        "matches this glob; repeatable")
    p.add_argument("--schema", metavar="NAME", dest="schema_name", default=None,
                   help="only the tables of this schema")
    p.add_argument("--around", metavar="TABLE", default=None,
                   help="only TABLE and the tables within --depth foreign keys of it, "
                        "whichever way they point")
    p.add_argument("--depth", metavar="N", type=int, default=None,
                   help="how many foreign keys --around follows (default 1)")
    p.add_argument("--columns", choices=COLUMN_MODES, default=None,
                   help="the columns a mermaid, dot, svg or markdown picture shows: all "
                        "(default), keys (primary, foreign and unique key columns), none")
    p.add_argument("--changed-since", metavar="GIT_REF", default=None,
                   help="only the tables changed since the merge base with GIT_REF (working "
                        "tree included) and those one foreign key away, with the changes "
                        "marked; dropped tables and columns are drawn from the base")
    add_model_arguments(p)
    add_config_arguments(p)


def run(args, out=None, err=None) -> int:
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    fmt = args.format
    _check_options(args, fmt)
    settings = settings_from(args)
    config = settings.config
    collected = collect_naming_unreadable(settings, err)
    marks = None
    if args.changed_since:
        changes = changes_since(settings, collected.migrations, args.changed_since)
        schema, marks = changes.data, changes.marks
    else:
        schema = schema_json(fold_history(collected.migrations, config.pg_version,
                                          bool(config.assume_in_transaction)),
                             expressions=fmt not in _NO_EXPRESSIONS)
    data = focus(schema, schema=args.schema_name, tables=tuple(args.tables),
                 around=args.around, depth=1 if args.depth is None else args.depth)
    columns = args.columns or "all"
    if fmt == "json":
        # With --changed-since, the marks too (their shape: erd/picture.py).
        json.dump(data if marks is None else {**data, "marks": marks}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "text":
        out.write(schema_text(data))
    elif fmt == "svg":
        out.write(svg(dot_format.render(data, marks, columns=columns)))
    else:
        out.write(RENDERERS[fmt](data, marks, columns=columns))
    return EXIT_OK


def _check_options(args, fmt: str) -> None:
    if args.depth is not None and args.around is None:
        raise UsageError("--depth needs --around TABLE")
    if args.depth is not None and args.depth < 0:
        raise UsageError(f"--depth must be 0 or more, not {args.depth}")
    if args.columns is not None and fmt in ("text", "json", "dbml"):
        # A DBML reference may name any column of its table: DBML lists them all.
        raise UsageError(f"--columns applies to the pictures mermaid, dot, svg and markdown, "
                         f"not to --format {fmt}")
    if fmt == "svg" and shutil.which("dot") is None:
        raise UsageError(DOT_INSTALL_HINT)


DOT_TIMEOUT = 120.0  # seconds


def svg(dot_source: str) -> str:
    """Graphviz's SVG of a DOT graph (`dot -Tsvg`)."""
    exe = shutil.which("dot")
    if exe is None:
        raise UsageError(DOT_INSTALL_HINT)
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot_source, capture_output=True,
                              text=True, encoding="utf-8", timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        # Graphviz lays out thousands of tables for minutes (5,915 tables: over 120 s).
        raise UsageError(f"--format svg: {exe} did not finish in {DOT_TIMEOUT:g} s: draw fewer "
                         "tables (--tables, --schema, --around), or use --format dot and render "
                         "it elsewhere") from None
    except OSError as exc:
        raise UsageError(f"--format svg: running {exe} failed: {exc}") from None
    if done.returncode != 0:
        raise UsageError(f"--format svg: {exe} -Tsvg failed (exit {done.returncode}): "
                         f"{done.stderr.strip()}")
    return done.stdout
