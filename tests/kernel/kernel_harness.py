"""Shared set-up for the kernel tests: a private Jupyter environment with the gradtrace kernelspec,
kernels started for real (KernelManager or `python -m gradtrace.kernel`), and small client helpers.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from queue import Empty

KERNEL_NAME = "gradtrace-test"
_ROOT = None


def jupyter_env() -> str:
    """Point Jupyter's paths and gradtrace's history at a private directory and install the kernelspec there.

    Idempotent; returns the directory. Kernels inherit the environment.
    """
    global _ROOT
    if _ROOT is None:
        from gradtrace.kernel.kernelspec import install

        _ROOT = tempfile.mkdtemp(prefix="gradtrace-kernel-tests-")
        atexit.register(shutil.rmtree, _ROOT, True)
        os.environ["JUPYTER_PATH"] = os.path.join(_ROOT, "share", "jupyter")
        os.environ["JUPYTER_DATA_DIR"] = os.path.join(_ROOT, "data")
        os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(_ROOT, "runtime")
        os.environ["JUPYTER_CONFIG_DIR"] = os.path.join(_ROOT, "config")
        os.environ["GRADTRACE_HISTORY"] = os.path.join(_ROOT, "history.sqlite")
        install(prefix=_ROOT, name=KERNEL_NAME)
    return _ROOT


def start_kernel():
    """(KernelManager, ready BlockingKernelClient) for the installed gradtrace kernelspec."""
    from jupyter_client.manager import start_new_kernel

    jupyter_env()
    return start_new_kernel(kernel_name=KERNEL_NAME, startup_timeout=30)


def stop_kernel(km, kc) -> None:
    """Stop the client's channels and shut the kernel down."""
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def write_connection(path: str, key: bytes = b"test-key", **extra) -> dict:
    """Write a 0600 connection file with fresh ports; returns its contents."""
    from jupyter_client.connect import write_connection_file

    jupyter_env()
    write_connection_file(path, key=key, **extra)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def launch(args: list, **popen) -> subprocess.Popen:
    """Start `python -m gradtrace.kernel ARGS...` as a real process (stderr captured)."""
    jupyter_env()
    popen.setdefault("stderr", subprocess.PIPE)
    popen.setdefault("stdout", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "gradtrace.kernel", *args], text=True, **popen)


def client_for(path: str, **overrides):
    """A started BlockingKernelClient attached by connection file (overrides replace file fields)."""
    from jupyter_client.blocking import BlockingKernelClient

    kc = BlockingKernelClient(connection_file=path)
    kc.load_connection_file()
    for name, value in overrides.items():
        setattr(kc, name, value)
    kc.start_channels()
    return kc


def wait_for_file(path: str, timeout: float = 20.0) -> None:
    """Wait until a file exists and holds a JSON object (a connection file being written)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8") as handle:
                json.load(handle)
            return
        except (OSError, ValueError):
            time.sleep(0.05)
    raise TimeoutError(f"{path} was not written within {timeout} s")


def run_cell(kc, code: str, timeout: float = 30.0, **execute_kw):
    """Execute code; return (reply, iopub messages of that request up to idle, busy/idle excluded)."""
    msg_id = kc.execute(code, **execute_kw)
    reply = shell_reply(kc, msg_id, timeout)
    return reply, iopub_until_idle(kc, msg_id, timeout)


def shell_reply(kc, msg_id: str, timeout: float = 30.0) -> dict:
    """The shell reply to msg_id (other replies are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def iopub_until_idle(kc, msg_id: str, timeout: float = 30.0) -> list:
    """iopub messages whose parent is msg_id, until its idle status."""
    deadline = time.monotonic() + timeout
    found = []
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                return found
            continue
        found.append(msg)


def no_message(get, timeout: float) -> bool:
    """True when the channel getter yields nothing within timeout."""
    try:
        get(timeout=timeout)
    except Empty:
        return True
    return False


def stdout_text(messages: list) -> str:
    """The concatenated stdout stream text of a list of iopub messages."""
    return "".join(m["content"]["text"] for m in messages
                   if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
