"""The configuration file: `.schemalint.yaml` or `[tool.schemalint]` in `pyproject.toml`.

`KEYS` is the single source of truth: the validator below, the JSON Schema shipped as
`schemalint.schema.json`, the reference `docs/configuration.md` and the `init` starter file
are all generated from it. Values are read with their line numbers so that every error names
the file, line and key (with a "did you mean" suggestion), and `schemalint config` can say
where each effective value came from. Precedence: defaults < file < command line.
"""

from __future__ import annotations

import os
import re
import sys

from schemalint.errors import UsageError
from schemalint.lazyre import lazy
from schemalint.records import Frozen, Record

TYPE_CHECKING = False  # not `typing`'s: importing typing costs every start-up ~3 ms
if TYPE_CHECKING:
    from pathlib import Path

CONFIG_NAMES = (".schemalint.yaml", ".schemalint.yml")
PYPROJECT = "pyproject.toml"
BASELINE_NAME = ".schemalint-baseline.json"
SCHEMA_FILE = "schemalint.schema.json"
SCHEMA_ID = "https://github.com/schemalint/schemalint/blob/main/linter/schemalint.schema.json"
SEVERITIES = ("error", "warning", "info")
FAIL_ON = ("error", "warning", "info", "never")


# Plain classes rather than @dataclass, for start-up time (see records.py); the module
# imports no json, pathlib or YAML/TOML parser until a configuration file is read or a
# generated artefact is written.
class Key(Frozen):
    """One configuration key. `kind` selects the validator and the JSON Schema shape.
    Immutable; compared by value."""

    __slots__ = ("name", "kind", "help", "default", "choices", "flag", "keys", "required")

    def __init__(self, name: str, kind: str, help: str, default: object = None,
                 choices: tuple[str, ...] = (), flag: str = "", keys: tuple[Key, ...] = (),
                 required: bool = False) -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "kind", kind)
        set_(self, "help", help)
        set_(self, "default", default)
        set_(self, "choices", choices)
        set_(self, "flag", flag)  # the command-line flag that overrides it
        set_(self, "keys", keys)  # for "section" and "overrides"
        set_(self, "required", required)

OVERRIDE_KEYS = (
    Key("paths", "globs", "Globs (relative to the configuration file) of the files this override "
        "applies to. A glob without `/` matches a name at any depth; a directory matches "
        "everything under it.", required=True),
    Key("select", "selectors", "Rules to enable in these files instead of the top-level selection."),
    Key("extend_select", "selectors", "Rules to enable in these files in addition."),
    Key("ignore", "selectors", "Rules to disable in these files (engine findings such as "
        "`parse-error` included)."),
    Key("severity", "severity-map", "Severity overrides in these files."),
)

REPLAY_KEYS = (
    Key("backend", "string", "Where replay gets its PostgreSQL server (see the replay guide for "
        "the backends this version knows)."),
    Key("pg_bin", "string", "Directory holding `initdb` and `postgres` for a local throwaway server."),
    Key("dsn", "string", "Connection string of an existing server to replay against (a scratch "
        "database is created and dropped)."),
    Key("image", "string", "Container image for a Docker-based server."),
    Key("rows", "rows", "Rows to insert into each table before replaying, so rewrites and scans "
        "take measurable time: a number for every table, or a mapping `{table: rows}` (`schema.table` "
        "outside `public`) whose `\"*\"` entry is the number for the tables it does not name. "
        "`--rows N` replaces the whole setting."),
    Key("probe", "boolean", "Probe each statement's locks from a second session."),
    Key("roundtrip", "boolean", "Apply up, down, up where down migrations exist and compare the "
        "schema."),
    Key("stats", "string", "CSV or JSON file of production row counts (pg_stat_user_tables "
        "export) for runtime estimates at production size."),
    Key("lock_threshold_ms", "integer", "Report statements that hold a conflicting lock longer "
        "than this many milliseconds."),
    Key("statement_timeout_s", "number", "statement_timeout for each replayed statement, in seconds."),
    Key("timeout_s", "number", "Overall time limit for a replay run, in seconds."),
)

