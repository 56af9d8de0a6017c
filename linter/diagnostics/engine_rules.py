"""Findings the engine itself produces (9xx). Documented like rules, but not selectable
away except `unused-ignore`/`unknown-ignore` which are ordinary opt-outs."""

from __future__ import annotations

from schemalint.diagnostics import Severity
from schemalint.diagnostics.rule import Rule

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

UNUSED_IGNORE = Rule(
    code="SL904", name="unused-ignore", category="engine", severity=Severity.WARNING,
    summary="A suppression comment suppresses nothing.",
    why="The finding it was written for is gone (the statement changed or the rule no longer "
        "fires), or it sits where no statement follows. A stale suppression would silently hide "
        "a future finding of that rule on the statement. Rules the configuration turns off for "
        "the file are not reported here.",
    instead="Remove the comment, or the rule name from its list.",
    bad=("-- schemalint: ignore[create-index-non-concurrently] built before launch\n"
         "CREATE INDEX CONCURRENTLY orders_region_idx ON orders (region);",),
    good=("-- schemalint: ignore[create-index-non-concurrently] built before launch\n"
          "CREATE INDEX orders_region_idx ON orders (region);",),
    equivalents={"squawk": ("unused-ignore",)},
)
UNKNOWN_IGNORE = Rule(
    code="SL905", name="unknown-ignore", category="engine", severity=Severity.WARNING,
    summary="A suppression comment names a rule that does not exist, or is malformed.",
    why="A typo in a rule name suppresses nothing while looking as if it did.",
    instead="Name rules by name or code, as `schemalint rules` lists them: "
            "`-- schemalint: ignore[create-index-non-concurrently] reason`.",
    bad=("-- schemalint: ignore[create-index-non-concurrent] built before launch\n"
         "CREATE INDEX orders_region_idx ON orders (region);",),
    good=("-- schemalint: ignore[SL101] built before launch\n"
          "CREATE INDEX orders_region_idx ON orders (region);",),
)
IGNORE_WITHOUT_REASON = Rule(
    code="SL906", name="ignore-without-reason", category="engine", severity=Severity.WARNING,
    summary="A suppression comment gives no reason (only with `require_reason: true`).",
    why="A reason tells reviewers and later readers why the hazard is acceptable here.",
    instead="Write the reason after the rule list.",
    bad=("-- schemalint: ignore[create-index-non-concurrently]\n"
         "CREATE INDEX orders_region_idx ON orders (region);",),
    good=("-- schemalint: ignore[create-index-non-concurrently] orders is empty until launch\n"
          "CREATE INDEX orders_region_idx ON orders (region);",),
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

ENGINE_RULES = (INTERNAL_ERROR, PARSE_ERROR, INVALID_ENCODING, UNREADABLE_FILE, UNUSED_IGNORE,
                UNKNOWN_IGNORE, IGNORE_WITHOUT_REASON, LAYOUT_PROBLEM)
