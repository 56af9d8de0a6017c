"""`schemalint lsp` end to end: a server process and pygls' client over its standard input and
output. A migrations directory whose first file creates `orders`: an index on `orders` in a
later file is built on a table that exists (create-index-non-concurrently), one on a table the
same file creates is not."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as lsp  # noqa: E402

from schemalint.lsp.features import FIX_ALL  # noqa: E402
from tests.lsp.client import run, session  # noqa: E402

# A comment with a two-byte letter and an astral character before the statement: UTF-16
# columns after it differ from character columns by one, UTF-8 ones by four.
INDEX = "/* é😀 */ CREATE INDEX orders_customer_idx ON orders (customer_id);\n"
NEW_TABLE = "CREATE TABLE notes (id bigint PRIMARY KEY, body text);\nCREATE INDEX notes_body_idx ON notes (body);\n"
CONFIG = "ignore: [missing-lock-timeout, missing-statement-timeout]\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".schemalint.yaml").write_text(CONFIG)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_orders.sql").write_text(
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, created_at timestamptz, updated_at timestamptz);\n")
    (migrations / "002_index.sql").write_text("SELECT 1;\n")  # the editor's text differs
    return tmp_path


def _uri(path) -> str:
    return path.resolve().as_uri()


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _range_of(text: str, needle: str, after: str = "") -> lsp.Range:
    """The range of the first `needle` that follows `after`."""
    start = text.index(after + needle) + len(after)
    line = text.count("\n", 0, start)
    col = _utf16(text[text.rfind("\n", 0, start) + 1:start])
    return lsp.Range(lsp.Position(line, col), lsp.Position(line, col + _utf16(needle)))


def _named(diagnostics, rule: str) -> list[lsp.Diagnostic]:
    return [d for d in diagnostics if d.message.endswith(f"({rule})")]


def test_open_reports_what_check_reports_at_exact_utf16_ranges(project):
    path = project / "migrations" / "002_index.sql"
    text = INDEX + NEW_TABLE

    async def body():
        async with session(project) as s:
            s.open(_uri(path), text)
            found = await s.diagnostics(_uri(path), version=1)
            assert await s.shutdown() == 0
        return found

    found = run(body())
    index = _named(found, "create-index-non-concurrently")
    assert len(index) == 1, found  # on orders (created earlier), not on notes (created here)
    d = index[0]
    assert d.range == _range_of(text, "orders", after="ON ")
    assert d.range.start.character == len("/* é😀 */ CREATE INDEX orders_customer_idx ON ") + 1
    assert d.code == "SL101" and d.source == "schemalint"
    assert d.severity == lsp.DiagnosticSeverity.Error
    assert d.code_description.href.endswith("/docs/rules/create-index-non-concurrently.md")
    # The same findings as `check` on the file with this text, with the same configuration.
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "schemalint", "check", "--format", "json", "migrations"],
                          cwd=project, capture_output=True, text=True, timeout=120)
    expected = sorted((d["rule"], d["line"] - 1) for d in json.loads(proc.stdout)["diagnostics"]
                      if d["path"].endswith("002_index.sql"))
    assert expected and sorted((d.message.rsplit("(", 1)[1][:-1], d.range.start.line) for d in found) == expected
    assert not any("missing-lock-timeout" in d.message for d in found)  # the configuration's ignore


def test_changes_and_saves_check_again(project):
    path = project / "migrations" / "002_index.sql"
    uri = _uri(path)

    async def body():
        async with session(project) as s:
            s.open(uri, INDEX)
            assert _named(await s.diagnostics(uri, version=1), "create-index-non-concurrently")
            # Several quick changes: only the text the editor settles on needs a check.
            for text in ("CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n",
                         "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n-- ok\n"):
                version = s.change(uri, text)
            assert list(await s.diagnostics(uri, version=version)) == []
            version = s.change(uri, "\n\n" + INDEX)
            moved = _named(await s.diagnostics(uri, version=version), "create-index-non-concurrently")
            assert moved[0].range == _range_of("\n\n" + INDEX, "orders", after="ON ")
            # Saving checks again, against what is on disk now for the other files.
            (project / "migrations" / "001_orders.sql").write_text("CREATE TABLE unrelated (id int);\n")
            before = len(s.published)
            s.client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
            after_save = await s.diagnostics(uri, after=before)
            assert _named(after_save, "create-index-non-concurrently")  # orders is unknown now
            assert await s.shutdown() == 0

    run(body())


def test_code_actions_offer_safe_fixes_only(project):
    uri = _uri(project / "migrations" / "002_index.sql")
    text = INDEX + "BEGIN;\nCREATE INDEX orders_id_idx ON orders (id);\nCOMMIT;\n"

    async def body():
        async with session(project) as s:
            s.open(uri, text)
            found = _named(await s.diagnostics(uri, version=1), "create-index-non-concurrently")
            assert len(found) == 2
            whole = lsp.Range(lsp.Position(0, 0), lsp.Position(99, 0))
            actions = await s.request(s.client.text_document_code_action_async, lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(uri), whole, lsp.CodeActionContext(diagnostics=found)))
            only_fix_all = await s.request(s.client.text_document_code_action_async, lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(uri), found[0].range,
                lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.SourceFixAll])))
            elsewhere = await s.request(s.client.text_document_code_action_async, lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(uri), found[1].range,
                lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.QuickFix])))
            assert await s.shutdown() == 0
        return found, actions, only_fix_all, elsewhere

    found, actions, only_fix_all, elsewhere = run(body())
    # Inside BEGIN ... COMMIT, CONCURRENTLY would fail: that fix is unsafe, not offered.
    quick = [a for a in actions if a.kind == lsp.CodeActionKind.QuickFix]
    assert len(quick) == 1 and list(quick[0].diagnostics) == [found[0]]
    change = quick[0].edit.document_changes[0]
    assert change.text_document.uri == uri and change.text_document.version == 1
    at = _range_of(INDEX, "INDEX").end
    assert list(change.edits) == [lsp.TextEdit(lsp.Range(at, at), " CONCURRENTLY")]
    fix_all = [a for a in actions if a.kind == FIX_ALL]
    assert len(fix_all) == 1 and fix_all[0].edit.document_changes[0].edits == change.edits
    assert [a.kind for a in only_fix_all] == [FIX_ALL]
    assert not elsewhere


def test_edits_without_document_changes_and_utf8_positions(project):
    uri = _uri(project / "migrations" / "002_index.sql")

    async def body():
        async with session(project, document_changes=False,
                           encodings=[lsp.PositionEncodingKind.Utf8]) as s:
            assert s.capabilities.position_encoding == lsp.PositionEncodingKind.Utf8
            s.open(uri, INDEX)
            found = _named(await s.diagnostics(uri, version=1), "create-index-non-concurrently")
            actions = await s.request(s.client.text_document_code_action_async, lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(uri), found[0].range,
                lsp.CodeActionContext(diagnostics=found, only=[lsp.CodeActionKind.QuickFix])))
            assert await s.shutdown() == 0
        return found, actions

    found, actions = run(body())
    start = len(INDEX[:INDEX.index("ON orders") + 3].encode("utf-8"))
    assert found[0].range == lsp.Range(lsp.Position(0, start), lsp.Position(0, start + 6))
    at = len(INDEX[:INDEX.index("INDEX") + 5].encode("utf-8"))
    assert {k: list(v) for k, v in actions[0].edit.changes.items()} == {
        uri: [lsp.TextEdit(lsp.Range(lsp.Position(0, at), lsp.Position(0, at)), " CONCURRENTLY")]}


def test_hover_shows_the_rule_summary_and_link(project):
    uri = _uri(project / "migrations" / "002_index.sql")
    text = INDEX + "-- schemalint: ignore[table-without-primary-key] reason\nSELECT 1;\n"

    async def body():
        async with session(project) as s:
            s.open(uri, text)
            found = _named(await s.diagnostics(uri, version=1), "create-index-non-concurrently")

            async def hover(position):
                return await s.request(s.client.text_document_hover_async, lsp.HoverParams(
                    lsp.TextDocumentIdentifier(uri), position))

            on_finding = await hover(lsp.Position(0, found[0].range.start.character + 2))
            on_comment = await hover(lsp.Position(1, len("-- schemalint: ignore[table-wi")))
            nowhere = await hover(lsp.Position(2, 3))
            assert await s.shutdown() == 0
        return found, on_finding, on_comment, nowhere

    found, on_finding, on_comment, nowhere = run(body())
    value = on_finding.contents.value
    assert on_finding.contents.kind == lsp.MarkupKind.Markdown
    assert "**SL101 create-index-non-concurrently**" in value
    assert "CREATE INDEX without CONCURRENTLY blocks writes" in value
    assert "(https://github.com/schemalint/schemalint/blob/main/docs/rules/create-index-non-concurrently.md)" in value
    assert on_finding.range == found[0].range
    # The comment suppresses nothing: its unused-ignore finding, then the rule it names.
    assert "**SL904 unused-ignore**" in on_comment.contents.value
    assert "**SL304 table-without-primary-key**" in on_comment.contents.value
    assert on_comment.range == _range_of(text, "table-without-primary-key")
    assert nowhere is None


def test_a_syntax_error_is_a_parse_error_diagnostic_and_the_server_goes_on(project):
    uri = _uri(project / "migrations" / "002_index.sql")
    text = "CREATE TABLE (;\n" + INDEX

    async def body():
        async with session(project) as s:
            s.open(uri, text)
            found = await s.diagnostics(uri, version=1)
            version = s.change(uri, "\ud800 garbage ;;; \u2028 😀\r")
            garbage = await s.diagnostics(uri, version=version)
            hovered = await s.request(s.client.text_document_hover_async, lsp.HoverParams(
                lsp.TextDocumentIdentifier(uri), lsp.Position(999, 999)))
            assert await s.shutdown() == 0
        return found, garbage, hovered, bytes(s.stderr)

    found, garbage, hovered, stderr = run(body())
    errors = [d for d in found if d.code == "SL901"]
    assert len(errors) == 1 and errors[0].range.start == lsp.Position(0, 13)
    assert _named(found, "create-index-non-concurrently")  # the rest of the file was checked
    assert any(d.code == "SL901" for d in garbage)
    assert hovered is None
    assert b"Traceback" not in stderr, stderr.decode()


def test_a_configuration_error_is_reported_on_the_document(project):
    (project / ".schemalint.yaml").write_text("select: [no-such-rule]\n")
    uri = _uri(project / "migrations" / "002_index.sql")

    async def body():
        async with session(project) as s:
            s.open(uri, INDEX)
            found = await s.diagnostics(uri, version=1)
            (project / ".schemalint.yaml").write_text(CONFIG)  # fixed: read again on the next check
            version = s.change(uri, INDEX + "\n")
            fixed = await s.diagnostics(uri, version=version)
            assert await s.shutdown() == 0
        return found, fixed

    found, fixed = run(body())
    assert len(found) == 1 and "no-such-rule" in found[0].message
    assert found[0].message.startswith("schemalint cannot check this file: ")
    assert _named(fixed, "create-index-non-concurrently")


def test_an_internal_error_is_logged_and_the_server_goes_on(tmp_path):
    # A server whose checker fails on one text: the failure is logged (stderr and
    # window/logMessage) and the next check is published.
    script = textwrap.dedent("""
        import sys
        from schemalint.lsp.lint import DocumentChecker
        from schemalint.lsp.server import serve

        check = DocumentChecker.check
        def failing(self, path, text):
            if "boom" in text:
                raise RuntimeError("boom")
            return check(self, path, text)
        DocumentChecker.check = failing
        sys.exit(serve(None, True, 0.01, sys.stdin.buffer, sys.stdout.buffer))
    """)
    uri = _uri(tmp_path / "a.sql")

    async def body():
        async with session(tmp_path, command=[sys.executable, "-c", script]) as s:
            s.open(uri, "boom")
            version = s.change(uri, INDEX)
            found = await s.diagnostics(uri, version=version)
            assert await s.shutdown() == 0
        return found, s.logs, bytes(s.stderr)

    found, logs, stderr = run(body())
    assert _named(found, "create-index-non-concurrently")
    assert any("RuntimeError: boom" in m.message and m.type == lsp.MessageType.Error for m in logs)
    assert b"RuntimeError: boom" in stderr



def test_exit_without_shutdown_is_exit_code_1(tmp_path):
    async def body():
        async with session(tmp_path) as s:
            return await s.exit()

    assert run(body()) == 1


def test_the_server_frees_what_each_check_made(monkeypatch):
    # `schemalint lsp` is the command line (main() with no arguments marks the process as
    # ending with its command), but it lives on after each check it runs: nothing may be
    # kept for the exit (schemalint/process.py), or every keystroke's model would stay.
    import argparse

    from schemalint import process
    from schemalint.lsp import command, server

    seen = []
    monkeypatch.setattr(process, "ENDS_AFTER_COMMAND", True)
    monkeypatch.setattr(server, "serve", lambda *args: seen.append(process.ENDS_AFTER_COMMAND) or 0)
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # run() points stdout at stderr
    args = argparse.Namespace(config=None, no_config=True, debounce=0, log_level="warning")
    assert command.run(args) == 0 and seen == [False]