KEYS: tuple[Key, ...] = (
    Key("paths", "paths", "Migration files or directories to check when the command line names "
        "none; relative to the configuration file. When the command line names files inside "
        "them (as the pre-commit hook does), the whole history under these paths is still "
        "folded into the schema model but only the named files are reported.",
        default=[], flag="PATH arguments"),
    Key("include", "globs", "Only files matching one of these globs (relative to the "
        "configuration file) are migrations. Empty: every `*.sql`, `*.psql`, `*.pgsql` file.",
        default=[]),
    Key("exclude", "globs", "Files matching these globs are not migrations (not checked, not "
        "folded), even when named on the command line.", default=[]),
    Key("layout", "layout", "The migration framework layout that decides file order, up/down "
        "sections and implicit transactions; `auto` detects it. A mapping "
        "`{directory: layout}` (directories relative to the configuration file) sets it per "
        "directory in a repository that mixes frameworks.", default="auto"),
    Key("placeholders", "string-map", "Values for Flyway `${name}` / psql `:name` placeholders.",
        default={}),
    Key("pg_version", "version", "The PostgreSQL version the migrations run on (`15`, `14.2`). "
        "Quote a minor version in YAML (`'14.10'`).", default="15", flag="--pg-version"),
    Key("assume_in_transaction", "boolean", "Each migration file runs inside a transaction, as most "
        "frameworks do.", default=False, flag="--assume-in-transaction"),
    Key("select", "selectors", "Rules to enable instead of the defaults, by code (`SL101`), name, "
        "code prefix (`SL1`) or category (`locking`); `ALL` enables opt-in rules too.",
        default=[], flag="--select"),
    Key("extend_select", "selectors", "Rules to enable in addition to the selection.", default=[],
        flag="--extend-select (added to the file's)"),
    Key("ignore", "selectors", "Rules to disable. Engine findings (9xx, e.g. `unused-ignore`) "
        "can be disabled here too.", default=[], flag="--ignore (added to the file's)"),
    Key("severity", "severity-map", "Severity per rule: `{rule or selector: error|warning|info}`; "
        "later entries win.", default={}),
    Key("rules", "rule-options", "Rule options: `{rule-name: {option: value}}`. Each rule's page "
        "lists its options; types are checked against the defaults.", default={}),
    Key("overrides", "overrides", "Per-path settings, applied in order after the top-level ones.",
        default=[], keys=OVERRIDE_KEYS),
    Key("fail_on", "enum", "Lowest severity that makes `check` exit with 1.", default="error",
        choices=FAIL_ON, flag="--fail-on"),
    Key("require_reason", "boolean", "Suppression comments must give a reason after the rule list "
        "(`ignore-without-reason` otherwise).", default=False),
    Key("baseline", "string", "The baseline file, relative to the configuration file. It is used "
        "when it exists.", default=BASELINE_NAME, flag="--baseline"),
    Key("replay", "section", "Settings of `schemalint replay` (unset: the replay command's "
        "defaults).", default={}, keys=REPLAY_KEYS),
)
KEY_BY_NAME = {k.name: k for k in KEYS}


# --- reading files with line numbers --------------------------------------------------------


class Val(Record):
    """A value read from a configuration file and the line it came from (1-based)."""

    __slots__ = ("value", "line")

    def __init__(self, value: object, line: int) -> None:
        self.value = value  # a scalar, list[Val] or dict[str, Val]
        self.line = line

class ConfigError(UsageError):
    pass


def _yaml_tree(text: str, display: str) -> Val | None:
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _from_node(loader, node, display)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{display}:{mark.line + 1}:{mark.column + 1}" if mark else display
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{display}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _from_node(loader, node, display: str) -> Val:
    import yaml

    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Val] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise ConfigError(f"{display}:{key_node.start_mark.line + 1}: {key}: duplicate key")
            child = _from_node(loader, value_node, display)
            child.line = key_node.start_mark.line + 1  # errors point at the key
            out[key] = child
        return Val(out, line)
    if isinstance(node, yaml.SequenceNode):
        return Val([_from_node(loader, n, display) for n in node.value], line)
    if node.tag == "tag:yaml.org,2002:float":
        return Val(_RawNumber(node.value), line)  # keep '14.10' as written
    return Val(loader.construct_object(node, deep=True), line)


class _RawNumber(float):
    """A YAML float that remembers how it was written (`pg_version: 14.10` is 14.10, not 14.1)."""

    def __new__(cls, text: str):
        try:
            obj = super().__new__(cls, float(text))
        except ValueError:  # .inf, .nan
            obj = super().__new__(cls, float("nan"))
        obj.text = text
        return obj


def _toml_load(text: str, display: str) -> dict | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    if not isinstance(tool, dict) or "schemalint" not in tool:
        return None
    return tool["schemalint"]


