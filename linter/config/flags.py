"""The command line as one typed, immutable value.

argparse's namespace is turned into `Flags` once, by the command that parsed it; from then
on every stage reads `Flags` and nothing is stored on the namespace. A flag a command does not
define is None (or False), so stages shared by several commands read one shape."""

from __future__ import annotations

from schemalint.records import Frozen

_FIELDS = (
    # inputs
    "paths", "stdin_filename", "layout", "force_exclude",
    # configuration
    "config", "no_config", "pg_version", "assume_in_transaction", "select", "extend_select",
    "ignore", "fail_on",
    # gate
    "baseline", "no_baseline", "prune_baseline", "changed_since",
    # output
    "format", "output", "color", "statistics", "quiet",
    # fixes
    "fix", "unsafe_fixes", "diff", "fix_applied",
    # speed
    "no_cache", "cache_dir", "jobs",
    # replay
    "replay", "backend", "pg_bin", "dsn", "image", "rows", "stats", "probe", "roundtrip",
    "lock_threshold_ms", "statement_timeout_s", "timeout_s", "since", "last", "from_file",
    "queries", "base", "seq_scan_rows", "plan_cost_ratio",
    # rules / config commands
    "all",
)
# Flags that are lists on the command line; None becomes an empty tuple.
_SEQUENCES = ("paths", "output", "queries")


class Flags(Frozen):
    __slots__ = _FIELDS

    def __init__(self, **values: object) -> None:
        unknown = set(values) - set(_FIELDS)
        if unknown:
            raise TypeError(f"unknown flags: {', '.join(sorted(unknown))}")
        for name in _FIELDS:
            value = values.get(name)
            if name in _SEQUENCES:
                value = tuple(value or ())
            object.__setattr__(self, name, value)

    @classmethod
    def from_namespace(cls, namespace) -> Flags:
        """The flags argparse parsed (its bookkeeping entries, such as the subcommand, left out)."""
        given = vars(namespace)
        return cls(**{name: given[name] for name in _FIELDS if name in given})
