"""`gradtrace lsp` end to end over stdio, on both backends: the in-process engine, and --existing on a
kernel started with `gradtrace kernel start` (which must still be serving afterwards)."""
import asyncio
import time

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lsp_harness import W_GRAD_REPR, W_REPR, Y_REPR, private_env, start_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

TUTORIAL = """\
import torch
# %% the forward pass
w = torch.tensor([1.0, 2.0], requires_grad=True)
y = (w * w).sum()
print("forward done")
# %% the backward pass
y.backward()
"""
LAYER = """\
import torch
torch.manual_seed(0)
x = torch.randn(16, 3)
lin = torch.nn.Linear(3, 4)
h = lin(x)
opt = torch.optim.SGD(lin.parameters(), lr=0.1)
"""


async def test_initialize_advertises_the_commands_and_the_live_features(lsp):
    # initialize_session ran in the fixture; the server says what it offers
    capabilities = lsp.client.server_capabilities
    assert list(capabilities.execute_command_provider.commands) == [
        "gradtrace.runFile", "gradtrace.runRange", "gradtrace.interrupt"]
    assert capabilities.hover_provider and capabilities.definition_provider and capabilities.inlay_hint_provider
    assert "." in capabilities.completion_provider.trigger_characters
    assert "(" in capabilities.signature_help_provider.trigger_characters


async def test_running_a_range_returns_the_outcome_and_the_report(lsp):
    uri = lsp.open("tutorial.py", TUTORIAL)
    result = await lsp.run_range(uri, (0, 0), (4, 21))  # a selection: the import and the forward cell
    assert result["status"] == "ok" and result["error"] is None
    assert result["output"] == "forward done\n"
    report = result["report"]
    assert [entry["name"] for entry in report["bound"]] == ["w", "y"]
    assert report["bound"][1]["grad_fn"] == "SumBackward0" and report["bound"][1]["shape"] == []
    assert result["report_text"].startswith("autograd: bound w, y")
    assert any(log.message == "forward done" for log in lsp.client.log_messages)

    result = await lsp.run_range(uri, (6, 3), (6, 3))  # a cursor in the second `# %%` cell runs that cell
    assert result["report"]["grads"] == [{"name": "w", "value": "tensor([2., 4.])", "accumulated": False}]
    assert "w.grad = tensor([2., 4.])" in result["report_text"]
    sent = lsp.reports[-1]
    assert sent.uri == uri and sent.text == result["report_text"]


async def test_hover_shows_a_tensor_and_its_leaf_live(lsp):
    uri = lsp.open("hover.py", TUTORIAL)
    await lsp.run_file(uri)
    hover = await lsp.hover(uri, 3, 0)  # y
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert text.startswith("**y** · tensor\n```text\n")
    assert "Shape:         []" in text and "Dtype:         torch.float32" in text and "Device:        cpu" in text
    assert "grad_fn:       SumBackward0" in text and "SumBackward0 <- MulBackward0" in text
    assert f"Value:         {Y_REPR}" in text

    leaf = (await lsp.hover(uri, 2, 0)).contents.value  # w, the leaf: its value, shape and grad
    assert "Shape:         [2]" in leaf and "is_leaf:       True" in leaf and "requires_grad: True" in leaf
    assert f"grad:          {W_GRAD_REPR}" in leaf and f"Value:         {W_REPR}" in leaf

    assert (await lsp.hover(uri, 6, 0)).contents.value.startswith("**y** · tensor")  # y of `y.backward()`
    method = (await lsp.hover(uri, 6, 3)).contents.value  # its method: the signature
    assert "y.backward(gradient=None, retain_graph=None, create_graph=False, inputs=None)" in method


