"""Command line: argument parsing and exit codes. The I/O edge of the static linter.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 usage or internal error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from schemalint import process
from schemalint.errors import EXIT_ERROR, EXIT_OK, UsageError
from schemalint.version import __version__

# Subcommand -> module with `add_arguments(parser)` and `run(args) -> int`. Modules are
# imported lazily so `schemalint check` never pays for replay's imports.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("schemalint.commands.check", "lint migrations (the default)"),
    "plan": ("schemalint.commands.plan",
             "show the migrations in apply order: layout, up or down, transaction, templating, skipped files"),
    "rule": ("schemalint.commands.rule", "show a rule's documentation: why, what instead, examples"),
    "rules": ("schemalint.commands.rules", "list the rules and their metadata"),
    "replay": ("schemalint.commands.replay",
               "apply migrations to a throwaway PostgreSQL and report locks, rewrites and timings"),
    "config": ("schemalint.commands.config", "show the effective configuration and where each value came from"),
    "baseline": ("schemalint.commands.baseline", "record current findings so check reports only new ones"),
    "init": ("schemalint.commands.init", "write a starter .schemalint.yaml and CI configuration"),
    # Above the commands (it reads migrations as `check` does): see schemalint/lsp/command.py.
    "lsp": ("schemalint.lsp.command", "serve editors: a Language Server over standard input and output"),
    "schema": ("schemalint.commands.schema",
               "print the schema the migrations leave, as schemalint's model folds it"),
    "diff": ("schemalint.commands.diff",
             "show what changed in the schema between two git revisions or two directories"),
    "indexes": ("schemalint.commands.indexes",
                "report foreign keys without an index, redundant indexes, tables without a primary key"),
}


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, but it asks for the terminal width only when it formats text.

    argparse makes a formatter for every add_argument call (to validate the metavar), and
    HelpFormatter's __init__ imports shutil (with bz2, lzma, zlib and fnmatch: ~3 ms of every
    start-up) for a width only help and usage text need. The width is computed as
    HelpFormatter computes it, at first use, so the text is the same."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None, **kwargs):
        super().__init__(prog, indent_increment, max_help_position,
                         width=80 if width is None else width, **kwargs)
        state = self.__dict__
        if width is None and "_width" in state and "_max_help_position" in state:
            del state["_width"], state["_max_help_position"]
            self._max_help_position_wanted = max_help_position

    def __getattr__(self, name):
        if name in ("_width", "_max_help_position") and "_max_help_position_wanted" in self.__dict__:
            import shutil  # only for help text: see the class docstring

            width = shutil.get_terminal_size().columns - 2
            self._width = width
            self._max_help_position = min(self._max_help_position_wanted,
                                          max(width - 20, self._indent_increment * 2))
            return self.__dict__[name]
        raise AttributeError(name)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schemalint",
        description="PostgreSQL schema and migration linter.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"schemalint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        # When the command is known, the other subcommands' parsers are never used (the
        # usage line says COMMAND, not the list), and each costs ~0.2 ms of start-up.
        if only is not None and only != name:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text,
                           formatter_class=_HelpFormatter)
        importlib.import_module(module_name).add_arguments(p)
        p.set_defaults(_module=module_name)
    return parser


def _looks_like_path(word: str) -> bool:
    """Whether a first argument that is no command is a path to check: it exists, or it has
    a directory separator, a dot (`001_init.sql`, `.`) or a glob character. A bare word is
    taken for a mistyped command instead (`schemalint chek x`)."""
    return (any(c in word for c in "/.*?[") or os.sep in word or os.path.lexists(word))


def _unknown_command(word: str) -> str:
    import difflib  # only after a mistyped command

    close = difflib.get_close_matches(word, list(COMMANDS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (commands: {', '.join(COMMANDS)})"
    return (f"unknown command {word!r}{hint}; to check a path of that name, write "
            f"`schemalint check {word}`")


def _os_error(exc: OSError) -> str:
    """An operating-system error as a user reads it: the file, then what went wrong."""
    what = exc.strerror or str(exc)
    if exc.filename is None:
        return what
    if exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {what}"
    return f"{exc.filename}: {what}"


def main(argv: list[str] | None = None) -> int:
    if argv is not None:  # a test, the editor server's client, a library
        return _main(argv)
    # The command line: the process ends with this command (schemalint/process.py).
    process.ENDS_AFTER_COMMAND = True
    code = _main(sys.argv[1:])
    process.exit_now(code)  # returns only when another thread runs
    return code


def _main(argv: list[str]) -> int:
    argv = list(argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        if not _looks_like_path(argv[0]):
            print(f"schemalint: error: {_unknown_command(argv[0])}", file=sys.stderr)
            return EXIT_ERROR
        argv.insert(0, "check")  # `schemalint migrations/` means `schemalint check migrations/`
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(only=command)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage error (2) or --help/--version (0)
        return int(exc.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_ERROR
    try:
        code = importlib.import_module(args._module).run(args)
        try:
            sys.stdout.flush()  # a full disk or /dev/full shows here, not at exit
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise UsageError(f"cannot write to standard output: {_os_error(exc)}") from None
        return code
    except UsageError as exc:
        print(f"schemalint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("schemalint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a file we could not read or write: name it, no traceback
        print(f"schemalint: error: {_os_error(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - never show a traceback to a user
        if os.environ.get("SCHEMALINT_DEBUG"):
            raise
        print(f"schemalint: internal error: {type(exc).__name__}: {exc}\n"
              "Set SCHEMALINT_DEBUG=1 for the traceback and please report it.", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
