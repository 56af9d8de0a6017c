"""The language server (pygls, JSON-RPC over standard input and output).

A document is checked when it is opened or saved, and after each change once the editor has
been quiet for `debounce` seconds. Checks run one at a time on a worker thread, so the server
answers hovers and code actions meanwhile; a check whose document changed while it ran is
not published (a newer one follows). Code actions and hovers wait for the check of the text
the editor has now. A file schemalint cannot parse gets parse-error diagnostics like any
finding; an error inside the server is logged and the server goes on.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer

from schemalint.lsp.features import FIX_ALL, Document, path_of
from schemalint.lsp.lint import DocumentChecker
from schemalint.version import __version__

log = logging.getLogger("schemalint.lsp")


class Server(LanguageServer):
    def __init__(self, checker: DocumentChecker, debounce: float) -> None:
        # Full synchronisation: a migration is small, and the whole text with each change
        # leaves no room for an incremental edit applied differently here than in the editor.
        super().__init__("schemalint", __version__,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.checker = checker
        self.debounce = debounce
        self.open: set[str] = set()
        self.shut_down = False  # a shutdown request came before exit (the exit code says so)
        self.documents: dict[str, Document] = {}  # uri -> its latest published check
        self.timers: dict[str, asyncio.TimerHandle] = {}  # uri -> the check after a pause
        self.checking: dict[str, tuple[str, asyncio.Task]] = {}  # uri -> (text, its check)
        # One worker: checks run in turn (DocumentChecker's caches are not shared between
        # threads) and off the event loop.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemalint-check")

    def text(self, uri: str) -> tuple[str, int | None]:
        doc = self.workspace.get_text_document(uri)
        return doc.source, doc.version

    def schedule(self, uri: str, delay: float) -> None:
        """Check `uri` after `delay` seconds, unless something changes it before."""
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if delay <= 0:
            self.start_check(uri)
        else:
            self.timers[uri] = asyncio.get_running_loop().call_later(delay, self.start_check, uri)

    def start_check(self, uri: str) -> asyncio.Task | None:
        """The check of the document's current text: the one running, or a new one."""
        self.timers.pop(uri, None)
        if uri not in self.open:
            return None
        text, version = self.text(uri)
        running = self.checking.get(uri)
        if running is not None and running[0] == text:
            return running[1]
        task = asyncio.get_running_loop().create_task(self._check(uri, text, version))
        self.checking[uri] = (text, task)
        return task

    async def _check(self, uri: str, text: str, version: int | None) -> None:
        try:
            checked = await asyncio.get_running_loop().run_in_executor(
                self.executor, self.checker.check, path_of(uri), text)
            if uri not in self.open or self.text(uri)[0] != text:
                return  # changed or closed meanwhile: a newer check follows, or none is wanted
            if checked.skipped:
                log.info("%s: not checked: %s", uri, checked.skipped)
            document = Document(uri, version, checked, self.encoding)
            self.documents[uri] = document
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=document.lsp_diagnostics))
        except Exception as exc:  # noqa: BLE001 - the server must outlive any one check
            self.internal_error(f"checking {uri}", exc)
        finally:
            if self.checking.get(uri, (None, None))[1] is asyncio.current_task():
                del self.checking[uri]

    async def current(self, uri: str) -> Document | None:
        """The check of the text the editor has now (waiting for it if need be)."""
        if uri not in self.open:
            return None
        document = self.documents.get(uri)
        if document is not None and document.checked.text == self.text(uri)[0]:
            return document
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        task = self.start_check(uri)
        if task is not None:
            await asyncio.wait({task})
        document = self.documents.get(uri)
        if document is not None and uri in self.open and document.checked.text == self.text(uri)[0]:
            return document
        return None

    @property
    def encoding(self) -> str:
        """The position encoding agreed at initialisation ("utf-16" unless the client offered
        another)."""
        encoding = self.workspace.position_encoding
        return str(getattr(encoding, "value", encoding) or "utf-16")

    def internal_error(self, what: str, exc: BaseException) -> None:
        log.error("internal error while %s", what, exc_info=exc)
        try:
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Error,
                message=f"schemalint: internal error while {what}: {type(exc).__name__}: {exc}"))
        except Exception:  # noqa: BLE001 - the connection itself may be gone
            log.debug("could not send the error to the client", exc_info=True)

    def close_all(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        for _, task in self.checking.values():
            task.cancel()
        self.timers.clear()
        self.executor.shutdown(wait=False, cancel_futures=True)


def build(checker: DocumentChecker, debounce: float) -> Server:
    server = Server(checker, debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: Server, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.open.add(params.text_document.uri)
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: Server, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    def did_save(ls: Server, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.schedule(uri, 0)
        # The saved file is history to the other open migrations: check them again too.
        for other in ls.open - {uri}:
            ls.schedule(other, ls.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: Server, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open.discard(uri)
        timer = ls.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        ls.documents.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
        code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False))
    async def code_action(ls: Server, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        document = await ls.current(params.text_document.uri)
        if document is None:
            return None
        versioned = bool(get_capability(ls.client_capabilities,
                                        "workspace.workspace_edit.document_changes", False))
        only = [str(getattr(k, "value", k)) for k in params.context.only or ()] or None
        return document.code_actions(params.range, only, versioned)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: Server, params: lsp.HoverParams) -> lsp.Hover | None:
        document = await ls.current(params.text_document.uri)
        return None if document is None else document.hover(params.position)

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: Server, *args) -> None:
        ls.shut_down = True
        ls.close_all()

    return server


def serve(config: str | None, no_config: bool, debounce: float, stdin, stdout) -> int:
    """Serve one client over `stdin` and `stdout` (binary streams) until it exits or the
    stream ends; the exit code is 0 after a shutdown request, 1 otherwise (LSP `exit`)."""
    server = build(DocumentChecker(config, no_config), debounce)
    server.start_io(stdin, stdout)
    return 0 if server.shut_down else 1
