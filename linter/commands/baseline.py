"""`schemalint baseline PATHS...`: record the current findings so `check` reports only new ones."""

from __future__ import annotations

import argparse
import os
import sys

from schemalint.check.catalog import all_rules
from schemalint.check.engine import lint
from schemalint.commands.check import add_arguments as add_check_arguments
from schemalint.commands.collect import collect, unreadable_diagnostics
from schemalint.commands.common import settings_from
from schemalint.errors import UsageError
from schemalint.gate.baseline import dump, entries_for


def add_arguments(p: argparse.ArgumentParser) -> None:
    # The same options as `check`, so the baseline records exactly what `check` would report;
    # --baseline names the file to write.
    add_check_arguments(p)


def run(args, err=None) -> int:
    err = sys.stderr if err is None else err
    settings = settings_from(args)
    flags = settings.flags
    if flags.no_baseline or flags.changed_since or flags.prune_baseline:
        raise UsageError("baseline records every finding: --no-baseline, --changed-since and "
                         "--prune-baseline do not apply")
    collected = collect(settings)
    diagnostics = (lint(collected.migrations, settings.config, all_rules())
                   + unreadable_diagnostics(collected.unreadable))
    path = settings.baseline
    base_dir = os.path.dirname(os.path.abspath(path))
    entries = [e for e, _ in entries_for(diagnostics, base_dir)]
    os.makedirs(base_dir, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dump(entries))
    rel = os.path.relpath(path)
    shown = path if rel.startswith("..") else rel
    files = len({e.path for e in entries})
    print(f"wrote {len(entries)} finding(s) in {files} file(s) to {shown}", file=err)
    return 0
