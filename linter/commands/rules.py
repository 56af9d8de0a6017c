"""`schemalint rules`: the catalog as a table or as JSON metadata."""

from __future__ import annotations

import argparse
import json
import sys

from schemalint.check.catalog import all_rules, catalog


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", "-f", choices=("text", "json"), default="text")
    p.add_argument("--all", action="store_true", help="include the engine's own findings (9xx)")


def run(args) -> int:
    rules = catalog() if args.all or args.format == "json" else all_rules()
    if args.format == "json":
        json.dump({"version": 1, "rules": [r.metadata() for r in rules]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    rows = [(r.code, r.name, r.category, str(r.severity), "on" if r.default_enabled else "opt-in", r.summary)
            for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    header = ("CODE", "NAME", "CATEGORY", "SEVERITY", "DEFAULT")
    widths = [max(w, len(h)) for w, h in zip(widths, header)]
    for row in [header + ("SUMMARY",), *rows]:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[5] + "\n")
    return 0
