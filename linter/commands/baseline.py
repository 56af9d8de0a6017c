"""`schemalint baseline PATHS...`: record the current findings so `check` reports only new ones."""

from __future__ import annotations

import argparse
import os
import sys

from schemalint.check.catalog import all_rules
from schemalint.check.engine import lint
from schemalint.commands.collect import collect, unreadable_diagnostics
from schemalint.commands.common import (
    add_baseline_argument,
    add_config_arguments,
    add_input_arguments,
    add_layout_argument,
    add_selection_arguments,
    add_transaction_argument,
    settings_from,
    write_file,
)
from schemalint.gate.baseline import dump, entries_for


def add_arguments(p: argparse.ArgumentParser) -> None:
    # `check`'s discovery, rule selection and configuration options, so the baseline records
    # exactly what `check` would find; --baseline names the file to write.
    add_input_arguments(p)
    add_layout_argument(p)
    add_transaction_argument(p)
    add_selection_arguments(p)
    add_config_arguments(p)
    add_baseline_argument(p, "the baseline file to write (default: .schemalint-baseline.json "
                             "next to the configuration file)")


def run(args, err=None) -> int:
    err = sys.stderr if err is None else err
    settings = settings_from(args)
    collected = collect(settings)
    diagnostics = (lint(collected.migrations, settings.config, all_rules())
                   + unreadable_diagnostics(collected.unreadable))
    path = settings.baseline
    base_dir = os.path.dirname(os.path.abspath(path))
    entries = [e for e, _ in entries_for(diagnostics, base_dir)]
    os.makedirs(base_dir, exist_ok=True)
    write_file(path, dump(entries))
    rel = os.path.relpath(path)
    shown = path if rel.startswith("..") else rel
    files = len({e.path for e in entries})
    print(f"wrote {len(entries)} finding(s) in {files} file(s) to {shown}", file=err)
    return 0
