"""The language server: LSP requests (pygls, lsprotocol types) answered from the live service and jedi.

Handlers run on the server's asyncio loop; everything that touches the service goes to the
Backend's thread and is awaited with a bound, so a busy or dead service never stalls the editor:
hover, completion and signature help then answer from jedi's static view of the document.
"""
import asyncio
import functools
import time
from importlib.metadata import PackageNotFoundError, version

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import from_fs_path
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from gradtrace.kernel.runner import input_filename

from . import live, static
from .completion import completion_items
from .hints import RunHints
from .outcome import OutcomeCollector
from .source import call_at, cell_around, code_of, raised_at, selected_lines

RUN_FILE, RUN_RANGE, INTERRUPT = "gradtrace.runFile", "gradtrace.runRange", "gradtrace.interrupt"
REPORT_NOTIFICATION = "gradtrace/report"
LIVE_TIMEOUT_S = 2.5        # hover and signature help wait this long for the service
COMPLETION_TIMEOUT_S = 1.5  # completion waits this long for the service and for jedi
STATIC_TIMEOUT_S = 5.0      # hover, signatures and definitions wait this long for jedi (its first call imports it)

class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: the request was valid, but the service cannot do it now."""

    CODE = -32803


def _server_version():
    try:
        return version("gradtrace")
    except PackageNotFoundError:
        return "0"


class _Protocol(LanguageServerProtocol):
    """pygls' protocol, telling the server when a request is cancelled (to interrupt a running
    command), and answering a request whose params do not parse (pygls logs it and answers nothing,
    which leaves the client waiting forever)."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if "id" in data and isinstance(data.get("method"), str):
                error = JsonRpcInvalidParams(f"the params of {data['method']} are not what the LSP specifies")
                self._send_response(data["id"], error=error.to_response_error())
            raise

    def _handle_cancel_notification(self, msg_id):
        self._server.cancelled(msg_id)
        super()._handle_cancel_notification(msg_id)


