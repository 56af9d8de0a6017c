"""schemalint's findings as LSP values: diagnostics, code actions for safe fixes, hovers.

Offsets become positions only through `PositionMap` (positions.py), over the text the
finding's offsets refer to: the document's text as the server checked it.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit

from lsprotocol import types as lsp

from schemalint.check.catalog import by_name_or_code
from schemalint.check.fix import plan_fixes
from schemalint.diagnostics import Severity
from schemalint.lsp.lint import Checked
from schemalint.lsp.positions import PositionMap

SOURCE = "schemalint"
FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.{SOURCE}"  # "source.fixAll.schemalint"

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
# A rule name or code in a suppression comment (`-- schemalint: ignore[rule-name] reason`).
_RULE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_DRIVE = re.compile(r"^/[A-Za-z]:")


def path_of(uri: str) -> str | None:
    """The file a `file:` URI names (percent-decoded: editors encode spaces, "#" and
    non-ASCII letters); None for other schemes (an unsaved buffer)."""
    parts = urlsplit(uri)
    if parts.scheme != "file":
        return None
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost":
        path = f"//{parts.netloc}{path}"  # a UNC path
    if os.name == "nt":  # file:///C:/x -> C:\x
        path = (path[1:] if _DRIVE.match(path) else path).replace("/", "\\")
    return path


class Document:
    """One check of a document, as the features need it: the findings and the map from
    their offsets to the positions of the text they were found in."""

    __slots__ = ("checked", "lsp_diagnostics", "positions", "uri", "version")

    def __init__(self, uri: str, version: int | None, checked: Checked, encoding: str) -> None:
        self.uri = uri
        self.version = version
        self.checked = checked
        self.positions = PositionMap(checked.text, encoding)
        self.lsp_diagnostics = [self._diagnostic(d) for d in checked.diagnostics]
        if checked.problem:
            self.lsp_diagnostics.append(lsp.Diagnostic(
                range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                message=f"schemalint cannot check this file: {checked.problem}",
                severity=lsp.DiagnosticSeverity.Error, source=SOURCE))

    def range(self, start: int, end: int) -> lsp.Range:
        """The LSP range of the characters [start, end) of the checked text."""
        shift = self.checked.shift
        line, character = self.positions.position(start + shift)
        end_line, end_character = self.positions.position(max(start, end) + shift)
        return lsp.Range(lsp.Position(line, character), lsp.Position(end_line, end_character))

    def _diagnostic(self, d) -> lsp.Diagnostic:
        rule = by_name_or_code(d.rule)
        return lsp.Diagnostic(
            range=self.range(d.start, d.end),
            message=f"{d.message} ({d.rule})",
            severity=_SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Warning),
            code=d.code,
            code_description=lsp.CodeDescription(href=rule.url) if rule is not None else None,
            source=SOURCE,
        )

    def _edits(self, edits) -> list[lsp.TextEdit]:
        return [lsp.TextEdit(range=self.range(e.start, e.end), new_text=e.text)
                for e in sorted(edits, key=lambda e: (e.start, e.end))]

    def _workspace_edit(self, edits, versioned: bool) -> lsp.WorkspaceEdit:
        """`edits` as a workspace edit; `versioned`: the client takes `documentChanges`,
        which carry the version the edits apply to (a stale edit is refused, not misapplied)."""
        text_edits = self._edits(edits)
        if versioned:
            doc = lsp.OptionalVersionedTextDocumentIdentifier(uri=self.uri, version=self.version)
            return lsp.WorkspaceEdit(document_changes=[
                lsp.TextDocumentEdit(text_document=doc, edits=text_edits)])
        return lsp.WorkspaceEdit(changes={self.uri: text_edits})

    def code_actions(self, where: lsp.Range, only: list[str] | None,
                     versioned: bool) -> list[lsp.CodeAction]:
        """A quick fix for each finding with a safe fix that `where` touches, and one action
        applying every safe fix of the file (as `check --fix` would: overlapping fixes after
        the first are left for the next run)."""
        checked = self.checked
        safe = [(d, lsp_d) for d, lsp_d in zip(checked.diagnostics, self.lsp_diagnostics)
                if d.fix is not None and d.fix.safe and d.fix.edits]
        actions: list[lsp.CodeAction] = []
        if _wanted(lsp.CodeActionKind.QuickFix.value, only):
            for d, lsp_d in safe:
                if _touches(lsp_d.range, where):
                    actions.append(lsp.CodeAction(
                        title=f"{d.rule}: {d.fix.description}",
                        kind=lsp.CodeActionKind.QuickFix, diagnostics=[lsp_d], is_preferred=True,
                        edit=self._workspace_edit(d.fix.edits, versioned)))
        if safe and _wanted(FIX_ALL, only):
            plan = plan_fixes([d for d, _ in safe], {d.path: _source(checked) for d, _ in safe})
            edits, seen = [], set()
            for d in plan.applied:
                if d.fix.edits not in seen:  # the same edit offered by two findings: once
                    seen.add(d.fix.edits)
                    edits.extend(d.fix.edits)
            if edits:
                n = len(plan.applied)
                actions.append(lsp.CodeAction(
                    title=f"schemalint: apply {n} safe fix{'es' if n != 1 else ''}",
                    kind=FIX_ALL, edit=self._workspace_edit(edits, versioned)))
        return actions

    def hover(self, position: lsp.Position) -> lsp.Hover | None:
        """The rule of each finding under the cursor, or of a rule name or code under it in a
        `schemalint:` comment: its summary, what to do instead and its page."""
        at = self.positions.offset(position.line, position.character) - self.checked.shift
        parts, found_range = [], None
        for d, lsp_d in zip(self.checked.diagnostics, self.lsp_diagnostics):
            if d.start <= at < d.end or at == d.start:
                rule = by_name_or_code(d.rule)
                if rule is not None:
                    parts.append(_rule_text(rule, d.severity))
                    found_range = found_range or lsp_d.range
        word = self._rule_word(at + self.checked.shift)
        if word is not None:
            rule, start, end = word
            text = _rule_text(rule, rule.severity)
            if text not in parts:
                parts.append(text)
                found_range = found_range or self.range(start - self.checked.shift,
                                                        end - self.checked.shift)
        if not parts:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value="\n\n---\n\n".join(parts)),
                         range=found_range)

    def _rule_word(self, offset: int):
        """(rule, start, end) of a rule name or code at `offset` of the document's text, on
        a line with a `schemalint:` comment; None elsewhere."""
        text = self.positions.text
        line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
        line_end = min((i for i in (text.find("\n", offset), text.find("\r", offset)) if i != -1),
                       default=len(text))
        line = text[line_start:line_end]
        marker = line.find("schemalint:")
        if marker == -1:
            return None
        for m in _RULE_WORD.finditer(line, marker + len("schemalint:")):
            if m.start() <= offset - line_start <= m.end():
                rule = by_name_or_code(m.group())
                return None if rule is None else (rule, line_start + m.start(), line_start + m.end())
        return None


def _source(checked: Checked) -> str:
    """The text the findings' offsets refer to (without a byte-order mark)."""
    return checked.text[checked.shift:]


def _rule_text(rule, severity) -> str:
    lines = [f"**{rule.code} {rule.name}** ({severity})", "", rule.summary]
    if rule.instead:
        lines += ["", f"Instead: {rule.instead}"]
    lines += ["", f"[{rule.name}]({rule.url})"]
    return "\n".join(lines)


def _wanted(kind: str, only: list[str] | None) -> bool:
    """Whether a code action of `kind` is asked for: `only` lists kinds and their
    hierarchies ("source" covers "source.fixAll.schemalint")."""
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _touches(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
