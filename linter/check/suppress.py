"""Inline suppression comments. Pure: works on migration text, statement spans and diagnostics.

    -- schemalint: ignore[rule-name, SL123] reason     on the line before a statement, or at
                                                      the end of its last line (or inside it)
    -- schemalint: ignore reason                      every rule, for that statement
    -- schemalint: ignore-file[rule-name] reason      anywhere in the file: the whole file
    -- schemalint: ignore-file reason                 every rule, the whole file

Rules are named by name or code. Only files whose text contains `schemalint:` pay anything:
the engine hands just those to `apply`. Directives that name unknown rules
(`unknown-ignore`), suppress nothing (`unused-ignore`) or, with `require_reason`, give no
reason (`ignore-without-reason`) are findings themselves; they cannot be suppressed by
comments (turn them off with `ignore:` in the configuration).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from schemalint.diagnostics.engine_rules import IGNORE_WITHOUT_REASON, UNKNOWN_IGNORE, UNUSED_IGNORE
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.lazyre import lazy
from schemalint.records import Record

MARKER = "schemalint:"
_DIRECTIVE = lazy(r"--[ \t]*schemalint:[ \t]*(?P<body>[^\r\n]*)")
_BODY = lazy(
    r"(?P<kind>ignore-file|ignore)(?![\w-])[ \t]*(?:\[(?P<list>[^\]]*)\])?(?P<reason>.*)\Z", re.S
)
_REASON_STRIP = " \t:;-\u2013\u2014"


class Entry(Record):
    """One rule named in a directive (token None: the bare form, every rule)."""

    __slots__ = ("token", "rule", "start", "end", "used")

    def __init__(self, token: str | None, rule: str | None, start: int, end: int,
                 used: bool = False) -> None:
        self.token = token
        self.rule = rule  # the rule name it resolves to
        self.start = start
        self.end = end
        self.used = used

class Directive(Record):
    __slots__ = ("start", "end", "whole_file", "entries", "reason", "target")

    def __init__(self, start: int, end: int, whole_file: bool, entries: list[Entry], reason: str,
                 target: tuple[int, int] | None = None) -> None:
        self.start = start  # offset of the `--`
        self.end = end
        self.whole_file = whole_file
        self.entries = entries
        self.reason = reason
        # The statement span it covers (whole_file: unused).
        self.target = target

def parse_directives(text: str, resolve) -> tuple[list[Directive], list[tuple[int, int, str]]]:
    """Directives in `text`, and malformed ones as (start, end, message)."""
    directives, bad = [], []
    for m in _DIRECTIVE().finditer(text):
        body = m.group("body").rstrip()
        b = _BODY().match(body)
        body_at = m.start("body")
        if b is None or (b.group("list") is None and b.group("reason").lstrip().startswith(("(", "[", "{"))):
            word = body.split("[", 1)[0].split()[0] if body.split() else ""
            bad.append((m.start(), m.end(),
                        f"unknown schemalint directive {word!r}: use `ignore[rule, ...]` or "
                        "`ignore-file[rule, ...]`"))
            continue
        entries: list[Entry] = []
        if b.group("list") is None:
            entries.append(Entry(None, None, m.start(), m.end()))
        else:
            list_at = body_at + b.start("list")
            pos = 0
            for raw in b.group("list").split(","):
                token = raw.strip()
                if token:
                    t_start = list_at + pos + raw.index(token)
                    entries.append(Entry(token, resolve(token), t_start, t_start + len(token)))
                pos += len(raw) + 1
            if not entries:  # `ignore[]`: names nothing, so it suppresses nothing
                entries.append(Entry("", None, m.start(), m.end()))
        directives.append(Directive(
            start=m.start(), end=m.end(), whole_file=b.group("kind") == "ignore-file",
            entries=entries, reason=b.group("reason").strip(_REASON_STRIP),
        ))
    return directives, bad


def _target(text: str, spans: list[tuple[int, int]], starts: list[int], at: int) -> tuple[int, int] | None:
    """The statement a directive at offset `at` belongs to."""
    k = bisect_right(starts, at) - 1
    if k >= 0 and spans[k][0] <= at < spans[k][1]:
        return spans[k]  # inside the statement (a multi-line statement, or the last one)
    line_start = text.rfind("\n", 0, at) + 1
    if text[line_start:at].strip():
        # At the end of a line with code: the statement ending on this line, before us.
        if k >= 0 and not text[spans[k][1]:at].strip(" \t;\r"):
            return spans[k]
        return None
    # On a line of its own: the next statement.
    return spans[k + 1] if k + 1 < len(spans) else None


class _File:
    __slots__ = ("migration", "directives", "bad", "spans", "starts")

    def __init__(self, migration: object, directives: list[Directive],
                 bad: list[tuple[int, int, str]]) -> None:
        self.migration = migration
        self.directives = directives
        self.bad = bad
        self.spans: list[tuple[int, int]] = []
        self.starts: list[int] = []


def apply(diagnostics: list, files: list, known: dict[str, str], enabled_at,
          require_reason: bool) -> tuple[list, list]:
    """The diagnostics not suppressed by comments, and new findings about the comments.

    `files`: (migration, statement spans) for each migration whose text contains the marker,
    the spans as (start, end) character offsets into its text;
    `known`: rule name or code -> rule name; `enabled_at(path)`: names of the rules whose
    findings are kept in that file (to tell an unused suppression from one for a rule the
    configuration turned off)."""

    def resolve(token: str) -> str | None:
        return known.get(token) or known.get(token.upper())

    by_path: dict[str, _File] = {}
    for migration, spans in files:
        f = by_path.get(migration.path)
        if f is None:
            directives, bad = parse_directives(migration.text, resolve)
            f = by_path[migration.path] = _File(migration, directives, bad)
        f.spans.extend(spans)
    for f in by_path.values():
        f.spans.sort()
        f.starts = [s for s, _ in f.spans]
        text = f.migration.text
        for d in f.directives:
            if not d.whole_file:
                d.target = _target(text, f.spans, f.starts, d.start)

    kept = []
    for diag in diagnostics:
        f = by_path.get(diag.path)
        if f is None or not f.directives or not _suppressed(diag, f):
            kept.append(diag)

    new = []
    for path, f in by_path.items():
        m = f.migration
        enabled = enabled_at(path)
        for start, end, message in f.bad:
            new.append(make_diagnostic(UNKNOWN_IGNORE, m, start, end, message))
        for d in f.directives:
            if require_reason and not d.reason:
                new.append(make_diagnostic(
                    IGNORE_WITHOUT_REASON, m, d.start, d.end,
                    "this suppression gives no reason: say why the finding is acceptable here",
                    help="Add the reason after the rule list: "
                         "`-- schemalint: ignore[rule-name] the table is empty in production`",
                ))
            for e in d.entries:
                if e.token and e.rule is None:
                    new.append(make_diagnostic(
                        UNKNOWN_IGNORE, m, e.start, e.end,
                        f"unknown rule {e.token!r} in a suppression comment{_suggest(e.token, known)}",
                    ))
                elif e.token == "":
                    new.append(make_diagnostic(UNUSED_IGNORE, m, d.start, d.end,
                                                "this suppression names no rule"))
                elif not e.used and (e.rule is None or e.rule in enabled):
                    what = f"`{e.token}`" if e.token else "any finding"
                    where = "in this file" if d.whole_file else (
                        "on this statement" if d.target else "(there is no statement after it)")
                    new.append(make_diagnostic(
                        UNUSED_IGNORE, m, e.start, e.end,
                        f"this suppression does not suppress {what} {where}",
                        help="Remove it (or the rule name) from the comment.",
                    ))
    return kept, new


def _suppressed(diag, f: _File) -> bool:
    if diag.rule in (UNUSED_IGNORE.name, UNKNOWN_IGNORE.name, IGNORE_WITHOUT_REASON.name):
        return False
    hit = False
    at = diag.start
    for d in f.directives:
        if not d.whole_file and (d.target is None or not d.target[0] <= at <= d.target[1]):
            continue
        for e in d.entries:
            if e.token is None or e.rule == diag.rule:
                e.used = True
                hit = True
    return hit


def _suggest(token: str, known: dict[str, str]) -> str:
    import difflib  # only after a typo: not worth its import at every start-up

    close = difflib.get_close_matches(token, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
