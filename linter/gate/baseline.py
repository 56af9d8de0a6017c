"""The baseline: findings accepted when schemalint was adopted, matched by a fingerprint that
survives line shifts and reformatting.

A finding's key is (path relative to the baseline file, rule, statement fingerprint,
occurrence). The statement fingerprint is libpg_query's (`Statement.fingerprint`, or the
defining statement's for schema findings reported at a model `Site`): it ignores whitespace,
case, comments and constants, so reformatting a statement or inserting lines above it keeps
the key. The occurrence numbers repeated keys in position order (two findings of one rule on
one statement, or two identical statements in one file).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable

from schemalint.lazyre import lazy
from schemalint.parse.statements import statement_ref_fingerprint
from schemalint.records import Frozen

VERSION = 1
_SPACE = lazy(r"\s+")


class Entry(Frozen):
    """One accepted finding. Immutable; compared and ordered by value, field by field."""

    __slots__ = ("path", "rule", "fingerprint", "occurrence", "code", "message")

    def __init__(self, path: str, rule: str, fingerprint: str, occurrence: int,
                 code: str = "", message: str = "") -> None:
        set_ = object.__setattr__
        set_(self, "path", path)
        set_(self, "rule", rule)
        set_(self, "fingerprint", fingerprint)
        set_(self, "occurrence", occurrence)
        set_(self, "code", code)
        set_(self, "message", message)

    def __lt__(self, other):  # for sorted(entries); no other ordering is used
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() < other._values()

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.path, self.rule, self.fingerprint, self.occurrence)


def _statement_fingerprint(d) -> str:
    owner = d.extra.get("statement") if d.extra else None
    if owner is not None:
        try:
            return statement_ref_fingerprint(owner)
        except Exception:  # noqa: BLE001 - fall back to the message below
            pass
    if d.fingerprint:
        return d.fingerprint
    # No statement (a parse error, an unreadable file): the message, which names the problem.
    text = _SPACE().sub(" ", f"{d.rule} {d.message}".strip().lower())
    return "m" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def relative_path(path: str, base_dir: str) -> str:
    if path.startswith("<"):
        return path
    return os.path.relpath(os.path.abspath(path), base_dir).replace(os.sep, "/")


def entries_for(diagnostics: Iterable, base_dir: str) -> list[tuple[Entry, object]]:
    """(entry, diagnostic) for each diagnostic, occurrences numbered in position order."""
    seen: dict[tuple, int] = {}
    out = []
    for d in sorted(diagnostics, key=lambda d: (d.path, d.start, d.line, d.column, d.code)):
        base = (relative_path(d.path, base_dir), d.rule, _statement_fingerprint(d))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append((Entry(*base, n, code=d.code, message=d.message), d))
    return out


def dump(entries: Iterable[Entry]) -> str:
    findings = [
        {"path": e.path, "rule": e.rule, "code": e.code, "fingerprint": e.fingerprint,
         "occurrence": e.occurrence, "message": e.message}
        for e in sorted(entries)
    ]
    doc = {
        "version": VERSION,
        "about": "Findings accepted when adopting schemalint; `schemalint check` reports only "
                 "new ones. Regenerate with `schemalint baseline`, drop fixed entries with "
                 "`schemalint check --prune-baseline`.",
        "findings": findings,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


class BaselineError(ValueError):
    pass


def load(path: str) -> list[Entry]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}: not a schemalint baseline (invalid JSON: {exc.msg})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"{path}: not a schemalint baseline (no \"findings\" list)")
    if doc.get("version") != VERSION:
        raise BaselineError(f"{path}: baseline version {doc.get('version')!r} is not supported "
                            f"(this schemalint writes version {VERSION}); regenerate it with "
                            "`schemalint baseline`")
    out = []
    for i, item in enumerate(doc["findings"]):
        try:
            out.append(Entry(str(item["path"]), str(item["rule"]), str(item["fingerprint"]),
                             int(item["occurrence"]), str(item.get("code", "")),
                             str(item.get("message", ""))))
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{path}: finding #{i + 1} lacks path, rule, fingerprint or "
                                "occurrence") from None
    return out


class Outcome:
    __slots__ = ("new", "matched", "stale")

    def __init__(self, new: list, matched: int, stale: list[Entry]) -> None:
        self.new = new  # diagnostics not in the baseline
        self.matched = matched
        self.stale = stale  # baseline entries that no longer occur (in the files checked)

    def __repr__(self) -> str:
        return f"Outcome(new={self.new!r}, matched={self.matched!r}, stale={self.stale!r})"


def compare(diagnostics: list, baseline: list[Entry], base_dir: str, checked_paths: Iterable[str]) -> Outcome:
    known = {e.key for e in baseline}
    current = entries_for(diagnostics, base_dir)
    new, keys = [], set()
    for entry, d in current:
        keys.add(entry.key)
        if entry.key not in known:
            new.append(d)
    checked = {relative_path(p, base_dir) for p in checked_paths}
    stale = [e for e in baseline if e.key not in keys and e.path in checked]
    # Keep the engine's report order.
    order = {id(d): i for i, d in enumerate(diagnostics)}
    new.sort(key=lambda d: order[id(d)])
    return Outcome(new, len(current) - len(new), stale)
