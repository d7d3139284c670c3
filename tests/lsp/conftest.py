"""Fixtures of the language server's tests (helpers live in lsp_harness.py)."""
import pytest
import pytest_asyncio

from lsp_harness import BACKENDS, Session, StartedKernel, private_env, start_server


@pytest.fixture(scope="module")
def lsp_root(tmp_path_factory):
    return tmp_path_factory.mktemp("lsp")


@pytest.fixture(scope="module")
def started_kernel(lsp_root):
    kernel = StartedKernel(lsp_root / "runtime" / "kernel-lsp-tests.json", private_env(lsp_root))
    yield kernel
    kernel.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=BACKENDS)
async def lsp(request, lsp_root):
    """A Session on a running server, one per backend for the whole module."""
    env = private_env(lsp_root)
    args = []
    kernel = None
    if request.param == "existing":
        kernel = request.getfixturevalue("started_kernel")
        args = ["--existing"]  # no file: the newest in the runtime dir, this kernel's (one test names it)
    client = await start_server(args, env, lsp_root.as_uri())
    session = Session(client, lsp_root, request.param, kernel)
    yield session
    await client.shutdown_session()
    await client.stop()
