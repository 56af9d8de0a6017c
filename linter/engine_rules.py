"""Findings the engine itself produces (9xx). Documented like rules, but not selectable
away except `unused-ignore`/`unknown-ignore` which are ordinary opt-outs."""

from __future__ import annotations

from .diagnostics import Severity
from .rule import Rule

INTERNAL_ERROR = Rule(
    code="SL900", name="internal-error", category="engine", severity=Severity.ERROR,
    summary="schemalint failed on this statement; the rest of the run continued.",
    why="A rule or the schema model raised an unexpected exception. This is a bug in schemalint.",
    instead="Report the statement and the message; meanwhile suppress it with an ignore comment.",
    bad=(), good=(),
)
PARSE_ERROR = Rule(
    code="SL901", name="parse-error", category="engine", severity=Severity.ERROR,
    summary="PostgreSQL's own grammar rejects this statement.",
    why="The migration would fail when applied. schemalint parses with libpg_query, the real "
        "PostgreSQL parser, and recovers at the next statement so the rest of the file is checked.",
    instead="Fix the syntax.",
    bad=("CREATE TABEL t (id bigint);",), good=("CREATE TABLE t (id bigint);",),
)
INVALID_ENCODING = Rule(
    code="SL902", name="invalid-encoding", category="engine", severity=Severity.ERROR,
    summary="The file is not valid UTF-8.",
    why="PostgreSQL clients send migrations as UTF-8; invalid bytes fail or corrupt text. "
        "schemalint replaces them with U+FFFD and checks the rest of the file.",
    instead="Re-encode the file as UTF-8.",
    bad=(), good=(),
)
UNREADABLE_FILE = Rule(
    code="SL903", name="unreadable-file", category="engine", severity=Severity.ERROR,
    summary="A migration file could not be read.",
    why="Permissions, a broken symlink or an I/O error; the other files were still checked.",
    instead="Make the file readable or exclude it in the configuration.",
    bad=(), good=(),
)

LAYOUT_PROBLEM = Rule(
    code="SL910", name="layout-problem", category="engine", severity=Severity.WARNING,
    summary="The migration layout is inconsistent (order, duplicates, missing scripts).",
    why="The framework would apply these files in another order than intended, apply one twice, "
        "or fail to find a script: two Flyway files with one version, a sqitch change whose "
        "dependency comes later in sqitch.plan or whose deploy script is missing.",
    instead="Fix the file names or the plan so that every migration has one place in the order.",
    bad=(), good=(),
)

ENGINE_RULES = (INTERNAL_ERROR, PARSE_ERROR, INVALID_ENCODING, UNREADABLE_FILE, LAYOUT_PROBLEM)
