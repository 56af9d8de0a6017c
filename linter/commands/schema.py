"""`schemalint schema PATHS...`: the schema the migrations leave, as the model folds it
(after the last up migration), in text or JSON (model/dump.py has the shape)."""

from __future__ import annotations

import argparse
import json
import sys

from schemalint.commands.collect import collect, unreadable_diagnostics
from schemalint.commands.common import (
    add_config_arguments,
    add_input_arguments,
    settings_from,
)
from schemalint.errors import EXIT_OK
from schemalint.model.dump import schema_json, schema_text
from schemalint.model.fold import fold_history


def add_arguments(p: argparse.ArgumentParser) -> None:
    # The discovery flags of `check`: the same files in the same order.
    add_input_arguments(p)
    p.add_argument("--format", "-f", choices=("text", "json"), default="text",
                   help="output format (default text)")
    p.add_argument("--layout", metavar="LAYOUT", default=None,
                   help="migration framework layout (default: detected; see `check --help`)")
    p.add_argument("--pg-version", metavar="MAJOR[.MINOR]", default=None,
                   help="the PostgreSQL version the migrations run on (default: 15)")
    p.add_argument("--assume-in-transaction", action="store_true", default=None,
                   help="each migration file runs inside a transaction")
    add_config_arguments(p)


def run(args, out=None, err=None) -> int:
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    settings = settings_from(args)
    config = settings.config
    collected = collect(settings)
    for d in unreadable_diagnostics(collected.unreadable):
        print(f"{d.path}: {d.message}", file=err)
    model = fold_history(collected.migrations, config.pg_version, bool(config.assume_in_transaction))
    data = schema_json(model)
    if settings.flags.format == "json":
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(schema_text(data))
    return EXIT_OK
