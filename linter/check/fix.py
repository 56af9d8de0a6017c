"""Apply the text edits of fixes to migration files: `check --fix`, `--diff`, `--unsafe-fixes`.

Pure planning (`plan_fixes`, `apply_edits`, `unified_diff`) plus one writer at the edge
(`write_fixes`). A fix is applied whole or not at all: when two fixes touch overlapping
characters of a file, the first (in file order) wins and the other is left as a finding;
running `--fix` again applies it against the new text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from schemalint.diagnostics import Diagnostic, Edit
from schemalint.discover.source import UTF8_BOM, decode_bytes
from schemalint.records import Record

UNSAFE = "unsafe fix: pass --unsafe-fixes to apply it"


class FilePlan(Record):
    __slots__ = ("path", "original", "fixed", "applied")

    def __init__(self, path: str, original: str, fixed: str,
                 applied: list[Diagnostic] | None = None) -> None:
        self.path = path
        self.original = original
        self.fixed = fixed
        self.applied = [] if applied is None else applied

class FixPlan(Record):
    __slots__ = ("files", "skipped")

    def __init__(self, files: list[FilePlan] | None = None,
                 skipped: list[tuple[Diagnostic, str]] | None = None) -> None:
        self.files = [] if files is None else files
        # Fixable findings not applied: (diagnostic, reason)
        self.skipped = [] if skipped is None else skipped

    @property
    def applied(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.applied]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (offsets into `text`) in one pass."""
    out, pos = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        out.append(text[pos:edit.start])
        out.append(edit.text)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def _overlaps(a: Sequence[Edit], taken: list[tuple[int, int]]) -> bool:
    for e in a:
        for start, end in taken:
            # Two insertions at the same point also conflict: their order would be arbitrary.
            if e.start < end and start < e.end or (e.start == start and (e.start == e.end or start == end)):
                return True
    return False


def plan_fixes(diagnostics: Iterable[Diagnostic], sources: dict[str, str], unsafe: bool = False,
               refuse: dict[str, str] | None = None) -> FixPlan:
    """Choose the fixes to apply per file. `sources` maps a path to its text (the text the
    edits' offsets refer to); `refuse` maps paths that must not be fixed to the reason."""
    refuse = refuse or {}
    plan = FixPlan()
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.fix is None or not d.fix.edits:
            continue
        if not d.fix.safe and not unsafe:
            plan.skipped.append((d, UNSAFE))
            continue
        if d.path in refuse:
            plan.skipped.append((d, refuse[d.path]))
            continue
        if d.path not in sources:
            plan.skipped.append((d, "the file's text is not available"))
            continue
        by_path.setdefault(d.path, []).append(d)
    for path, diags in by_path.items():
        text = sources[path]
        taken: list[tuple[int, int]] = []
        edits: list[Edit] = []
        applied: list[Diagnostic] = []
        seen: set = set()
        for d in sorted(diags, key=lambda d: (min(e.start for e in d.fix.edits), d.code)):
            key = tuple(d.fix.edits)
            if key in seen:  # the same edit offered twice (e.g. by two findings): apply once
                applied.append(d)
                continue
            if any(e.start < 0 or e.end > len(text) or e.start > e.end for e in d.fix.edits):
                plan.skipped.append((d, "the fix does not fit the file"))
                continue
            if _overlaps(d.fix.edits, taken):
                plan.skipped.append((d, "overlaps another fix; run --fix again"))
                continue
            seen.add(key)
            taken.extend((e.start, e.end) for e in d.fix.edits)
            edits.extend(d.fix.edits)
            applied.append(d)
        if applied:
            plan.files.append(FilePlan(path, text, apply_edits(text, edits), applied))
    return plan


def unified_diff(plan: FixPlan) -> str:
    import difflib  # only for --diff: not worth its import at every start-up

    out = []
    for f in plan.files:
        out.extend(difflib.unified_diff(
            f.original.splitlines(keepends=True), f.fixed.splitlines(keepends=True),
            fromfile=f"a/{f.path}", tofile=f"b/{f.path}",
        ))
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n\\ No newline at end of file\n"
    return "".join(out)


def check_writable(paths: Iterable[str], sources: dict[str, str]) -> dict[str, str]:
    """Paths whose file on disk is not exactly the linted text (changed since, not valid
    UTF-8, or not one plain file): fixing them would corrupt them. Returns path -> reason."""
    refuse = {}
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            refuse[path] = f"cannot read {path}: {exc.strerror or exc}"
            continue
        decoded = decode_bytes(data)
        if decoded.invalid_at is not None:
            refuse[path] = "the file is not valid UTF-8; fix its encoding first"
        elif decoded.text != sources.get(path):
            refuse[path] = "the file changed since it was read, or is not a plain SQL file"
    return refuse


def write_fixes(plan: FixPlan) -> None:
    """Write each fixed file atomically, keeping a UTF-8 BOM if the file had one."""
    for f in plan.files:
        with open(f.path, "rb") as fh:
            bom = fh.read(len(UTF8_BOM)) == UTF8_BOM
        data = (UTF8_BOM if bom else b"") + f.fixed.encode("utf-8")
        tmp = f"{f.path}.schemalint-fix.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        import shutil  # only when --fix writes: not worth its import at every start-up

        shutil.copymode(f.path, tmp)
        os.replace(tmp, f.path)
