"""Validating a configuration file against `KEYS`: every error names the file, line and key,
with a "did you mean" suggestion when a name is close to a known one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from schemalint.config.keys import KEYS, PYPROJECT, SEVERITIES, Key
from schemalint.config.reader import (
    ConfigError,
    FileSettings,
    Val,
    display_path,
    scalar_text,
    toml_lines,
    toml_load,
    toml_tree,
    yaml_tree,
)
from schemalint.config.settings import parse_pg_version, selector_matches
from schemalint.diagnostics import Severity
from schemalint.errors import UsageError


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
    import difflib  # only after a typo: not worth its import at every start-up

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




def _got(value) -> str:
    """A wrong value for a message: `'warn'`, or `a list` for a container."""
    if isinstance(value, (list, dict)) or value is None:
        return _type_name(value)
    return repr(scalar_text(value))


class Vocabulary:
    """What a configuration file may name: every rule (for selectors, severities and rule
    options) and every layout. The command line gives the functions that list them (the rule
    catalog and the layouts sit above configuration in the pipeline); each is called on
    first use only."""

    __slots__ = ("_layouts", "_list_layouts", "_list_rules", "_rules")

    def __init__(self, rules: Callable[[], Iterable] = tuple,
                 layouts: Callable[[], Iterable[str]] = tuple) -> None:
        self._list_rules, self._list_layouts = rules, layouts
        self._rules: tuple | None = None
        self._layouts: tuple[str, ...] | None = None

    @property
    def rules(self) -> tuple:
        if self._rules is None:
            self._rules = tuple(self._list_rules())
        return self._rules

    @property
    def layouts(self) -> tuple[str, ...]:
        if self._layouts is None:
            self._layouts = tuple(self._list_layouts())
        return self._layouts


class _Validator:
    def __init__(self, errors: _Errors, vocabulary: Vocabulary) -> None:
        self.errors = errors
        self.vocabulary = vocabulary

    @property
    def rules(self) -> tuple:
        return self.vocabulary.rules

    @property
    def layouts(self) -> tuple[str, ...]:
        return self.vocabulary.layouts

    @property
    def rule_words(self) -> list[str]:
        return [r.name for r in self.rules] + [r.code for r in self.rules]

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
                                f"{_got(v)}" + _did_you_mean(scalar_text(v), key.choices))
        elif kind == "version":
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                self.errors.add(val, where, f"expected a version such as 15 or '14.2', got {_type_name(v)}")
            else:
                try:
                    result = parse_pg_version(scalar_text(v))
                except ValueError as exc:
                    self.errors.add(val, where, str(exc))
        elif kind == "layout":
            known = self.layouts
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
                                    f"{', '.join(known)})" + _did_you_mean(scalar_text(name), known))
        elif kind in ("paths", "globs", "selectors", "names"):
            result = self.strings(val, where, split=kind == "selectors")
            if result is not None and kind == "selectors":
                for item, token in result:
                    self.selector(item, token, where)
                result = [t for _, t in result]
            elif result is not None:
                result = [t for _, t in result]
        elif kind == "extensions":
            result = self.strings(val, where, split=False)
            if result is not None:
                for item, name in result:
                    if name not in key.choices:
                        self.errors.add(item, where, f"unknown extension {name!r} (known: "
                                        f"{', '.join(key.choices)})" + _did_you_mean(name, key.choices))
                result = [name for _, name in result]
        elif kind == "string-map":
            if isinstance(v, dict):
                result = {}
                for name, item in v.items():
                    if isinstance(item.value, (str, int, float)) and not isinstance(item.value, bool):
                        result[name] = scalar_text(item.value)
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
        if not any(selector_matches(r, token) for r in self.rules):
            self.errors.add(item, where, f"unknown rule {token!r}" + _did_you_mean(token, self.rule_words))

    def severity_map(self, val: Val, where: str) -> dict | None:
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
                text = scalar_text(item.value)
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


def load_file(path: str, vocabulary: Vocabulary) -> FileSettings:
    """Read and validate one configuration file (YAML, or a pyproject.toml)."""
    display = display_path(path)
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {display}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{display}: the configuration file is not valid UTF-8") from None
    if os.path.basename(path) == PYPROJECT or path.endswith(".toml"):
        data = toml_load(text, display)
        if data is None:
            raise ConfigError(f"{display}: has no [tool.schemalint] table")
        lines = toml_lines(text)
        header = lines.get((), 1)
        tree = toml_tree(data, (), lines, header)
    else:
        tree = yaml_tree(text, display) or Val({}, 1)
    errors = _Errors(display)
    values = _Validator(errors, vocabulary).section(tree, KEYS, "")
    errors.raise_if_any()
    assert isinstance(tree.value, dict)
    return FileSettings(path, values, {k: v.line for k, v in tree.value.items()})



def validate_selectors(values, where: str, vocabulary: Vocabulary) -> None:
    """Command-line selectors (`--select`, `--ignore`...): each must name a rule."""
    rules = vocabulary.rules
    words = [r.name for r in rules] + [r.code for r in rules]
    for token in values:
        if not any(selector_matches(r, token) for r in rules):
            raise UsageError(f"{where}: unknown rule {token!r}" + _did_you_mean(token, words))
