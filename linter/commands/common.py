"""What the commands share: their arguments (defined once so their help never drifts apart),
the settings built from them, and the migrations they collect."""

from __future__ import annotations

import argparse
import os

from schemalint.config.flags import Flags
from schemalint.config.resolve import Settings, resolve
from schemalint.config.validate import Vocabulary
from schemalint.errors import UsageError
from schemalint.report import parse_output


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """PATHS and --stdin-filename: which migrations to read."""
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="migration files, directories (searched recursively for *.sql), "
                        "glob patterns, or - for standard input")
    p.add_argument("--stdin-filename", metavar="NAME", default=None,
                   help="the path to report for input read from standard input")


def add_quiet_argument(p) -> None:
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress on standard error (by default a replay, or a check of 1 MB "
                        "of SQL or more, shows a live line on a terminal, one summary line "
                        "elsewhere)")


def add_layout_argument(p: argparse.ArgumentParser) -> None:
    """--layout: how the migrations are found and ordered (`check`, `replay`, `plan` read the
    same migrations in the same order)."""
    p.add_argument("--layout", metavar="LAYOUT", default=None,
                   help="migration framework layout: auto (default: detected), plain, flyway, "
                        "golang-migrate, pop, goose, dbmate, diesel, prisma, sqitch, dump, alembic, django")


def add_fail_on_argument(p) -> None:
    p.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default=None,
                   help="lowest severity that makes the exit code 1 (default: error)")


def add_transaction_argument(p) -> None:
    p.add_argument("--assume-in-transaction", action="store_true", default=None,
                   help="each migration file runs inside a transaction (as most frameworks do)")


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """How the history folds into the model (`schema`, `diff`, `indexes`): --layout,
    --pg-version and --assume-in-transaction, as `check` reads them."""
    add_layout_argument(p)
    p.add_argument("--pg-version", metavar="MAJOR[.MINOR]", default=None,
                   help="the PostgreSQL version the migrations run on (default: 15)")
    add_transaction_argument(p)


def add_outcome_arguments(p: argparse.ArgumentParser) -> None:
    """--fail-on and --assume-in-transaction."""
    add_fail_on_argument(p)
    add_transaction_argument(p)


def add_selection_arguments(p: argparse.ArgumentParser) -> None:
    """The PostgreSQL version and the rule selection (`check`, `baseline`, `config`)."""
    g = p.add_argument_group("rules")
    g.add_argument("--pg-version", metavar="MAJOR[.MINOR]", default=None,
                   help="the PostgreSQL version the migrations run on (default: 15)")
    g.add_argument("--select", metavar="RULES", default=None,
                   help="comma-separated rule codes, names, code prefixes or categories to enable "
                        "instead of the defaults; ALL enables every rule, opt-in ones included")
    g.add_argument("--extend-select", metavar="RULES", default=None,
                   help="enable these rules in addition to the selection")
    g.add_argument("--ignore", metavar="RULES", default=None, help="disable these rules")


def add_config_arguments(p: argparse.ArgumentParser) -> None:
    """The configuration flags `check`, `replay`, `baseline` and `config` share."""
    g = p.add_argument_group("configuration")
    g.add_argument("--config", metavar="PATH", default=None,
                   help="the configuration file (default: the nearest .schemalint.yaml or "
                        "pyproject.toml with [tool.schemalint], from the working directory up)")
    g.add_argument("--no-config", action="store_true", help="ignore configuration files")


def add_baseline_argument(p, help: str | None = None) -> None:
    p.add_argument("--baseline", metavar="PATH", default=None,
                   help=help or "report only findings not in this baseline file (default: "
                                ".schemalint-baseline.json next to the configuration file, if it "
                                "exists)")


