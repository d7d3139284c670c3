"""Helpers of the language server's tests: `gradtrace lsp` driven over stdio by pytest-lsp's client,
in-process or attached (--existing) to a kernel started with `gradtrace kernel start`."""
import asyncio
import concurrent.futures
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import make_test_lsp_client
from pytest_lsp.client import client_capabilities

BACKENDS = ("in-process", "existing")
# What PyTorch prints for w = tensor([1., 2.], requires_grad=True); y = (w * w).sum(); y.backward()
# (test_oracle.py checks them against real torch)
Y_REPR, W_REPR, W_GRAD_REPR = ("tensor(5., grad_fn=<SumBackward0>)", "tensor([1., 2.], requires_grad=True)",
                               "tensor([2., 4.])")


def gradtrace_command():
    """The installed `gradtrace` script beside this Python, else `python -m gradtrace.repl`."""
    script = Path(sys.executable).with_name("gradtrace")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gradtrace.repl"]


def private_env(root):
    """Jupyter's runtime dir and gradtrace's history inside `root`, so tests touch nothing of the user's."""
    env = dict(os.environ)
    env.update(JUPYTER_RUNTIME_DIR=str(root / "runtime"), GRADTRACE_HISTORY=str(root / "history.sqlite"),
               NO_COLOR="1")
    (root / "runtime").mkdir(exist_ok=True)
    return env


class StartedKernel:
    """`gradtrace kernel start --connection-file FILE`, as a user starts one to attach editors to."""

    def __init__(self, connection_file, env):
        self.connection_file = str(connection_file)
        self.process = subprocess.Popen(
            gradtrace_command() + ["kernel", "start", "--connection-file", self.connection_file],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # It prints how to attach once its sockets are bound and the file is written.
        printed = []
        for line in self.process.stdout:
            printed.append(line)
            if line.startswith("Attach the REPL:"):
                break
        else:
            raise RuntimeError(f"`gradtrace kernel start` ended: {''.join(printed)}")

    def answers(self, timeout=10):
        """Whether the kernel answers kernel_info (it is alive and serving)."""
        from jupyter_client import BlockingKernelClient
        client = BlockingKernelClient(connection_file=self.connection_file)
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=timeout)  # kernel_info answered
            return True
        except RuntimeError:
            return False
        finally:
            client.stop_channels()

    def stop(self):
        self.process.terminate()  # (Popen sends nothing to a process that has ended)
        try:
            self.process.communicate(timeout=10)  # drains what it still prints, so it never blocks on a pipe
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate(timeout=5)


async def start_server(args, env, root_uri):
    """A pytest-lsp client connected to `gradtrace lsp ARGS` and initialised like VS Code."""
    client = make_test_lsp_client()
    await client.start_io(*gradtrace_command(), "lsp", *args, env=env)
    result = await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root_uri))
    client.server_capabilities = result.capabilities
    return client


class Session:
    """The client plus the small steps the tests repeat: open a document, run it, ask at a position."""

    def __init__(self, client, root, backend, kernel):
        self.client = client
        self.root = root
        self.backend = backend
        self.kernel = kernel
        self.reports = []
        client.feature("gradtrace/report")(lambda params: self.reports.append(params))

    def open(self, name, text):
        """Open a document named `name` with `text` (written to disk too, as an editor's file is)."""
        path = self.root / name
        path.write_text(text)
        uri = path.as_uri()
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        return uri

    def change(self, uri, version, text):
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))

    async def command(self, name, *arguments, timeout=60):
        return await asyncio.wait_for(self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))), timeout)

    async def run_file(self, uri, timeout=60):
        return await self.command("gradtrace.runFile", uri, timeout=timeout)

    async def run_range(self, uri, start, end, timeout=60):
        span = {"start": {"line": start[0], "character": start[1]}, "end": {"line": end[0], "character": end[1]}}
        return await self.command("gradtrace.runRange", uri, span, timeout=timeout)

    @staticmethod
    def _at(uri, line, character):
        return dict(text_document=types.TextDocumentIdentifier(uri=uri),
                    position=types.Position(line=line, character=character))

    async def hover(self, uri, line, character):
        return await self.client.text_document_hover_async(types.HoverParams(**self._at(uri, line, character)))

    async def complete(self, uri, line, character):
        return await self.client.text_document_completion_async(
            types.CompletionParams(**self._at(uri, line, character)))

    async def complete_until(self, uri, line, character, wanted, tries=5):
        """Completion labels once they include all of `wanted`. Completion is bounded in time: while
        jedi warms up (its first answers take seconds on a loaded machine) a reply may come without
        jedi's part, so ask again, as an editor does on the next keystroke."""
        for _ in range(tries):
            items = {item.label: item for item in (await self.complete(uri, line, character)).items}
            if set(wanted) <= set(items):
                break
        return items

    async def signature_help(self, uri, line, character):
        return await self.client.text_document_signature_help_async(
            types.SignatureHelpParams(**self._at(uri, line, character)))

    async def definition(self, uri, line, character):
        return await self.client.text_document_definition_async(
            types.DefinitionParams(**self._at(uri, line, character)))

    async def inlay_hints(self, uri, last_line=1000):
        return await self.client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0),
                              end=types.Position(line=last_line, character=0))))

    async def raw_request(self, method, params, msg_id):
        """Send a request as raw JSON (the client's types would refuse a malformed one); its response."""
        body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        answer = concurrent.futures.Future()
        self.client.protocol._request_futures[msg_id] = answer  # where pygls' client files responses
        self.client.protocol.writer.write(f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
        return await asyncio.wait_for(asyncio.wrap_future(answer), 10)

    async def diagnostics_of(self, uri, predicate, timeout=10):
        """The diagnostics of `uri` once predicate(diagnostics) holds (they come as a notification)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.client.diagnostics.get(uri)
            if found is not None and predicate(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"diagnostics of {uri}: {found!r}")
            await asyncio.sleep(0.02)
