"""Errors shown to the user without a traceback, and the exit codes every command uses."""

# 0: nothing at or above --fail-on; 1: findings at or above it; 2: usage or internal error.
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A problem with the user's input: command line, configuration or paths (exit code 2)."""
