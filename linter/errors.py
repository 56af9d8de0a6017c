"""Errors shown to the user without a traceback (exit code 2)."""


class UsageError(Exception):
    """A problem with the user's input: command line, configuration or paths."""
