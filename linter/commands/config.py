"""`schemalint config`: the effective configuration and where each value came from."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    from schemalint.commands.check import add_arguments as add_check_arguments

    # The same options as `check`: `schemalint config --select SL1` shows what `check
    # --select SL1` would use. --format text|json chooses this command's output.
    add_check_arguments(p)


def run(args) -> int:
    from schemalint.commands.check import build_config
    from schemalint.config.file import KEYS, _display, effective_values
    from schemalint.errors import UsageError

    if args.format not in ("text", "json"):
        raise UsageError(f"--format: {args.format!r} is not available here (choose text or json)")
    build_config(args)
    resolved = args.resolved
    values = effective_values(resolved)
    if args.paths:
        values["paths"] = list(args.paths)
    if args.format == "json":
        doc = {
            "version": 1,
            "file": resolved.file,
            "settings": {k.name: {"value": values[k.name], "source": resolved.sources[k.name]}
                         for k in KEYS},
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return 0
    lines = [f"{k.name}: {json.dumps(values[k.name], ensure_ascii=False)}" for k in KEYS]
    width = max(len(line) for line in lines) + 2
    out = [f"# configuration file: {_display(resolved.file) if resolved.file else 'none'}"]
    out += [line.ljust(width) + f"# {resolved.sources[k.name]}" for line, k in zip(lines, KEYS, strict=True)]
    sys.stdout.write("\n".join(out) + "\n")
    return 0
