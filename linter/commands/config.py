"""`schemalint config`: the effective configuration and where each value came from."""

from __future__ import annotations

import argparse
import json
import sys

from schemalint.commands.common import (
    add_baseline_argument,
    add_config_arguments,
    add_fail_on_argument,
    add_layout_argument,
    add_selection_arguments,
    add_transaction_argument,
    settings_from,
)
from schemalint.config.keys import KEYS
from schemalint.config.reader import display_path
from schemalint.config.resolve import effective_values
from schemalint.errors import UsageError
from schemalint.replay.mask import mask_dsn


def add_arguments(p: argparse.ArgumentParser) -> None:
    # `check`'s options that change the settings: `schemalint config --select SL1` shows what
    # `check --select SL1` would use. --format text|json chooses this command's output.
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="the paths `check PATH...` would be given (shown instead of `paths:`)")
    p.add_argument("--format", "-f", default="text", metavar="FORMAT",
                   help="output format: text (default) or json")
    add_layout_argument(p)
    add_transaction_argument(p)
    add_fail_on_argument(p)
    add_selection_arguments(p)
    add_config_arguments(p)
    g = p.add_argument_group("baseline")
    add_baseline_argument(g, "the baseline file (default: .schemalint-baseline.json next to the "
                             "configuration file)")
    g.add_argument("--no-baseline", action="store_true",
                   help="show the settings of `check --no-baseline`")


def run(args, out=None) -> int:
    out = sys.stdout if out is None else out
    if args.format not in ("text", "json"):
        raise UsageError(f"--format: {args.format!r} is not available here (choose text or json)")
    resolved = settings_from(args)
    values = effective_values(resolved)
    if isinstance(values["replay"].get("dsn"), str):
        values["replay"]["dsn"] = mask_dsn(values["replay"]["dsn"])
    if resolved.flags.paths:
        values["paths"] = list(resolved.flags.paths)
    if resolved.flags.format == "json":
        doc = {
            "version": 1,
            "file": resolved.file,
            "settings": {k.name: {"value": values[k.name], "source": resolved.sources[k.name]}
                         for k in KEYS},
        }
        out.write(json.dumps(doc, indent=2) + "\n")
        return 0
    lines = [f"{k.name}: {json.dumps(values[k.name], ensure_ascii=False)}" for k in KEYS]
    width = max(len(line) for line in lines) + 2
    lines_out = [f"# configuration file: {display_path(resolved.file) if resolved.file else 'none'}"]
    lines_out += [line.ljust(width) + f"# {resolved.sources[k.name]}" for line, k in zip(lines, KEYS, strict=True)]
    out.write("\n".join(lines_out) + "\n")
    return 0
