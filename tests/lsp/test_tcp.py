"""`gradtrace lsp --tcp PORT`: the same server on 127.0.0.1, for editors that connect to a socket."""
import asyncio
import socket
import subprocess

import pytest
from lsprotocol import types
from pytest_lsp import make_test_lsp_client

from lsp_harness import gradtrace_command, private_env


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def connect(port, process, timeout=30):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        client = make_test_lsp_client()
        try:
            await client.start_tcp("127.0.0.1", port)
            return client
        except OSError:
            if process.poll() is not None or loop.time() > deadline:
                raise
            await asyncio.sleep(0.1)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_tcp_serves_on_localhost_and_runs_a_file(tmp_path):
    port = free_port()
    process = subprocess.Popen(gradtrace_command() + ["lsp", "--tcp", str(port)], env=private_env(tmp_path),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        client = await connect(port, process)
        # a client that shows plain text only: hover answers in plain text
        client.capabilities = types.ClientCapabilities(text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.PlainText])))
        await client.initialize_async(types.InitializeParams(capabilities=client.capabilities))
        client.initialized(types.InitializedParams())
        path = tmp_path / "tcp.py"
        path.write_text("import torch\nt = torch.ones(3) * 2\n")
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=path.as_uri(), language_id="python", version=1, text=path.read_text())))
        result = await asyncio.wait_for(client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="gradtrace.runFile")), 60)  # no arguments: the open document
        assert result["status"] == "ok" and result["report"]["bound"][0]["name"] == "t"
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=types.Position(line=1, character=0)))
        assert hover.contents.kind == types.MarkupKind.PlainText
        assert "Shape:         [3]" in hover.contents.value and "tensor([2., 2., 2.])" in hover.contents.value
        await client.shutdown_async(None)
        client.exit(None)
        assert process.wait(20) == 0
        await client.stop()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(5)
        process.stderr.close()


def test_a_bad_or_taken_port_is_one_sentence(tmp_path):
    completed = subprocess.run(gradtrace_command() + ["lsp", "--tcp", "70000"], env=private_env(tmp_path),
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert completed.stderr == "gradtrace lsp: --tcp needs a port between 1 and 65535, not 70000\n"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run(gradtrace_command() + ["lsp", "--tcp", str(port)], env=private_env(tmp_path),
                                   capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1
    assert completed.stderr.startswith(f"gradtrace lsp: cannot listen on 127.0.0.1:{port}: ")
    assert completed.stderr.count("\n") == 1
