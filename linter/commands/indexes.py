"""`schemalint indexes PATHS...`: the index report of the schema the migrations leave (every
foreign key with its covering index or the CREATE INDEX CONCURRENTLY to add, named by the
naming-convention rule's `index` pattern; redundant indexes; unique indexes repeating a
constraint; tables without a primary key), as text, JSON or markdown."""

from __future__ import annotations

import argparse
import json
import sys

from schemalint.check.catalog import by_name_or_code
from schemalint.commands.collect import collect_naming_unreadable
from schemalint.commands.common import (
    add_config_arguments,
    add_input_arguments,
    add_model_arguments,
    settings_from,
)
from schemalint.errors import EXIT_OK
from schemalint.indexes import index_report
from schemalint.indexes.render import report_markdown, report_text
from schemalint.model.fold import fold_history


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    p.add_argument("--format", "-f", choices=("text", "json", "markdown"), default="text",
                   help="output format (default text)")
    add_model_arguments(p)
    add_config_arguments(p)


def index_pattern(config) -> str:
    """The naming-convention rule's `index` option, as configured (or its default)."""
    rule = by_name_or_code("naming-convention")
    return str(config.rule_options(rule).get("index") or "")


def run(args, out=None, err=None) -> int:
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    settings = settings_from(args)
    config = settings.config
    collected = collect_naming_unreadable(settings, err)
    model = fold_history(collected.migrations, config.pg_version, bool(config.assume_in_transaction))
    report = index_report(model, index_pattern(config))
    fmt = settings.flags.format
    if fmt == "json":
        json.dump(report, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(report_markdown(report) if fmt == "markdown" else report_text(report))
    return EXIT_OK