_TOML_KEY = lazy(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_TOML_HEADER = lazy(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")


def _toml_parts(dotted: str) -> tuple[str, ...]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[A-Za-z0-9_-]+', dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def _toml_lines(text: str) -> dict[tuple, int]:
    """Best-effort line of every key path (tomllib gives no positions). Paths are relative
    to [tool.schemalint]; array-of-tables entries are numbered."""
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    current: tuple = ()
    for lineno, line in enumerate(text.splitlines(), 1):
        h = _TOML_HEADER().match(line)
        if h:
            parts = _toml_parts(h.group(2))
            if h.group(1) == "[[":
                counts[parts] = counts.get(parts, -1) + 1
                parts = (*parts, counts[parts])
            current = parts
            lines.setdefault(current, lineno)
            continue
        k = _TOML_KEY().match(line)
        if k:
            lines.setdefault((*current, *_toml_parts(k.group(1))), lineno)
    prefix = ("tool", "schemalint")
    return {p[2:]: n for p, n in lines.items() if p[:2] == prefix}


def _toml_tree(value, path: tuple, lines: dict[tuple, int], default_line: int) -> Val:
    line = lines.get(path, default_line)
    if isinstance(value, dict):
        return Val({k: _toml_tree(v, (*path, k), lines, line) for k, v in value.items()}, line)
    if isinstance(value, list):
        return Val([_toml_tree(v, (*path, i), lines, line) for i, v in enumerate(value)], line)
    return Val(value, line)


# --- validation --------------------------------------------------------------------------------


class FileSettings(Record):
    """A validated configuration file."""

    _fields = ("path", "values", "lines")

    def __init__(self, path: str, values: dict[str, object] | None = None,
                 lines: dict[str, int] | None = None) -> None:
        self.path = path
        self.values = {} if values is None else values
        self.lines = {} if lines is None else lines

    @property
    def root(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))


class _Errors:
    def __init__(self, display: str) -> None:
        self.display = display
        self.items: list[tuple[int, str]] = []

    def add(self, val_or_line, key: str, message: str) -> None:
        line = val_or_line.line if isinstance(val_or_line, Val) else val_or_line
        self.items.append((line, f"{self.display}:{line}: {key}: {message}"))

    def raise_if_any(self) -> None:
        if self.items:
            self.items.sort(key=lambda i: i[0])
            raise ConfigError("invalid configuration\n" + "\n".join(m for _, m in self.items))


def _did_you_mean(word: str, options) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _scalar_text(value) -> str:
    return value.text if isinstance(value, _RawNumber) else str(value)


def _got(value) -> str:
    """A wrong value for a message: `'warn'`, or `a list` for a container."""
    if isinstance(value, (list, dict)) or value is None:
        return _type_name(value)
    return repr(_scalar_text(value))


class _Validator:
    def __init__(self, errors: _Errors) -> None:
        self.errors = errors
        from schemalint.check.catalog import catalog

        self.rules = catalog()
        self.rule_words = [r.name for r in self.rules] + [r.code for r in self.rules]

    def section(self, tree: Val, keys: tuple[Key, ...], where: str) -> dict:
        if not isinstance(tree.value, dict):
            self.errors.add(tree, where or "configuration", f"expected a mapping, got {_type_name(tree.value)}")
            return {}
        by_name = {k.name: k for k in keys}
        out: dict[str, object] = {}
        for name, val in tree.value.items():
            full = f"{where}.{name}" if where else name
            key = by_name.get(name)
            if key is None:
                self.errors.add(val, full, "unknown key" + _did_you_mean(name, by_name))
                continue
            ok, value = self.value(key, val, full)
            if ok:
                out[name] = value
        for key in keys:
            if key.required and key.name not in tree.value:
                self.errors.add(tree, where, f"missing required key {key.name!r}")
        return out

    def value(self, key: Key, val: Val, where: str) -> tuple[bool, object]:
        v = val.value
        kind = key.kind
        before = len(self.errors.items)
        result: object = None
        if v is None and kind not in ("section", "overrides"):
            self.errors.add(val, where, "no value given")
            return False, None
        if kind == "string":
            if isinstance(v, str):
                result = v
            else:
                self.errors.add(val, where, f"expected a string, got {_type_name(v)}")
        elif kind == "boolean":
            if isinstance(v, bool):
                result = v
            else:
                self.errors.add(val, where, f"expected true or false, got {_type_name(v)}")
        elif kind == "integer":
            if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                result = v
            else:
                self.errors.add(val, where, f"expected a whole number >= 0, got {_got(v)}")
        elif kind == "rows":
            # A count for every table, or {table: count} with "*" for the others.
            if isinstance(v, dict):
                result = {}
                for name, item in v.items():
                    n = item.value
                    if isinstance(n, int) and not isinstance(n, bool) and n >= 0:
                        result[name] = n
                    else:
                        self.errors.add(item, f"{where}.{name}", f"expected a whole number >= 0, got {_got(n)}")
            elif isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                result = v
            else:
                self.errors.add(val, where, "expected a whole number >= 0 or a mapping of table to "
                                f"rows, got {_got(v)}")
        elif kind == "number":
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
                result = float(v)
            else:
                self.errors.add(val, where, f"expected a number >= 0, got {_got(v)}")
        elif kind == "enum":
            if isinstance(v, str) and v in key.choices:
                result = v
            else:
                self.errors.add(val, where, f"expected one of {', '.join(key.choices)}, got "
                                f"{_got(v)}" + _did_you_mean(_scalar_text(v), key.choices))
        elif kind == "version":
            from schemalint.config.settings import parse_pg_version

            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                self.errors.add(val, where, f"expected a version such as 15 or '14.2', got {_type_name(v)}")
            else:
                try:
                    result = parse_pg_version(_scalar_text(v))
                except ValueError as exc:
                    self.errors.add(val, where, str(exc))
        elif kind == "layout":
            from schemalint.discover.layouts import layout_names

            known = layout_names()
            # A layout name, or {directory: layout name} for repositories that mix frameworks.
            pairs = [(d, item, item.value) for d, item in v.items()] if isinstance(v, dict) else [(None, val, v)]
            result = {} if isinstance(v, dict) else None
            for directory, node, name in pairs:
                at = where if directory is None else f"{where}.{directory}"
                if isinstance(name, str) and name in known:
                    if directory is None:
                        result = name
                    else:
                        result[str(directory)] = name
                else:
                    self.errors.add(node, at, f"unknown layout {_got(name)} (known: "
                                    f"{', '.join(known)})" + _did_you_mean(_scalar_text(name), known))
        elif kind in ("paths", "globs", "selectors"):
            result = self.strings(val, where, split=kind == "selectors")
            if result is not None and kind == "selectors":
                for item, token in result:
                    self.selector(item, token, where)
                result = [t for _, t in result]
            elif result is not None:
                result = [t for _, t in result]
        elif kind == "string-map":
            if isinstance(v, dict):
                result = {}
                for name, item in v.items():
                    if isinstance(item.value, (str, int, float)) and not isinstance(item.value, bool):
                        result[name] = _scalar_text(item.value)
                    else:
                        self.errors.add(item, f"{where}.{name}", f"expected a string, got {_type_name(item.value)}")
            else:
                self.errors.add(val, where, f"expected a mapping, got {_type_name(v)}")
        elif kind == "severity-map":
            result = self.severity_map(val, where)
        elif kind == "rule-options":
            result = self.rule_options(val, where)
        elif kind == "section":
            result = self.section(val, key.keys, where)
        elif kind == "overrides":
            if isinstance(v, list):
                result = [self.section(item, key.keys, f"{where}[{i}]") for i, item in enumerate(v)]
            else:
                self.errors.add(val, where, f"expected a list of mappings, got {_type_name(v)}")
        else:  # pragma: no cover - a KEYS entry with a kind nobody handles
            raise AssertionError(kind)
        return len(self.errors.items) == before, result

    def strings(self, val: Val, where: str, split: bool) -> list[tuple[Val, str]] | None:
        v = val.value
        items = [val] if isinstance(v, str) else v if isinstance(v, list) else None
        if items is None:
            self.errors.add(val, where, f"expected a list of strings, got {_type_name(v)}")
            return None
        out = []
        for item in items:
            if not isinstance(item.value, str):
                self.errors.add(item, where, f"expected a string, got {_type_name(item.value)}")
                continue
            parts = item.value.split(",") if split else [item.value]
            out += [(item, p.strip()) for p in parts if p.strip()]
        return out

    def selector(self, item: Val, token: str, where: str) -> None:
        from schemalint.config.settings import selector_matches

        if not any(selector_matches(r, token) for r in self.rules):
            self.errors.add(item, where, f"unknown rule {token!r}" + _did_you_mean(token, self.rule_words))

    def severity_map(self, val: Val, where: str) -> dict | None:
        from schemalint.config.settings import selector_matches
        from schemalint.diagnostics import Severity

        if not isinstance(val.value, dict):
            self.errors.add(val, where, f"expected a mapping of rule to severity, got {_type_name(val.value)}")
            return None
        out: dict[str, Severity] = {}
        for token, item in val.value.items():
            full = f"{where}.{token}"
            matched = [r for r in self.rules if selector_matches(r, token)]
            if not matched:
                self.errors.add(item, full, f"unknown rule {token!r}" + _did_you_mean(token, self.rule_words))
                continue
            if not isinstance(item.value, str) or item.value not in SEVERITIES:
                text = _scalar_text(item.value)
                self.errors.add(item, full, f"expected error, warning or info, got {_got(item.value)}"
                                + _did_you_mean(text, SEVERITIES))
                continue
            for rule in matched:  # later entries win
                out[rule.name] = Severity.parse(item.value)
        return out

    def rule_options(self, val: Val, where: str) -> dict | None:
        if not isinstance(val.value, dict):
            self.errors.add(val, where, f"expected a mapping of rule name to options, got {_type_name(val.value)}")
            return None
        by_name = {r.name: r for r in self.rules}
        out: dict[str, dict] = {}
        for name, item in val.value.items():
            full = f"{where}.{name}"
            rule = by_name.get(name)
            if rule is None:
                self.errors.add(item, full, "unknown rule" + _did_you_mean(name, by_name))
                continue
            if not rule.options:
                self.errors.add(item, full, "this rule has no options")
                continue
            if not isinstance(item.value, dict):
                self.errors.add(item, full, f"expected a mapping of options, got {_type_name(item.value)}")
                continue
            opts = {}
            for opt, oval in item.value.items():
                if opt not in rule.options:
                    self.errors.add(oval, f"{full}.{opt}", "unknown option"
                                    + _did_you_mean(opt, rule.options) + f"; options: {', '.join(rule.options)}")
                    continue
                ok, value = _check_option(rule.options[opt], oval.value)
                if ok:
                    opts[opt] = value
                else:
                    self.errors.add(oval, f"{full}.{opt}", f"expected {_option_type(rule.options[opt])}, "
                                    f"got {_type_name(oval.value)}")
            out[name] = opts
        return out


def _option_type(default) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
            list: "a list", tuple: "a list"}.get(type(default), "a value")


