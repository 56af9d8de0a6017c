"""Reading a configuration file with the line of every value, so that every error names
the file, line and key, and `schemalint config` can say where each value came from. The YAML
and TOML parsers are imported only when a file is read."""

from __future__ import annotations

import os
import re
import sys

from schemalint.config.keys import CONFIG_NAMES, PYPROJECT
from schemalint.errors import UsageError
from schemalint.lazyre import lazy
from schemalint.records import Record


class Val(Record):
    """A value read from a configuration file and the line it came from (1-based)."""

    __slots__ = ("value", "line")

    def __init__(self, value: object, line: int) -> None:
        self.value = value  # a scalar, list[Val] or dict[str, Val]
        self.line = line

class ConfigError(UsageError):
    pass


def yaml_tree(text: str, display: str) -> Val | None:
    import yaml  # the parsers load only when a file is read (see the module docstring)

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
    import yaml  # see yaml_tree

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


def toml_load(text: str, display: str) -> dict | None:
    if sys.version_info >= (3, 11):
        import tomllib  # see yaml_tree
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


def toml_lines(text: str) -> dict[tuple, int]:
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


def toml_tree(value, path: tuple, lines: dict[tuple, int], default_line: int) -> Val:
    line = lines.get(path, default_line)
    if isinstance(value, dict):
        return Val({k: toml_tree(v, (*path, k), lines, line) for k, v in value.items()}, line)
    if isinstance(value, list):
        return Val([toml_tree(v, (*path, i), lines, line) for i, v in enumerate(value)], line)
    return Val(value, line)



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


def display_path(path: str) -> str:
    """Relative to the working directory when the file is in it, below it or in one of its
    parents (`../../.schemalint.yaml` from a subdirectory); absolute otherwise."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    parts = rel.replace(os.sep, "/").split("/")
    return rel if all(p == ".." for p in parts[:-1]) or ".." not in parts else os.path.abspath(path)



def scalar_text(value) -> str:
    """A scalar as written in the file (`pg_version: 14.10` stays "14.10")."""
    return value.text if isinstance(value, _RawNumber) else str(value)