def write_file(path: str, text: str) -> None:
    """Write `text` to `path`; a failure names the path, even when it comes from the write
    rather than from `open` (a full disk, /dev/full)."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 1 or value == float("inf"):  # NaN fails >= too
        raise argparse.ArgumentTypeError(f"expected a finite number >= 1, got {text!r}")
    return value


def add_replay_options(p: argparse.ArgumentParser) -> None:
    """Flags shared by `replay` and `check --replay`; each overrides the config's replay table."""
    g = p.add_argument_group("replay")
    g.add_argument("--backend", choices=("auto", "local", "docker", "dsn"), default=None,
                   help="where to replay: auto (default: dsn if given, else local binaries, "
                        "else docker), local, docker or dsn")
    g.add_argument("--pg-bin", metavar="DIR", default=None,
                   help="directory with the PostgreSQL server binaries (postgres, initdb)")
    g.add_argument("--dsn", metavar="CONNINFO", default=None,
                   help="an existing server; replay works in a fresh scratch database it drops")
    g.add_argument("--image", metavar="IMAGE", default=None,
                   help="Docker image for --backend docker (default postgres:<version>-alpine)")
    g.add_argument("--rows", metavar="N", type=positive_int, default=None,
                   help="fill every pre-existing table with N synthetic rows before tracing")
    g.add_argument("--stats", metavar="FILE", default=None,
                   help="production row counts (pg_stat_user_tables export) for runtime estimates")
    g.add_argument("--probe", action="store_true", default=None,
                   help="while each lock is held, test from a second session whether reads "
                        "and writes on the table are blocked")
    g.add_argument("--roundtrip", action="store_true", default=None,
                   help="apply up, down, up where down migrations exist and compare the schema")
    g.add_argument("--lock-threshold-ms", metavar="MS", type=float, default=None,
                   help="report blocking locks held longer than this (default 1000)")
    g.add_argument("--statement-timeout", metavar="SECONDS", type=_seconds, default=None,
                   dest="statement_timeout_s", help="per-statement timeout (default 60)")
    g.add_argument("--timeout", metavar="SECONDS", type=_seconds, default=None, dest="timeout_s",
                   help="overall timeout for applying the migrations (default 600)")
    g.add_argument("--queries", metavar="PATH", action="append", default=None,
                   help="the application's queries (a .sql file, a directory or a glob; "
                        "repeatable): plan them before and after the migrations (docs/queries.md)")
    g.add_argument("--base", metavar="GIT_REF", default=None,
                   help="compare the query plans with the schema before the first migration "
                        "added or changed since GIT_REF (`check` also takes --changed-since's)")
    g.add_argument("--seq-scan-rows", metavar="N", type=positive_int, default=None,
                   help="query-seq-scan-on-large-table: a table counts as large above N "
                        "estimated rows (default 10000; replay.seq_scan_rows)")
    g.add_argument("--plan-cost-ratio", metavar="X", type=_ratio, default=None,
                   help="query-plan-regression: report a query whose estimated cost grows "
                        "more than X times against the base (default 2.0; replay.plan_cost_ratio)")



def vocabulary() -> Vocabulary:
    """What a configuration may name: every rule and every layout, loaded only when a name
    must be checked (a run without a configuration file or selectors, such as a report-cache
    hit, loads neither the rules nor the layouts)."""
    return Vocabulary(_rules, _layouts)


def _rules() -> tuple:
    from schemalint.check.catalog import catalog  # lazily: see vocabulary()

    return catalog()


def _layouts() -> tuple[str, ...]:
    from schemalint.discover.layouts import layout_names  # lazily: see vocabulary()

    return layout_names()


def settings_from(args) -> Settings:
    """The command line as one typed value, then the effective settings: defaults, the
    configuration file, then the flags."""
    flags = Flags.from_namespace(args)
    if flags.layout and flags.layout not in _layouts():
        raise UsageError(f"--layout: unknown layout {flags.layout!r} "
                         f"(choose from {', '.join(_layouts())})")
    return resolve(flags, vocabulary())


def parse_outputs(flags: Flags) -> list[tuple[str, str]]:
    try:
        return [parse_output(spec) for spec in flags.output]
    except ValueError as exc:
        raise UsageError(f"--output: {exc}") from None


def use_color(flags: Flags, out, environ=None) -> bool:
    """Whether the text formats are coloured: --color/--no-color, else NO_COLOR set and not
    empty turns colour off (https://no-color.org), else FORCE_COLOR set and not empty turns it
    on (https://force-color.org), else a terminal that is not TERM=dumb gets it. NO_COLOR
    wins over FORCE_COLOR, as in CPython's own colouring."""
    if flags.color is not None:
        return flags.color
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())