def _check_option(default, value) -> tuple[bool, object]:
    if isinstance(default, bool):
        return isinstance(value, bool), value
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool), value
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool), value
    if isinstance(default, str):
        return isinstance(value, str), value
    if isinstance(default, (list, tuple)):
        ok = isinstance(value, list) and all(isinstance(i.value, str) for i in value)
        return ok, tuple(i.value for i in value) if ok else None
    return True, value


def load_file(path: str) -> FileSettings:
    """Read and validate one configuration file (YAML, or a pyproject.toml)."""
    display = _display(path)
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {display}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{display}: the configuration file is not valid UTF-8") from None
    if os.path.basename(path) == PYPROJECT or path.endswith(".toml"):
        data = _toml_load(text, display)
        if data is None:
            raise ConfigError(f"{display}: has no [tool.schemalint] table")
        lines = _toml_lines(text)
        header = lines.get((), 1)
        tree = _toml_tree(data, (), lines, header)
    else:
        tree = _yaml_tree(text, display) or Val({}, 1)
    errors = _Errors(display)
    values = _Validator(errors).section(tree, KEYS, "")
    errors.raise_if_any()
    assert isinstance(tree.value, dict)
    return FileSettings(path, values, {k: v.line for k, v in tree.value.items()})


def find_config(start: str | None = None) -> str | None:
    """The nearest `.schemalint.yaml` (or a pyproject.toml with [tool.schemalint]) in
    `start` or a parent directory."""
    directory = os.path.realpath(start or os.getcwd())
    while True:
        for name in CONFIG_NAMES:
            if os.path.isfile(os.path.join(directory, name)):
                return os.path.join(directory, name)
        pyproject = os.path.join(directory, PYPROJECT)
        if os.path.isfile(pyproject):
            try:
                with open(pyproject, encoding="utf-8-sig") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError):
                text = ""
            if "schemalint" in text and re.search(r"^\s*\[+\s*tool\.schemalint\b", text, re.M):
                return pyproject
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return None


