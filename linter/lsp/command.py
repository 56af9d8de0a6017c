"""`schemalint lsp`: serve editors over standard input and output (docs/editors.md).

It lives here, not in schemalint.commands: the server reads migrations as `check` does
(schemalint.commands.collect), so it sits above the commands (pyproject.toml's layers)."""

from __future__ import annotations

import argparse
import logging
import sys

from schemalint import process
from schemalint.errors import UsageError


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("configuration")
    g.add_argument("--config", metavar="PATH", default=None,
                   help="the configuration file for every document (default: the nearest "
                        ".schemalint.yaml or pyproject.toml with [tool.schemalint] above each "
                        "document)")
    g.add_argument("--no-config", action="store_true", help="ignore configuration files")
    p.add_argument("--debounce", metavar="MS", type=_milliseconds, default=250.0,
                   help="check a changed document once the editor has been quiet this many "
                        "milliseconds (default 250)")
    p.add_argument("--log-level", choices=("error", "warning", "info", "debug"), default="warning",
                   help="what the server logs on standard error (default warning)")
    # Clients such as vscode-languageclient add --stdio; standard input and output is the only
    # transport there is.
    p.add_argument("--stdio", action="store_true", help=argparse.SUPPRESS)


def run(args) -> int:
    try:
        # pygls only here: `schemalint --help` imports every command module, `check` none of this.
        from schemalint.lsp.server import serve
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] in ("pygls", "lsprotocol"):
            raise UsageError("`schemalint lsp` needs pygls: pip install 'schemalint[lsp]'") from None
        raise
    # A server lives on after each check it runs: those must free their objects, not leave
    # them to an exit that is hours away (schemalint/process.py).
    process.ENDS_AFTER_COMMAND = False
    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format="schemalint lsp: %(levelname)s: %(name)s: %(message)s")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Standard output carries the protocol: anything printed by mistake goes to stderr instead.
    sys.stdout = sys.stderr
    return serve(args.config, args.no_config, args.debounce / 1000, stdin, stdout)
