"""Lint settings. `LintConfig` is the pure, already-validated form the engine reads."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from schemalint.records import Frozen, Record

TYPE_CHECKING = False  # not `typing`'s: importing typing costs every start-up ~3 ms
if TYPE_CHECKING:
    from schemalint.diagnostics import Severity

# A bare major version means a current patch release of it: servers run patched minors,
# and rules about old minors (14.0-14.3) should fire only when the user names one.
LATEST_MINOR = 99


class PgVersion(tuple):
    """The PostgreSQL version migrations run on: (major, minor), a bare major meaning its
    latest minor. The one type for it everywhere: the configuration, the model, the rules and
    replay. A tuple, so versions compare as PostgreSQL's do: `version >= (14, 4)`."""

    __slots__ = ()

    def __new__(cls, major: int, minor: int = LATEST_MINOR) -> PgVersion:
        return tuple.__new__(cls, (major, minor))

    @property
    def major(self) -> int:
        return self[0]

    @property
    def minor(self) -> int:
        return self[1]

    def __str__(self) -> str:
        return str(self[0]) if self[1] == LATEST_MINOR else f"{self[0]}.{self[1]}"

    def __repr__(self) -> str:
        return f"PgVersion({self[0]}, {self[1]})"


DEFAULT_PG_VERSION = PgVersion(15)


def parse_pg_version(value: str | int) -> PgVersion:
    """'15' -> PgVersion(15); '14.2' -> PgVersion(14, 2). Raises ValueError with a readable message."""
    text = str(value).strip()
    parts = text.split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 and parts[1] else LATEST_MINOR
    except ValueError:
        raise ValueError(f"invalid PostgreSQL version {text!r} (expected e.g. 15 or 14.4)") from None
    if len(parts) > 2 or not 9 <= major <= 30 or minor < 0:
        raise ValueError(f"invalid PostgreSQL version {text!r} (expected e.g. 15 or 14.4)")
    return PgVersion(major, minor)


def format_pg_version(version: tuple[int, int]) -> str:
    return str(PgVersion(*version))


# Compared by value; PathOverride and PathPolicy are immutable.


class PathOverride(Frozen):
    """Settings for the files matching `paths` (globs relative to `LintConfig.root`).
    Later overrides win over earlier ones; all of them over the top-level settings."""

    __slots__ = ("paths", "select", "extend_select", "ignore", "severity")

    def __init__(self, paths: tuple[str, ...], select: tuple[str, ...] = (),
                 extend_select: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
                 severity: Mapping[str, Severity] | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "paths", paths)
        set_(self, "select", select)
        set_(self, "extend_select", extend_select)
        set_(self, "ignore", ignore)
        set_(self, "severity", {} if severity is None else severity)

    def matches(self, rel_path: str) -> bool:
        return any(glob_match(rel_path, pattern) for pattern in self.paths)


class PathPolicy(Frozen):
    """What the configuration says for one file: rules whose findings are dropped there and
    severity overrides."""

    __slots__ = ("drop", "severity", "enabled")

    def __init__(self, drop: frozenset[str], severity: Mapping[str, Severity],
                 enabled: frozenset[str]) -> None:
        set_ = object.__setattr__
        set_(self, "drop", drop)
        set_(self, "severity", severity)
        # Names of the rules that run on this file (for `unused-ignore`).
        set_(self, "enabled", enabled)


