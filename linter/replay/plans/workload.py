"""The workload: `.sql` files of the application's queries, one query per statement, read
before any server starts so that a bad file is a usage error at its file:line:col.

A query may use parameters `$1`, `$2`, ...; their sample values come from a comment above
it, `-- params: 42, 'open', null`, or from the configuration's `query_params`, keyed by the
query's name (`-- name: find_orders`, as sqlc writes it) or by `path:line`. A query with
parameters and no sample values is planned generically (`plan_cache_mode =
force_generic_plan`), as a prepared statement the application reuses would be."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from schemalint.discover.source import Migration
from schemalint.errors import UsageError
from schemalint.parse.names import nodes_of
from schemalint.parse.statements import parse_migration

# What EXPLAIN accepts without running anything else: SELECT (VALUES, TABLE, WITH ...),
# INSERT, UPDATE, DELETE, MERGE (PostgreSQL EXPLAIN page, "statement").
QUERY_KINDS = ("SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")
_NAME = re.compile(r"^\s*--\s*name:\s*([A-Za-z_][\w.-]*)", re.MULTILINE)
_PARAMS = re.compile(r"^\s*--\s*params:(.*)$", re.MULTILINE)
_VALUE = re.compile(r"\s*(?:'((?:[^']|'')*)'|([^,'\s][^,]*?))\s*(?:,|$)")
_MAX_ERRORS = 10


@dataclass
class Query:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int  # character offsets in the file
    end: int
    sql: str
    name: str  # `-- name:`, else path:line
    params: int  # the highest $n
    values: tuple[str | None, ...] | None  # sample values (None: planned generically)
    source: Migration  # the file, for positions
    node: dict  # the parse tree (columns.predicates reads it)

    def to_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "line": self.line, "column": self.column,
                "sql": self.sql, "params": list(self.values) if self.values is not None else None}


def parse_values(text: str) -> tuple[str | None, ...]:
    """`42, 'it''s', null` -> ("42", "it's", None). Raises ValueError naming what is wrong."""
    out: list[str | None] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        m = _VALUE.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot read a value at {text[pos:pos + 20]!r} (write numbers, "
                             "'quoted text' or null, separated by commas)")
        quoted, bare = m.group(1), m.group(2)
        if quoted is not None:
            out.append(quoted.replace("''", "'"))
        else:
            out.append(None if bare.lower() == "null" else bare)
        pos = m.end()
    return tuple(out)


def expand(paths: Iterable[str], root: str | None = None, where: str = "--queries") -> list[str]:
    """Files named, directories (every `.sql` under them) and globs, relative to `root`."""
    out: list[str] = []
    for given in paths:
        path = os.path.join(root, given) if root and not os.path.isabs(given) else given
        if any(c in given for c in "*?["):
            found = sorted(glob.glob(path, recursive=True))
            if not found:
                raise UsageError(f"{where}: {given!r} matches no file")
        elif os.path.isdir(path):
            found = sorted(os.path.join(d, f) for d, _, files in os.walk(path)
                           for f in files if f.endswith(".sql"))
            if not found:
                raise UsageError(f"{where}: no .sql file under {given}")
        elif os.path.isfile(path):
            found = [path]
        else:
            raise UsageError(f"{where}: no such file or directory: {given}")
        out += [os.path.relpath(f) if not os.path.isabs(given) else f for f in found if f not in out]
    return out


def read_workload(paths: Iterable[str], configured: Mapping[str, str] | None = None,
                  root: str | None = None, where: str = "--queries") -> tuple[Query, ...]:
    """Every query of the files; a UsageError listing each problem at its file:line:col."""
    queries: list[Query] = []
    problems: list[str] = []
    configured = dict(configured or {})
    for path in expand(paths, root, where):
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{where}: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
        queries += _read_file(Migration(path=path, text=text), configured, problems)
    if problems:
        more = len(problems) - _MAX_ERRORS
        raise UsageError("bad queries file:\n  " + "\n  ".join(problems[:_MAX_ERRORS])
                         + (f"\n  ... and {more} more" if more > 0 else ""))
    names: dict[str, Query] = {}
    for q in queries:
        if q.name in names and not q.name.startswith(q.path + ":"):
            other = names[q.name]
            raise UsageError(f"{q.path}:{q.line}:{q.column}: query name {q.name!r} is already "
                             f"used at {other.path}:{other.line}")
        names[q.name] = q
    unknown = sorted(set(configured) - set(names))
    if unknown:
        raise UsageError(f"replay.query_params: no query named {', '.join(map(repr, unknown))} "
                         "(name a query with `-- name: ...` above it, or write path:line)")
    return tuple(queries)


def _read_file(source: Migration, configured: dict, problems: list[str]) -> list[Query]:
    parsed = parse_migration(source)
    for d in parsed.errors:
        problems.append(f"{d.path}:{d.line}:{d.column}: {d.message}")
    out = []
    previous_end = 0
    for stmt in parsed.statements:
        line, col = source.lines.position(stmt.start)
        end_line, end_col = source.lines.position(stmt.end)
        where = f"{source.path}:{line}:{col}"
        # The comments between the previous statement and this one belong to this query.
        above = source.text[previous_end:stmt.start]
        previous_end = stmt.end + 1
        if stmt.kind not in QUERY_KINDS:
            problems.append(f"{where}: not a query ({stmt.kind.removesuffix('Stmt')}): a queries "
                            "file holds SELECT, INSERT, UPDATE, DELETE or MERGE statements only")
            continue
        names = _NAME.findall(above)
        name = names[-1] if names else f"{source.path}:{line}"
        count = max(_param_numbers(stmt.node), default=0)
        values = None
        params = _PARAMS.findall(above)
        text = params[-1] if params else configured.get(name, configured.get(f"{source.path}:{line}"))
        if text is not None:
            try:
                values = parse_values(str(text))
            except ValueError as exc:
                problems.append(f"{where}: params: {exc}")
                continue
            if len(values) < count:
                problems.append(f"{where}: the query uses ${count} but its params give "
                                f"{len(values)} value(s)")
                continue
            values = values[:count]
        out.append(Query(path=source.path, line=line, column=col, end_line=end_line,
                         end_column=end_col, start=stmt.start, end=stmt.end, sql=stmt.text.strip(),
                         name=name, params=count, values=values if count else None, source=source,
                         node=stmt.node))
    return out


def _param_numbers(node) -> Iterable[int]:
    """The numbers of the `$n` parameters anywhere in a parse tree."""
    return (ref["number"] for ref in nodes_of(node, "ParamRef") if "number" in ref)
