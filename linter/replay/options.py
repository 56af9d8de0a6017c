"""Replay settings: defaults, then the configuration file's `replay` table, then CLI flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from schemalint.config.settings import PgVersion
from schemalint.errors import UsageError


@dataclass
class ReplayOptions:
    backend: str = "auto"
    pg_bin: str | None = None
    pg_version: PgVersion | None = None  # the server's major version; None: whatever is found
    dsn: str | None = None
    image: str | None = None
    rows: int = 0
    rows_per_table: Mapping[str, int] = field(default_factory=dict)
    stats: str | None = None
    roles: tuple[str, ...] = ()  # --dsn: roles the migrations need, created for the run if absent
    probe: bool = False
    roundtrip: bool = False
    lock_threshold_ms: float = 1000.0
    statement_timeout_s: float = 60.0
    timeout_s: float = 600.0
    assume_in_transaction: bool = False
    since: str | None = None
    last: int | None = None
    from_file: str | None = None
    # The query-plan gate (docs/queries.md): the queries' files, their sample values by name,
    # the queries read from them (replay.plans.workload), the base ref and the thresholds.
    queries: tuple[str, ...] = ()
    query_params: Mapping[str, str] = field(default_factory=dict)
    workload: tuple = ()
    base: str | None = None
    seq_scan_rows: int = 10000
    plan_cost_ratio: float = 2.0


# Keys the configuration file's replay table may hold.
CONFIG_KEYS = ("backend", "pg_bin", "pg_version", "dsn", "image", "rows", "probe", "roundtrip",
               "lock_threshold_ms", "statement_timeout_s", "timeout_s", "stats", "roles",
               "queries", "query_params", "seq_scan_rows", "plan_cost_ratio")


def _number(key: str, value, kind=float, minimum: float = 0):
    try:
        out = kind(value)
    except (TypeError, ValueError):
        raise UsageError(f"replay.{key}: expected a number, got {value!r}") from None
    if out < minimum:
        raise UsageError(f"replay.{key}: must be at least {minimum}, got {value!r}")
    return out


def from_config(table: Mapping[str, object]) -> ReplayOptions:
    """Validate the configuration file's replay settings."""
    opts = ReplayOptions()
    for key, value in (table or {}).items():
        if key not in CONFIG_KEYS:
            raise UsageError(f"replay: unknown setting {key!r} (known: {', '.join(CONFIG_KEYS)})")
        if key == "rows":
            if isinstance(value, Mapping):
                # {table: rows}; "*": the tables not named.
                counts = {str(k): _number(f"rows.{k}", v, int) for k, v in value.items()}
                opts.rows = counts.pop("*", 0)
                opts.rows_per_table = counts
            else:
                opts.rows = _number(key, value, int)
        elif key in ("probe", "roundtrip"):
            if not isinstance(value, bool):
                raise UsageError(f"replay.{key}: expected true or false, got {value!r}")
            setattr(opts, key, value)
        elif key in ("lock_threshold_ms", "statement_timeout_s", "timeout_s"):
            setattr(opts, key, _number(key, value))
        elif key == "roles":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
                raise UsageError(f"replay.roles: expected a list of role names, got {value!r}")
            opts.roles = tuple(names)
        elif key == "queries":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
                raise UsageError(f"replay.queries: expected a list of files or globs, got {value!r}")
            opts.queries = tuple(names)
        elif key == "query_params":
            if not isinstance(value, Mapping):
                raise UsageError("replay.query_params: expected a mapping {query name or "
                                 f"path:line: \"value, value\"}}, got {value!r}")
            opts.query_params = {str(k): str(v) for k, v in value.items()}
        elif key == "seq_scan_rows":
            opts.seq_scan_rows = _number(key, value, int)
        elif key == "plan_cost_ratio":
            opts.plan_cost_ratio = _number(key, value, float, 1)
        elif key == "pg_version":
            opts.pg_version = PgVersion(_number(key, str(value).split(".")[0], int, 9))
        else:
            setattr(opts, key, None if value is None else str(value))
    return opts


def merge_cli(opts: ReplayOptions, overrides: Mapping[str, object]) -> ReplayOptions:
    """CLI flags that were given (not None) override the configuration."""
    names = {f.name for f in fields(ReplayOptions)}
    for key, value in overrides.items():
        if key in names and value is not None:
            setattr(opts, key, value)
    return opts
