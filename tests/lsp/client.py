"""A language client for the tests: `schemalint lsp` in a subprocess, spoken to over its
standard input and output by pygls' own client. Every wait has a timeout, and the server
process is killed if it has not exited when a session ends."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

TIMEOUT = 30.0  # seconds, for any one answer; a check of a few small files takes milliseconds


class Session:
    """One client and its server: what the server published and logged."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: list[lsp.PublishDiagnosticsParams] = []
        self.logs: list[lsp.LogMessageParams] = []
        self.stderr = bytearray()
        self.capabilities: lsp.ServerCapabilities | None = None
        self._arrived = asyncio.Condition()
        self._versions: dict[str, int] = {}

    async def _add(self, params: lsp.PublishDiagnosticsParams) -> None:
        async with self._arrived:
            self.published.append(params)
            self._arrived.notify_all()

    async def diagnostics(self, uri: str, version: int | None = None,
                          after: int = 0) -> list[lsp.Diagnostic]:
        """The first diagnostics published for `uri` (for its `version`, when given) among
        those published from the `after`-th on."""

        def found():
            for params in self.published[after:]:
                if params.uri == uri and (version is None or params.version == version):
                    return params.diagnostics
            return None

        async def wait():
            async with self._arrived:
                await self._arrived.wait_for(lambda: found() is not None)
            return found()

        return await asyncio.wait_for(wait(), TIMEOUT)

    def open(self, uri: str, text: str) -> None:
        self._versions[uri] = 1
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="sql", version=1, text=text)))

    def change(self, uri: str, text: str) -> int:
        """Replace the document's text (full synchronisation); returns its new version."""
        version = self._versions[uri] = self._versions[uri] + 1
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [lsp.TextDocumentContentChangeWholeDocument(text=text)]))
        return version

    async def request(self, method, params):
        """`method`: one of the client's `..._async` request methods."""
        return await asyncio.wait_for(method(params), TIMEOUT)

    async def shutdown(self) -> int:
        """shutdown, then exit: the server's exit code."""
        await self.request(self.client.shutdown_async, None)
        return await self.exit()

    async def exit(self) -> int:
        """exit: the server's exit code."""
        self.client.exit(None)
        return await asyncio.wait_for(self.client._server.wait(), TIMEOUT)


async def _drain(stream, into: bytearray) -> None:
    # The server's stderr is a pipe: read it, or a chatty server would block on a full one.
    while chunk := await stream.read(65536):
        into.extend(chunk)


@contextlib.asynccontextmanager
async def session(cwd, *args: str, command: list[str] | None = None, document_changes: bool = True,
                  encodings: list[lsp.PositionEncodingKind] | None = None):
    """A server started in `cwd` (`schemalint lsp ARGS`, or `command`), initialized."""
    client = LanguageClient("schemalint-tests", "1")
    s = Session(client)

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    async def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        await s._add(params)

    @client.feature(lsp.WINDOW_LOG_MESSAGE)
    def on_log(params: lsp.LogMessageParams) -> None:
        s.logs.append(params)

    command = command or [sys.executable, "-m", "schemalint", "lsp", "--debounce", "20", *args]
    await asyncio.wait_for(client.start_io(*command, cwd=str(cwd)), TIMEOUT)
    process = client._server  # pygls keeps the process it started here
    drain = asyncio.create_task(_drain(process.stderr, s.stderr))
    try:
        capabilities = lsp.ClientCapabilities(
            general=lsp.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
            workspace=lsp.WorkspaceClientCapabilities(
                workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=document_changes)))
        result = await s.request(client.initialize_async, lsp.InitializeParams(
            capabilities=capabilities, root_uri=f"file://{cwd}", process_id=None))
        s.capabilities = result.capabilities
        client.initialized(lsp.InitializedParams())
        yield s
    finally:
        if process.returncode is None:
            process.kill()
        try:
            await asyncio.wait_for(client.stop(), TIMEOUT)
        finally:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain


def run(coroutine):
    """Run a test's coroutine and return its result, failing (not hanging) after two minutes."""
    return asyncio.run(asyncio.wait_for(coroutine, 120))
