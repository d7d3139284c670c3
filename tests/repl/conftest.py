"""Fixtures of the REPL's end-to-end tests (helpers live in repl_pty.py)."""
import pytest

from repl_pty import ReplSession, StandaloneKernel, repl_env


@pytest.fixture
def spawn_repl(tmp_path):
    """spawn_repl(*args, **env) -> ReplSession, terminated at the end of the test."""
    sessions = []

    def spawn(*args, **extra_env):
        session = ReplSession(list(args), repl_env(tmp_path, **extra_env))
        sessions.append(session)
        return session

    yield spawn
    for session in sessions:
        session.close()


@pytest.fixture
def standalone_kernel(tmp_path):
    (tmp_path / "runtime").mkdir(exist_ok=True)
    kernel = StandaloneKernel(tmp_path / "runtime" / "kernel-e2e.json")
    yield kernel
    kernel.stop()