class GradtraceServer(LanguageServer):
    """The LSP server of one Backend; see the module docstring."""

    def __init__(self, backend):
        super().__init__("gradtrace", _server_version(), protocol_cls=_Protocol)
        self.backend = backend
        self.hints = RunHints()
        self.shutdown_requested = False
        self._loop = None
        self._runs = {}   # request id -> the Future of the run it started
        self.last_uri = None  # the document last opened or edited: what runFile without arguments runs

    # -- sending from any thread -----------------------------------------------------------------
    def _soon(self, fn, *args):
        """Call fn(*args) on the server's loop (pygls' writer belongs to it)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(fn, *args)

    def log(self, text, kind=types.MessageType.Log):
        self._soon(self.window_log_message, types.LogMessageParams(type=kind, message=text.rstrip("\n")))

    def tell(self, sentence):
        self._soon(self.window_show_message, types.ShowMessageParams(type=types.MessageType.Error,
                                                                     message=sentence))

    def send_report(self, report, text, uri=None):
        self._soon(self.protocol.notify, REPORT_NOTIFICATION, {"uri": uri, "report": report, "text": text})

    def start_backend(self):
        self._loop = asyncio.get_running_loop()
        self.backend.start(self.tell, self.log, self.send_report)
        static.submit(static.completions, "", None, 1, 0)  # jedi's import and set-up, before the first request

    # -- waiting for the service -----------------------------------------------------------------
    @property
    def live(self):
        """Whether live values can be asked for now: the service answers, and no run is keeping it busy
        (its answer would come after the run; static analysis answers at once instead)."""
        return self.backend.alive and not self._runs

    async def ask(self, fn, *args, timeout):
        """fn(*args) on the backend's thread, or None when it is busy, gone, or fails."""
        future = self.backend.submit(fn, *args, deadline=time.monotonic() + timeout)
        return await self._wait(future, timeout)

    async def ask_jedi(self, fn, *args, timeout=STATIC_TIMEOUT_S):
        return await self._wait(static.submit(fn, *args, timeout=timeout), timeout)

    @staticmethod
    async def _wait(future, timeout):
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except (asyncio.TimeoutError, asyncio.CancelledError):  # (a job dropped unrun arrives as cancelled)
            future.cancel()
            return None
        except Exception:  # noqa: BLE001 - a failing query answers nothing rather than breaking the editor
            return None

    # -- documents and positions -----------------------------------------------------------------
    def document(self, uri):
        """The open (or on-disk) document at `uri`; an LSP error naming it when there is none."""
        if not isinstance(uri, str) or not uri:
            raise JsonRpcInvalidParams(f"expected a document URI, got {uri!r}")
        document = self.workspace.get_text_document(uri)
        try:
            document.source
        except OSError as error:
            raise RequestFailed(f"cannot read {uri}: {error.strerror or error}") from None
        return document

    def locate(self, params):
        """(document, lines, line, column in code points) of a text position, None outside the document."""
        document = self.workspace.get_text_document(params.text_document.uri)
        try:
            lines = document.lines
        except OSError:
            return None
        position = params.position
        if position.line < 0 or position.line >= len(lines) or position.character < 0:
            return None
        server = document.position_codec.position_from_client_units(
            lines, types.Position(line=position.line, character=position.character))
        return document, lines, server.line, server.character

    # -- running code ----------------------------------------------------------------------------
    def cancelled(self, msg_id):
        future = self._runs.get(msg_id)
        if future is not None and not future.cancel():
            self.backend.interrupt()

    async def run_lines(self, uri, first, stop):
        """Run lines[first:stop] of the document; the command's result (see RunOutcome)."""
        document = self.document(uri)
        lines = document.lines
        code = code_of(lines, first, stop)
        if self.backend.failure:  # (a service still starting is fine: the run queues behind its start)
            raise RequestFailed(self.backend.failure)
        collector = OutcomeCollector(self.log, lambda report, text: self.send_report(report, text, uri))
        future = self.backend.submit(self.backend.execute, code, collector)
        request_id = self.protocol.msg_id
        self._runs[request_id] = future
        try:
            reply = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            raise RequestFailed("the run was cancelled before it started") from None
        finally:
            self._runs.pop(request_id, None)
        outcome = collector.outcome
        if reply is None:
            raise RequestFailed(self.backend.failure or "gradtrace: the language service is gone.")
        outcome.execution_count = reply.execution_count
        if reply.status != "ok":
            outcome.status = "error"
        self._publish_error(uri, lines, first, outcome)
        self.hints.record(uri, lines, first, stop, code, [report for report, _ in outcome.reports])
        self._refresh_inlay_hints()
        return outcome.as_result()

    def _publish_error(self, uri, lines, first, outcome):
        diagnostics = []
        error = outcome.error
        if error is not None and outcome.execution_count is not None:
            line = raised_at(error["traceback"], input_filename(outcome.execution_count))
            if line is not None and first + line - 1 < len(lines):
                index = first + line - 1
                text = lines[index].rstrip("\r\n")
                start = len(text) - len(text.lstrip())
                span = types.Range(start=types.Position(line=index, character=start),
                                   end=types.Position(line=index, character=len(text)))
                message = f"{error['ename']}: {error['evalue']}" if error["evalue"] else error["ename"]
                diagnostics.append(types.Diagnostic(
                    range=self.workspace.get_text_document(uri).range_to_client_units(span),
                    message=message, severity=types.DiagnosticSeverity.Error, source="gradtrace"))
        if outcome.status == "ok" or diagnostics:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def _refresh_inlay_hints(self):
        workspace = getattr(self.client_capabilities, "workspace", None)
        inlay = getattr(workspace, "inlay_hint", None)
        if inlay is not None and inlay.refresh_support:
            self.workspace_inlay_hint_refresh(None)

    def accepts_markdown(self):
        document = getattr(self.client_capabilities, "text_document", None)
        hover = getattr(document, "hover", None)
        formats = getattr(hover, "content_format", None) or []
        return types.MarkupKind.Markdown in formats


