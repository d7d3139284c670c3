"""A kernel that dies, or is not there: one window/showMessage sentence, and the static features go on."""
import asyncio
import time

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lsp_harness import Session, StartedKernel, private_env, start_server

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

DOCUMENT = 'def scale(t, factor=2.0):\n    """Multiply t by factor."""\n    return t * factor\n\nscale(1)\n'


async def messages_after(client, count, timeout=15):
    deadline = time.monotonic() + timeout
    while len(client.messages) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return client.messages


async def static_features_still_work(session):
    uri = session.open("static.py", DOCUMENT)
    hover = await session.hover(uri, 4, 1)
    assert "scale(t, factor=2.0)" in hover.contents.value and "Multiply t by factor." in hover.contents.value
    assert "scale" in await session.complete_until(uri, 4, 3, ["scale"])
    with pytest.raises(JsonRpcException, match="gradtrace: "):
        await session.run_file(uri)
    return uri


async def test_a_kernel_that_dies_is_one_message_and_static_features_keep_working(tmp_path):
    env = private_env(tmp_path)
    kernel = StartedKernel(tmp_path / "runtime" / "kernel-dies.json", env)
    try:
        client = await start_server(["--existing", kernel.connection_file], env, tmp_path.as_uri())
        session = Session(client, tmp_path, "existing", kernel)
        uri = session.open("alive.py", "a = 1\n")
        assert (await session.run_file(uri))["status"] == "ok"
        kernel.process.kill()
        kernel.process.wait(10)
        messages = await messages_after(client, 1)
        assert len(messages) == 1 and messages[0].type == types.MessageType.Error
        assert messages[0].message.startswith("gradtrace: the kernel of ") and "died" in messages[0].message
        await static_features_still_work(session)
        assert len(client.messages) == 1  # one sentence, however many requests followed
        await asyncio.wait_for(client.shutdown_session(), 20)
        assert client._server.returncode == 0
        await client.stop()
    finally:
        kernel.stop()


async def test_an_unreachable_kernel_is_one_message_and_static_features_keep_working(tmp_path):
    missing = tmp_path / "runtime" / "kernel-none.json"
    client = await start_server(["--existing", str(missing)], private_env(tmp_path), tmp_path.as_uri())
    session = Session(client, tmp_path, "existing", None)
    messages = await messages_after(client, 1)
    assert [m.message for m in messages] == [f"gradtrace: connection file {missing} does not exist."]
    await static_features_still_work(session)
    assert len(client.messages) == 1
    await asyncio.wait_for(client.shutdown_session(), 20)
    await client.stop()