async def test_hover_shows_a_module_and_an_optimizer_by_repr_and_other_names_by_signature(lsp):
    scale = 'def scale(t, factor=2.0):\n    """Multiply t by factor."""\n    return t * factor\n'
    uri = lsp.open("layer.py", LAYER + scale)
    await lsp.run_file(uri)
    module = (await lsp.hover(uri, 3, 0)).contents.value
    assert module == "**lin** · module\n```python\nLinear(in_features=3, out_features=4, bias=True)\n```"
    optimizer = (await lsp.hover(uri, 5, 0)).contents.value
    assert optimizer.startswith("**opt** · optimizer\n```python\nSGD (\nParameter Group 0\n")
    function = (await lsp.hover(uri, 6, 5)).contents.value
    assert "scale(t, factor=2.0)" in function and "Multiply t by factor." in function


async def test_completion_merges_the_live_namespace_with_jedi(lsp):
    # `loc` is bound by no run: jedi finds it in the document; `local_tensor` is live
    uri = lsp.open("complete.py", "local_tensor = None\nloc = 1\nlo\n")
    await lsp.run_range(uri, (0, 0), (0, 19))
    items = await lsp.complete_until(uri, 2, 2, ["loc", "local_tensor"])
    assert items["loc"].kind == types.CompletionItemKind.Variable and "local_tensor" in items

    uri = lsp.open("complete_live.py", TUTORIAL + "w.requires_gr\n")
    await lsp.run_range(uri, (0, 0), (4, 21))
    started = time.monotonic()
    items = (await lsp.complete(uri, 7, 13)).items
    assert time.monotonic() - started < 5
    by_label = {item.label: item for item in items}
    assert {"requires_grad", "requires_grad_"} <= set(by_label)
    assert by_label["requires_grad_"].kind == types.CompletionItemKind.Function
    assert by_label["requires_grad_"].text_edit.range == types.Range(
        start=types.Position(line=7, character=2), end=types.Position(line=7, character=13))


async def test_signature_help_and_definition(lsp):
    uri = lsp.open("signature.py", "def blend(a, b, weight=0.5):\n    return a\n\nblend(1, \n"
                                   "import torch\ntorch.ones(2, 3, requires_grad=\n")
    await lsp.run_range(uri, (0, 0), (1, 12))
    help = await lsp.signature_help(uri, 3, 9)
    assert help.signatures[0].label == "blend(a, b, weight=0.5)" and help.active_parameter == 1
    assert [p.label for p in help.signatures[0].parameters] == ["a", "b", "weight=0.5"]
    await lsp.run_range(uri, (4, 0), (4, 12))  # the engine's function, live
    engine = (await lsp.signature_help(uri, 5, 31)).signatures[0]
    assert engine.label.startswith("torch.ones(") and "requires_grad=False" in engine.label
    locations = await lsp.definition(uri, 3, 1)
    assert [(location.uri, location.range.start.line) for location in locations] == [(uri, 0)]


async def test_inlay_hints_follow_the_text_that_ran(lsp):
    uri = lsp.open("hints.py", LAYER)
    await lsp.run_file(uri)
    hints = {hint.position.line: hint.label for hint in await lsp.inlay_hints(uri)}
    assert hints == {2: "[16, 3] float32", 4: "[16, 4] float32 · AddmmBackward0"}
    assert (await lsp.inlay_hints(uri))[1].position.character == len("h = lin(x)")
    # a line inserted above moves the hints down; the edited line loses its hint
    lsp.change(uri, 2, "# a comment\n" + LAYER.replace("h = lin(x)", "h = lin(x) * 2"))
    hints = {hint.position.line: hint.label for hint in await lsp.inlay_hints(uri)}
    assert hints == {3: "[16, 3] float32"}


async def test_an_exception_is_a_diagnostic_until_the_next_successful_run(lsp):
    uri = lsp.open("error.py", "import torch\na = torch.ones(2, 3)\nb = torch.ones(4, 5)\nc = a @ b\n")
    result = await lsp.run_file(uri)
    assert result["status"] == "error" and result["error"]["ename"] == "RuntimeError"
    found = await lsp.diagnostics_of(uri, lambda d: len(d) == 1)
    assert found[0].range.start.line == 3 and found[0].source == "gradtrace"
    assert found[0].message == ("RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)")
    lsp.change(uri, 2, "import torch\na = torch.ones(2, 3)\nb = torch.ones(3, 5)\nc = a @ b\n")
    assert (await lsp.run_file(uri))["status"] == "ok"
    await lsp.diagnostics_of(uri, lambda d: len(d) == 0)


