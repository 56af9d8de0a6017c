"""Arguments that `check` and `replay` share, defined once so their help never drifts apart."""

from __future__ import annotations

import argparse


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """PATHS and --stdin-filename: which migrations to read."""
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="migration files, directories (searched recursively for *.sql), "
                        "glob patterns, or - for standard input")
    p.add_argument("--stdin-filename", metavar="NAME", default=None,
                   help="the path to report for input read from standard input")


def add_outcome_arguments(p: argparse.ArgumentParser) -> None:
    """--fail-on and --assume-in-transaction."""
    p.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default=None,
                   help="lowest severity that makes the exit code 1 (default: error)")
    p.add_argument("--assume-in-transaction", action="store_true", default=None,
                   help="each migration file runs inside a transaction (as most frameworks do)")