def _display(path: str) -> str:
    """Relative to the working directory when the file is in it, below it or in one of its
    parents (`../../.schemalint.yaml` from a subdirectory); absolute otherwise."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    parts = rel.replace(os.sep, "/").split("/")
    return rel if all(p == ".." for p in parts[:-1]) or ".." not in parts else os.path.abspath(path)


# --- effective configuration -------------------------------------------------------------------


class Resolved(Record):
    """The effective configuration and where each value came from."""

    _fields = ("config", "file", "sources", "baseline", "baseline_explicit")

    def __init__(self, config: object, file: str | None, sources: dict[str, str],
                 baseline: str | None, baseline_explicit: bool = False) -> None:
        self.config = config  # LintConfig
        self.file = file
        self.sources = sources
        self.baseline = baseline  # the baseline file's path (it may not exist)
        self.baseline_explicit = baseline_explicit

def add_arguments(p) -> None:
    """The configuration flags `check`, `baseline` and `config` share."""
    g = p.add_argument_group("configuration")
    g.add_argument("--config", metavar="PATH", default=None,
                   help="the configuration file (default: the nearest .schemalint.yaml or "
                        "pyproject.toml with [tool.schemalint], from the working directory up)")
    g.add_argument("--no-config", action="store_true", help="ignore configuration files")


def resolve(args) -> Resolved:
    """Defaults, then the configuration file, then command-line flags."""
    from schemalint.check.catalog import validate_selectors
    from schemalint.config.settings import LintConfig, PathOverride, parse_pg_version

    explicit = getattr(args, "config", None)
    if getattr(args, "no_config", False):
        path = None
    elif explicit:
        if not os.path.isfile(explicit):
            raise ConfigError(f"--config: no such file: {explicit}")
        path = explicit
    else:
        path = find_config()
    settings = load_file(path) if path else FileSettings("")
    config = LintConfig()
    sources = {k.name: "default" for k in KEYS}
    if path:
        config.root = settings.root
        shown = _display(path)
        for name in settings.values:
            sources[name] = f"{shown}:{settings.lines[name]}"
    v = settings.values
    if "pg_version" in v:
        config.pg_version = v["pg_version"]
    for name in ("assume_in_transaction", "fail_on", "layout", "require_reason"):
        if name in v:
            setattr(config, name, v[name])
    for name in ("paths", "include", "exclude", "select", "extend_select", "ignore"):
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
    flag = getattr(args, "pg_version", None)
    if flag is not None:
        try:
            config.pg_version = parse_pg_version(flag)
        except ValueError as exc:
            raise UsageError(f"--pg-version: {exc}") from None
        sources["pg_version"] = "--pg-version"
    if getattr(args, "assume_in_transaction", None):
        config.assume_in_transaction = True
        sources["assume_in_transaction"] = "--assume-in-transaction"
    for name in ("select", "extend_select", "ignore"):
        values = _split(getattr(args, name, None))
        if values:
            option = f"--{name.replace('_', '-')}"
            validate_selectors(values, option)
            if name == "select":
                config.select = values
                sources[name] = option
            else:
                setattr(config, name, tuple(getattr(config, name)) + values)
                sources[name] = option if sources[name] == "default" else f"{sources[name]} + {option}"
    if getattr(args, "fail_on", None):
        config.fail_on = args.fail_on
        sources["fail_on"] = "--fail-on"
    if getattr(args, "layout", None):
        config.layout = args.layout
        sources["layout"] = "--layout"
    if getattr(args, "paths", None):
        sources["paths"] = "command line"

    baseline_flag = getattr(args, "baseline", None)
    if getattr(args, "no_baseline", False):
        baseline, explicit_baseline = None, False
        sources["baseline"] = "--no-baseline"
    elif baseline_flag:
        baseline, explicit_baseline = baseline_flag, True
        sources["baseline"] = "--baseline"
    else:
        name = v.get("baseline", BASELINE_NAME)
        baseline = os.path.join(settings.root if path else os.getcwd(), name)
        explicit_baseline = False
    return Resolved(config, path, sources, baseline, explicit_baseline)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in value.split(",") if s.strip()) if value else ()


def effective_values(resolved: Resolved) -> dict[str, object]:
    """The effective value of every top-level key, as it would be written in the file."""
    from schemalint.config.settings import format_pg_version

    c = resolved.config
    return {
        "paths": list(c.paths),
        "include": list(c.include),
        "exclude": list(c.exclude),
        "layout": c.layout,
        "placeholders": dict(c.placeholders),
        "pg_version": format_pg_version(c.pg_version),
        "assume_in_transaction": c.assume_in_transaction,
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
        "baseline": _display(resolved.baseline) if resolved.baseline else None,
        "replay": dict(c.replay),
    }


# --- generated artefacts: JSON Schema, reference page, starter file -----------------------------


def _json_type(default) -> dict:
    if isinstance(default, bool):
        return {"type": "boolean"}
    if isinstance(default, int):
        return {"type": "integer"}
    if isinstance(default, float):
        return {"type": "number"}
    if isinstance(default, (list, tuple)):
        return {"type": "array", "items": {"type": "string"}}
    return {"type": "string"}


def _schema_for(key: Key, rules) -> dict:
    strings = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    kind = key.kind
    if kind == "string":
        s: dict = {"type": "string"}
    elif kind == "boolean":
        s = {"type": "boolean"}
    elif kind == "integer":
        s = {"type": "integer", "minimum": 0}
    elif kind == "rows":
        count = {"type": "integer", "minimum": 0}
        s = {"oneOf": [count, {"type": "object", "additionalProperties": count}]}
    elif kind == "number":
        s = {"type": "number", "minimum": 0}
    elif kind == "enum":
        s = {"enum": list(key.choices)}
    elif kind == "version":
        s = {"type": ["string", "number"], "pattern": r"^[0-9]+(\.[0-9]+)?$"}
    elif kind == "layout":
        from schemalint.discover.layouts import layout_names

        names = {"enum": list(layout_names())}
        s = {"oneOf": [names, {"type": "object", "additionalProperties": names}]}
    elif kind in ("paths", "globs"):
        s = dict(strings)
    elif kind == "selectors":
        s = dict(strings)
    elif kind == "string-map":
        s = {"type": "object", "additionalProperties": {"type": ["string", "number"]}}
    elif kind == "severity-map":
        s = {"type": "object", "additionalProperties": {"enum": list(SEVERITIES)}}
    elif kind == "rule-options":
        props = {}
        for r in rules:
            if r.options:
                props[r.name] = {
                    "type": "object", "description": r.summary, "additionalProperties": False,
                    "properties": {o: {**_json_type(d), "default": list(d) if isinstance(d, tuple) else d}
                                   for o, d in r.options.items()},
                }
        s = {"type": "object", "additionalProperties": False, "properties": props}
    elif kind == "section":
        s = _object_schema(key.keys, rules)
    elif kind == "overrides":
        s = {"type": "array", "items": _object_schema(key.keys, rules)}
    else:  # pragma: no cover
        raise AssertionError(kind)
    s["description"] = key.help
    if key.default not in (None, [], {}):
        s["default"] = key.default
    return s


def _object_schema(keys: tuple[Key, ...], rules) -> dict:
    out: dict = {"type": "object", "additionalProperties": False,
                 "properties": {k.name: _schema_for(k, rules) for k in keys}}
    required = [k.name for k in keys if k.required]
    if required:
        out["required"] = required
    return out


def json_schema() -> dict:
    from schemalint.check.catalog import catalog

    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "schemalint configuration",
        "description": "`.schemalint.yaml`, or the [tool.schemalint] table of pyproject.toml. "
                       "Generated from schemalint's configuration spec; do not edit.",
    }
    schema.update(_object_schema(KEYS, catalog()))
    return schema


_KIND_TEXT = {
    "string": "string", "boolean": "boolean", "integer": "integer", "number": "number",
    "rows": "integer, or mapping of table to integer",
    "enum": "one of {choices}", "version": "version", "layout": "layout name",
    "paths": "list of paths", "globs": "list of globs", "selectors": "list of rule selectors",
    "string-map": "mapping of name to string", "severity-map": "mapping of rule to severity",
    "rule-options": "mapping of rule to options", "section": "mapping",
    "overrides": "list of mappings",
}


def _kind_text(key: Key) -> str:
    return _KIND_TEXT[key.kind].format(choices=", ".join(f"`{c}`" for c in key.choices))


def _default_text(key: Key) -> str:
    import json

    if key.default is None:
        return "—"
    return f"`{json.dumps(key.default)}`"


def _key_table(keys: tuple[Key, ...]) -> list[str]:
    rows = ["| key | type | default | command line | meaning |", "|---|---|---|---|---|"]
    for k in keys:
        meaning = k.help.replace("|", "\\|") + (" Required." if k.required else "")
        rows.append(f"| `{k.name}` | {_kind_text(k)} | {_default_text(k)} | "
                    f"{('`' + k.flag + '`') if k.flag.startswith('--') else (k.flag or '—')} | {meaning} |")
    return rows


EXAMPLE = """\
paths: [db/migrations]
exclude: ["db/migrations/seeds/**"]
pg_version: "14"
assume_in_transaction: true
extend_select: [SL3]
ignore: [sequential-primary-key]
severity:
  drop-index-non-concurrently: error