def _at_position(handler):
    """A textDocument/* handler at a position, called as handler(ls, params, document, lines, line,
    column) with the column in code points; a position outside the document answers None."""
    @functools.wraps(handler)
    async def located(ls, params):
        place = ls.locate(params)
        return None if place is None else await handler(ls, params, *place)
    return located


def _range_argument(value):
    """A Range from a command argument ({"start": {"line", "character"}, "end": ...})."""
    try:
        start, end = value["start"], value["end"]
        numbers = [int(start["line"]), int(start["character"]), int(end["line"]), int(end["character"])]
    except (TypeError, KeyError, ValueError):
        raise JsonRpcInvalidParams(
            f"gradtrace.runRange expects [uri, range] with range {{start: {{line, character}}, "
            f"end: {{line, character}}}}; got {value!r}") from None
    if min(numbers) < 0:
        raise JsonRpcInvalidParams(f"gradtrace.runRange: the range {value!r} has a negative position")
    return numbers


def _hover_markup(server, name, found):
    family, text = found["family"], found["text"]
    if not server.accepts_markdown():
        return types.MarkupContent(kind=types.MarkupKind.PlainText, value=text)
    language = "python" if family in ("module", "optimizer") else "text"
    heading = f"**{name}** · {family}" if family != "object" else f"**{name}**"
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"{heading}\n```{language}\n{text}\n```")


def _static_markup(server, signature, doc):
    if not server.accepts_markdown():
        return types.MarkupContent(kind=types.MarkupKind.PlainText, value="\n\n".join(p for p in (signature, doc) if p))
    parts = [f"```python\n{signature}\n```"] if signature else []
    if doc:
        parts.append(doc)
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n".join(parts))