class LintConfig(Record):
    # No __slots__: callers may hang extra attributes on it.
    _fields = ("pg_version", "assume_in_transaction", "select", "extend_select", "ignore",
               "severity", "options", "fail_on", "layout", "placeholders", "include",
               "exclude", "replay", "paths", "root", "overrides", "require_reason",
               "extensions")

    def __init__(
        self,
        pg_version: PgVersion = DEFAULT_PG_VERSION,
        assume_in_transaction: bool = False,
        # Selectors: rule code ("SL101"), name, code prefix ("SL1") or category; "ALL" for all.
        select: tuple[str, ...] = (),
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        severity: Mapping[str, Severity] | None = None,
        options: Mapping[str, Mapping[str, object]] | None = None,
        fail_on: str = "error",
        # Discovery: the framework layout ("auto" detects it), Flyway/psql placeholder values,
        # and include/exclude globs.
        layout: str = "auto",
        placeholders: Mapping[str, str] | None = None,
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        # Replay settings from the configuration file (the replay command reads them).
        replay: Mapping[str, object] | None = None,
        # Migration paths from the configuration file, and the directory that relative paths,
        # globs and per-path overrides are resolved against (the configuration file's).
        paths: tuple[str, ...] = (),
        root: str | None = None,
        overrides: tuple[PathOverride, ...] = (),
        # Suppression comments must give a reason (`ignore-without-reason` otherwise).
        require_reason: bool = False,
        # Extensions declared present (`extensions` key): their rules run without a
        # CREATE EXTENSION in the history.
        extensions: tuple[str, ...] = (),
    ) -> None:
        self.pg_version = pg_version
        self.assume_in_transaction = assume_in_transaction
        self.select = select
        self.extend_select = extend_select
        self.ignore = ignore
        self.severity = {} if severity is None else severity
        self.options = {} if options is None else options
        self.fail_on = fail_on
        self.layout = layout
        self.placeholders = {} if placeholders is None else placeholders
        self.include = include
        self.exclude = exclude
        self.replay = {} if replay is None else replay
        self.paths = paths
        self.root = root
        self.overrides = overrides
        self.require_reason = require_reason
        self.extensions = extensions

    def enabled_rules(self, rules: Iterable) -> list:
        """The rules to run: those enabled at the top level plus any a per-path override
        enables (their findings are then kept only where enabled, see `policy`)."""
        rules = list(rules)
        chosen = _choose(rules, self.select, self.extend_select, self.ignore)
        for ov in self.overrides:
            base = _choose(rules, ov.select, (), ()) if ov.select else chosen
            chosen_ids, base_ids = _ids(chosen), _ids(base)
            extra = [r for r in rules
                     if id(r) not in chosen_ids and (id(r) in base_ids or _matches_any(r, ov.extend_select))]
            chosen += extra
        chosen_ids = _ids(chosen)
        return [r for r in rules if id(r) in chosen_ids]

    def relative(self, path: str) -> str:
        """`path` as the configuration's globs see it: relative to `root`, with `/`."""
        if self.root is None or path.startswith("<"):
            return path.replace(os.sep, "/")
        return os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")

    def included(self, path: str) -> bool:
        rel = self.relative(path)
        if self.include and not any(glob_match(rel, p) for p in self.include):
            return False
        return not any(glob_match(rel, p) for p in self.exclude)

    def policy(self, path: str, rules: Iterable, engine_rules: Iterable = ()) -> PathPolicy:
        """Which findings to keep at `path` and with which severity."""
        rules = list(rules)
        enabled = _choose(rules, self.select, self.extend_select, self.ignore)
        ignores = [self.ignore]
        severity = dict(self.severity)
        if self.overrides:
            rel = self.relative(path)
            for ov in self.overrides:
                if not ov.matches(rel):
                    continue
                if ov.select:
                    enabled = _choose(rules, ov.select, (), ())
                enabled_ids = _ids(enabled)
                enabled = enabled + [r for r in rules
                                     if id(r) not in enabled_ids and _matches_any(r, ov.extend_select)]
                enabled = [r for r in enabled if not _matches_any(r, ov.ignore)]
                ignores.append(ov.ignore)
                severity.update(ov.severity)
        names = frozenset(r.name for r in enabled)
        drop = {r.name for r in rules if r.name not in names}
        # The engine's own findings (9xx) are not chosen by `select`; only an explicit
        # `ignore` turns them off.
        drop.update(r.name for r in engine_rules if any(_matches_any(r, ig) for ig in ignores))
        return PathPolicy(frozenset(drop), severity, names)

    def apply(self, diagnostics: list, rules: Iterable, engine_rules: Iterable = ()) -> list:
        """Drop findings of rules disabled for their file and apply severity overrides.
        A no-op (no per-diagnostic work) without overrides, severities or ignores."""
        if not (self.overrides or self.severity or self.ignore):
            return diagnostics
        rules = list(rules)
        engine_rules = list(engine_rules)
        cache: dict[str, PathPolicy] = {}
        out = []
        for d in diagnostics:
            pol = cache.get(d.path)
            if pol is None:
                pol = cache[d.path] = self.policy(d.path, rules, engine_rules)
            if d.rule in pol.drop:
                continue
            sev = pol.severity.get(d.rule)
            if sev is not None:
                d.severity = sev
            out.append(d)
        return out

    def rule_options(self, rule) -> dict:
        merged = dict(rule.options)
        merged.update(self.options.get(rule.name, {}))
        return merged

    def severity_for(self, rule_name: str, default: Severity) -> Severity:
        return self.severity.get(rule_name, default)


def selector_matches(rule, selector: str) -> bool:
    s = selector.strip()
    if s.upper() == "ALL":
        return True
    return s in (rule.code, rule.name, rule.category) or (
        s.upper().startswith("SL") and rule.code.startswith(s.upper())
    )


def _matches_any(rule, selectors: Iterable[str], explicit_all: bool = True) -> bool:
    return any(selector_matches(rule, s) for s in selectors)


def _choose(rules: list, select, extend_select, ignore) -> list:
    if select:
        chosen = [r for r in rules if _matches_any(r, select)]
    else:
        chosen = [r for r in rules if r.default_enabled]
    if extend_select:
        chosen_ids = _ids(chosen)
        chosen += [r for r in rules if id(r) not in chosen_ids and _matches_any(r, extend_select)]
    return [r for r in chosen if not _matches_any(r, ignore)] if ignore else chosen


def _ids(rules: list) -> set[int]:
    # Rules are compared by identity: `r in list_of_rules` would call the dataclass
    # __eq__ (every field) against each element, quadratic in the number of rules.
    return {id(r) for r in rules}


def glob_match(path: str, pattern: str) -> bool:
    """Gitignore-like matching of a `/`-separated relative path: `*` and `?` stay within one
    path component, `**` spans components; a pattern without `/` matches a file or directory
    name at any depth; a pattern matching a directory matches everything under it."""
    return _glob_regex(pattern).match(path) is not None


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern:
    pat = pattern.strip().replace(os.sep, "/")
    if pat.startswith("./"):
        pat = pat[2:]
    anchored = "/" in pat.rstrip("/")
    pat = pat.strip("/")
    out, i = [], 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and "]" in pat[i + 1:]:
            j = pat.index("]", i + 1)
            body = pat[i + 1 : j]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"{prefix}{''.join(out)}(?:/.*)?\\Z", re.S)