rules:
  table-without-timestamps: {created_column: inserted_at, updated_column: updated_at}
overrides:
  - paths: ["db/migrations/2019*", "db/migrations/legacy"]
    ignore: [schema]
    severity: {locking: warning}
fail_on: warning
require_reason: true
replay:
  rows: 10000
  lock_threshold_ms: 200
"""

EXAMPLE_TOML = """\
[tool.schemalint]
paths = ["db/migrations"]
pg_version = "14"
ignore = ["sequential-primary-key"]
fail_on = "warning"

[tool.schemalint.rules.table-without-timestamps]
created_column = "inserted_at"

[[tool.schemalint.overrides]]
paths = ["db/migrations/legacy"]
ignore = ["schema"]
"""


def reference_page() -> str:
    import json

    from schemalint.check.catalog import catalog

    lines = [
        "# Configuration reference",
        "",
        "<!-- generated by `python -m schemalint.docs.generate` from linter/config/file.py; do not edit -->",
        "",
        "schemalint reads `.schemalint.yaml` (or `.schemalint.yml`), or the `[tool.schemalint]` "
        "table of `pyproject.toml`, from the working directory or the nearest parent directory "
        "that has one; `--config PATH` names a file and `--no-config` ignores them. Relative paths "
        "and globs in the file are relative to the file's directory. Command-line flags override "
        "the file. `schemalint config` prints the effective configuration and where each value "
        "came from. See the [configuration guide](configuring.md) for worked examples.",
        "",
        f"Editors can complete and check the file with the JSON Schema `linter/{SCHEMA_FILE}` "
        "(for the YAML language server, first line "
        f"`# yaml-language-server: $schema={SCHEMA_ID.replace('/blob/', '/raw/')}`).",
        "",
        "Unknown keys, unknown rule names and values of the wrong type are errors naming the file, "
        "line and key (exit code 2).",
        "",
        "## Keys",
        "",
        *_key_table(KEYS),
        "",
        "Rule selectors are a rule code (`SL101`), a rule name (`create-index-non-concurrently`), "
        "a code prefix (`SL1`), a category (`locking`, `breaking`, `schema`, `types`, "
        "`transactions`, `timeouts`, `engine`) or `ALL`.",
        "",
    ]
    for key in KEYS:
        if key.keys:
            lines += [f"## `{key.name}`", "", key.help, "", *_key_table(key.keys), ""]
    lines += ["## Example", "", "```yaml title=.schemalint.yaml", EXAMPLE.rstrip(), "```", "",
              "The same in `pyproject.toml`:", "", "```toml title=pyproject.toml",
              EXAMPLE_TOML.rstrip(), "```", ""]
    lines += ["## Rule options", "", "Set under `rules:`; the type of each option is that of its default.", "",
              "| rule | option | default |", "|---|---|---|"]
    for r in catalog():
        for opt, default in r.options.items():
            shown = list(default) if isinstance(default, tuple) else default
            lines.append(f"| [{r.name}](rules/{r.name}.md) | `{opt}` | `{json.dumps(shown)}` |")
    lines.append("")
    return "\n".join(lines)


def generated_files(root: Path) -> dict[Path, str]:
    """Files `python -m schemalint.docs.generate` writes and the staleness test checks."""
    import json

    return {
        root / "docs" / "configuration.md": reference_page(),
        root / "linter" / SCHEMA_FILE: json.dumps(json_schema(), indent=2) + "\n",
    }


def starter_file(paths: list[str]) -> str:
    """The commented `.schemalint.yaml` that `schemalint init` writes."""
    import json

    from schemalint import __version__

    def flow(value) -> str:
        return json.dumps(value)

    out = [
        f"# schemalint {__version__} configuration. Reference: docs/configuration.md",
        f"# yaml-language-server: $schema={SCHEMA_ID.replace('/blob/', '/raw/')}",
        "",
        f"paths: {flow(paths)}",
        f"pg_version: {flow(KEY_BY_NAME['pg_version'].default)}",
        "assume_in_transaction: false",
        "fail_on: error",
        "",
        "# select: [ALL]                 # opt-in rules too",
        "# ignore: [sequential-primary-key]",
        "# severity:",
        "#   foreign-key-without-index: error",
        "# rules:",
        "#   table-without-timestamps: {created_column: created_at, updated_column: updated_at}",
        "# overrides:",
        "#   - paths: [\"legacy/**\"]",
        "#     ignore: [ALL]",
        "# require_reason: true           # suppression comments must say why",
        "",
    ]
    return "\n".join(out)