@pytest.mark.parametrize("how", ["command", "cancelRequest"])
async def test_a_sleeping_run_is_interrupted_within_a_second(lsp, how):
    uri = lsp.open(f"sleep_{how}.py", "import time\ntime.sleep(30)\n")
    params = types.ExecuteCommandParams(command="gradtrace.runFile", arguments=[uri])
    msg_id = f"sleep-{how}-{lsp.backend}"
    running = asyncio.ensure_future(  # pytest-lsp sends a request when its coroutine starts
        lsp.client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=msg_id))
    await asyncio.sleep(1.0)  # the sleep has begun
    started = time.monotonic()
    if how == "command":
        assert await lsp.command("gradtrace.interrupt") == {"interrupted": True}
        result = await asyncio.wait_for(running, 5)
        assert result["status"] == "error" and result["error"]["ename"] == "KeyboardInterrupt"
    else:
        lsp.client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
        with pytest.raises(JsonRpcException):
            await asyncio.wait_for(running, 5)
    found = await lsp.diagnostics_of(uri, lambda d: len(d) == 1 and d[0].message == "KeyboardInterrupt")
    assert time.monotonic() - started < 1.0
    assert found[0].range.start.line == 1
    assert (await lsp.command("gradtrace.runRange", uri, {"start": {"line": 0, "character": 0},
                                                          "end": {"line": 0, "character": 11}}))["status"] == "ok"


async def test_bad_requests_get_errors_or_empty_results_and_the_server_lives(lsp):
    uri = lsp.open("bad.py", "x = 1\n")
    assert await lsp.hover(uri, 99, 0) is None
    assert await lsp.complete(uri, 5, 2) is None
    assert await lsp.signature_help(uri, 3, 0) is None
    assert await lsp.hover(uri, 0, 400) is None  # past the end of the line: clamped, nothing there
    with pytest.raises(JsonRpcException, match="expects \\[uri, range\\]"):
        await lsp.command("gradtrace.runRange", uri)
    with pytest.raises(JsonRpcException, match="has a negative position"):
        await lsp.run_range(uri, (-1, 0), (0, 0))
    with pytest.raises(JsonRpcException, match="expected a document URI"):
        await lsp.command("gradtrace.runFile", 42)
    with pytest.raises(JsonRpcException, match="cannot read"):
        await lsp.run_file((lsp.root / "missing.py").as_uri())
    with pytest.raises(JsonRpcException, match="not defined"):
        await lsp.command("gradtrace.noSuchCommand")
    with pytest.raises(JsonRpcException):
        await lsp.raw_request("textDocument/hover", {"textDocument": 5}, f"malformed-{lsp.backend}")
    with pytest.raises(JsonRpcException, match="gradtrace/noSuchMethod"):
        await lsp.raw_request("gradtrace/noSuchMethod", {}, f"unknown-{lsp.backend}")
    # bytes written straight to file descriptor 1 (a C library printing) go to stderr, not into the protocol
    lsp.change(uri, 2, "import os\nos.write(1, b'Content-Length: 5\\r\\n\\r\\nhello')\nprint('fine')\n")
    result = await lsp.run_file(uri)
    assert result["status"] == "ok" and result["output"] == "fine\n"
    assert (await lsp.run_file(uri))["status"] == "ok"  # still serving


async def test_shutdown_and_exit_end_the_server_and_leave_the_kernel_running(lsp):
    # a server of its own, so the shared one keeps serving the other tests
    args = ["--existing", lsp.kernel.connection_file] if lsp.kernel is not None else []
    client = await start_server(args, private_env(lsp.root), lsp.root.as_uri())
    uri = lsp.open("short.py", "z = 3\n")
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="gradtrace.runFile", arguments=[uri]))
    assert result["status"] == "ok"
    await asyncio.wait_for(client.shutdown_session(), 20)
    assert client._server.returncode == 0
    await client.stop()
    if lsp.kernel is not None:
        assert lsp.kernel.answers()
