"""The effective settings of a run: defaults, then the configuration file, then the command line."""

from __future__ import annotations

import os

from schemalint.config.flags import Flags
from schemalint.config.keys import BASELINE_NAME, KEYS
from schemalint.config.reader import ConfigError, FileSettings, display_path, find_config
from schemalint.config.settings import LintConfig, PathOverride, format_pg_version, parse_pg_version
from schemalint.config.validate import Vocabulary, load_file, validate_selectors
from schemalint.errors import UsageError
from schemalint.records import Frozen


class Settings(Frozen):
    """Everything a run is told: the command line, the effective lint configuration, the
    configuration file it came from and where each value came from, and the baseline file."""

    __slots__ = ("flags", "config", "file", "sources", "baseline", "baseline_explicit")

    def __init__(self, flags: Flags, config: LintConfig, file: str | None, sources: dict[str, str],
                 baseline: str | None, baseline_explicit: bool = False) -> None:
        set_ = object.__setattr__
        set_(self, "flags", flags)
        set_(self, "config", config)
        set_(self, "file", file)
        set_(self, "sources", sources)
        set_(self, "baseline", baseline)  # the baseline file's path (it may not exist)
        set_(self, "baseline_explicit", baseline_explicit)

    def __hash__(self) -> int:  # LintConfig and the sources are mutable: hashed by identity
        return id(self)

def resolve(flags: Flags, vocabulary: Vocabulary) -> Settings:
    """Defaults, then the configuration file, then command-line flags."""
    explicit = flags.config
    if flags.no_config:
        path = None
    elif explicit:
        if not os.path.isfile(explicit):
            raise ConfigError(f"--config: no such file: {explicit}")
        path = explicit
    else:
        path = find_config()
    settings = load_file(path, vocabulary) if path else FileSettings("")
    config = LintConfig()
    sources = {k.name: "default" for k in KEYS}
    if path:
        config.root = settings.root
        shown = display_path(path)
        for name in settings.values:
            sources[name] = f"{shown}:{settings.lines[name]}"
    v = settings.values
    if "pg_version" in v:
        config.pg_version = v["pg_version"]
    for name in ("assume_in_transaction", "fail_on", "layout", "require_reason"):
        if name in v:
            setattr(config, name, v[name])
    for name in ("paths", "include", "exclude", "select", "extend_select", "ignore", "extensions"):
        if name in v:
            setattr(config, name, tuple(v[name]))
    if "placeholders" in v:
        config.placeholders = dict(v["placeholders"])
    if "severity" in v:
        config.severity = dict(v["severity"])
    if "rules" in v:
        config.options = dict(v["rules"])
    if "replay" in v:
        config.replay = dict(v["replay"])
    if "overrides" in v:
        config.overrides = tuple(
            PathOverride(paths=tuple(o.get("paths", ())), select=tuple(o.get("select", ())),
                         extend_select=tuple(o.get("extend_select", ())),
                         ignore=tuple(o.get("ignore", ())), severity=dict(o.get("severity", {})))
            for o in v["overrides"]
        )

    # Command-line flags win.
    flag = flags.pg_version
    if flag is not None:
        try:
            config.pg_version = parse_pg_version(flag)
        except ValueError as exc:
            raise UsageError(f"--pg-version: {exc}") from None
        sources["pg_version"] = "--pg-version"
    if flags.assume_in_transaction:
        config.assume_in_transaction = True
        sources["assume_in_transaction"] = "--assume-in-transaction"
    for name in ("select", "extend_select", "ignore"):
        values = _split(getattr(flags, name))
        if values:
            option = f"--{name.replace('_', '-')}"
            validate_selectors(values, option, vocabulary)
            if name == "select":
                config.select = values
                sources[name] = option
            else:
                setattr(config, name, tuple(getattr(config, name)) + values)
                sources[name] = option if sources[name] == "default" else f"{sources[name]} + {option}"
    if flags.fail_on:
        config.fail_on = flags.fail_on
        sources["fail_on"] = "--fail-on"
    if flags.layout:
        config.layout = flags.layout
        sources["layout"] = "--layout"
    if flags.paths:
        sources["paths"] = "command line"

    baseline_flag = flags.baseline
    if flags.no_baseline:
        baseline, explicit_baseline = None, False
        sources["baseline"] = "--no-baseline"
    elif baseline_flag:
        baseline, explicit_baseline = baseline_flag, True
        sources["baseline"] = "--baseline"
    else:
        name = v.get("baseline", BASELINE_NAME)
        baseline = os.path.join(settings.root if path else os.getcwd(), name)
        explicit_baseline = False
    return Settings(flags, config, path, sources, baseline, explicit_baseline)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in value.split(",") if s.strip()) if value else ()


def effective_values(resolved: Settings) -> dict[str, object]:
    """The effective value of every top-level key, as it would be written in the file."""
    c = resolved.config
    return {
        "paths": list(c.paths),
        "include": list(c.include),
        "exclude": list(c.exclude),
        "layout": c.layout,
        "placeholders": dict(c.placeholders),
        "pg_version": format_pg_version(c.pg_version),
        "assume_in_transaction": c.assume_in_transaction,
        "extensions": list(c.extensions),
        "select": list(c.select),
        "extend_select": list(c.extend_select),
        "ignore": list(c.ignore),
        "severity": {k: str(s) for k, s in c.severity.items()},
        "rules": {k: dict(o) for k, o in c.options.items()},
        "overrides": [
            {k: val for k, val in (("paths", list(o.paths)), ("select", list(o.select)),
                                    ("extend_select", list(o.extend_select)),
                                    ("ignore", list(o.ignore)),
                                    ("severity", {n: str(s) for n, s in o.severity.items()})) if val}
            for o in c.overrides
        ],
        "fail_on": c.fail_on,
        "require_reason": c.require_reason,
        "baseline": display_path(resolved.baseline) if resolved.baseline else None,
        "replay": dict(c.replay),
    }