def build_server(backend):
    """A GradtraceServer with every feature registered."""
    server = GradtraceServer(backend)

    @server.feature(types.INITIALIZED)
    def initialized(ls, params):
        ls.start_backend()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls, params):
        ls.shutdown_requested = True

    # -- commands ----------------------------------------------------------------------------------
    @server.command(RUN_FILE)
    async def run_file(ls, *args):
        if len(args) > 1 or not args and ls.last_uri is None:
            raise JsonRpcInvalidParams(f"gradtrace.runFile expects [uri]; got {list(args)!r}")
        uri = args[0] if args else ls.last_uri  # a command palette passes no arguments
        return await ls.run_lines(uri, 0, len(ls.document(uri).lines))

    @server.command(RUN_RANGE)
    async def run_range(ls, *args):
        if len(args) != 2:
            raise JsonRpcInvalidParams(f"gradtrace.runRange expects [uri, range]; got {list(args)!r}")
        uri = args[0]
        start_line, start_character, end_line, end_character = _range_argument(args[1])
        lines = ls.document(uri).lines
        if (start_line, start_character) == (end_line, end_character):
            first, stop = cell_around(lines, start_line)  # a cursor, not a selection: its `# %%` cell
        else:
            first, stop = selected_lines(lines, start_line, end_line, end_character)
        return await ls.run_lines(uri, first, stop)

    @server.command(INTERRUPT)
    def interrupt(ls, *args):
        ls.backend.interrupt()
        return {"interrupted": bool(ls._runs)}

    # -- live features -----------------------------------------------------------------------------
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @_at_position
    async def hover(ls, params: types.HoverParams, document, lines, line, column):
        name = live.dotted_name_at(lines[line].rstrip("\r\n"), column)
        if name is None:
            return None
        found = await ls.ask(live.describe, ls.backend, name, timeout=LIVE_TIMEOUT_S) if ls.live else None
        if found is not None:
            return types.Hover(contents=_hover_markup(ls, name, found))
        helped = await ls.ask_jedi(static.help_text, document.source, document.path, line + 1, column)
        if not helped:
            return None
        return types.Hover(contents=_static_markup(ls, *helped))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=["."], resolve_provider=False))
    @_at_position
    async def completion(ls, params: types.CompletionParams, document, lines, line, column):
        text = lines[line].rstrip("\r\n")
        column = min(column, len(text))
        asking_live = ls.ask(live.complete, ls.backend, text, column, timeout=COMPLETION_TIMEOUT_S) \
            if ls.live else asyncio.sleep(0)
        asking_jedi = ls.ask_jedi(static.completions, document.source, document.path, line + 1, column,
                                  timeout=COMPLETION_TIMEOUT_S)
        if live.receiver_of(text[:column]) is not None:
            # After a dot the service's answer is jedi's over the live object; jedi on the document
            # is asked only without one (inferring `torch.tensor(...)` statically means parsing all
            # of real torch: ten seconds the live object spares).
            live_reply = await asking_live
            if live_reply and live_reply.get("matches"):
                asking_jedi.close()  # never started
                static_found = None
            else:
                static_found = await asking_jedi
        else:
            live_reply, static_found = await asyncio.gather(asking_live, asking_jedi)
        items = completion_items(text, column, live_reply, static_found,
                                 lambda start: document.range_to_client_units(_server_range(line, start, line, column)))
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_SIGNATURE_HELP,
                    types.SignatureHelpOptions(trigger_characters=["(", ","]))
    @_at_position
    async def signature_help(ls, params: types.SignatureHelpParams, document, lines, line, column):
        before = "".join(lines[:line]) + lines[line][:column]
        call = call_at(before)
        if call is None:
            return None
        callee, active = call
        found = await ls.ask(live.signature, ls.backend, callee, timeout=LIVE_TIMEOUT_S) if ls.live else None
        if found is not None:
            text, parameters, doc = found
            signatures = [(f"{callee}{text}", parameters, doc, active)]
        else:
            signatures = await ls.ask_jedi(static.signatures, document.source, document.path, line + 1, column)
        if not signatures:
            return None
        return types.SignatureHelp(
            signatures=[types.SignatureInformation(
                label=label, documentation=doc or None, active_parameter=index,
                parameters=[types.ParameterInformation(label=p) for p in parameters])
                for label, parameters, doc, index in signatures],
            active_signature=0, active_parameter=signatures[0][3])

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @_at_position
    async def definition(ls, params: types.DefinitionParams, document, lines, line, column):
        found = await ls.ask_jedi(static.definitions, document.source, document.path, line + 1, column)
        return [types.Location(uri=from_fs_path(str(path)) if path else params.text_document.uri,
                               range=types.Range(start=types.Position(line=row - 1, character=col),
                                                 end=types.Position(line=row - 1, character=col)))
                for path, row, col in found or []] or None

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    def inlay_hint(ls, params: types.InlayHintParams):
        document = ls.workspace.get_text_document(params.text_document.uri)
        try:
            lines = document.lines
        except OSError:
            return []
        first, last = params.range.start.line, params.range.end.line
        hints = []
        for line, label in ls.hints.current(params.text_document.uri, list(lines)):
            if first <= line <= last and line < len(lines):
                text = lines[line].rstrip("\r\n")
                hints.append(types.InlayHint(
                    position=types.Position(line=line, character=document.position_codec.client_num_units(text)),
                    label=label, kind=types.InlayHintKind.Type, padding_left=True))
        return hints

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: types.DidOpenTextDocumentParams):
        ls.last_uri = params.text_document.uri

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: types.DidChangeTextDocumentParams):
        ls.last_uri = params.text_document.uri

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: types.DidCloseTextDocumentParams):
        ls.hints.forget(params.text_document.uri)
        if ls.last_uri == params.text_document.uri:
            ls.last_uri = None

    return server


def _server_range(start_line, start_character, end_line, end_character):
    return ServerTextRange(ServerTextPosition(start_line, start_character), ServerTextPosition(end_line, end_character))
