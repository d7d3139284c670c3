"""RemoteTransport against a real standalone kernel: bounded queries, a busy kernel, detaching."""
import io
import os
import signal
import time

import pytest

from gradtrace.repl.output import TerminalOutput
from gradtrace.repl.remote import COMPLETE_TIMEOUT_S, INSPECT_TIMEOUT_S, IS_COMPLETE_TIMEOUT_S, RemoteTransport


@pytest.fixture
def busy_kernel(standalone_kernel):
    """The kernel, busy for four seconds with another client's sleep."""
    other = standalone_kernel.client()
    other.execute("import time; time.sleep(4)")
    time.sleep(0.3)  # let the kernel start on it
    yield standalone_kernel
    other.stop_channels()


def test_queries_are_bounded_when_the_kernel_does_not_answer(standalone_kernel):
    transport = RemoteTransport.attach(standalone_kernel.connection_file)
    os.kill(standalone_kernel.process.pid, signal.SIGSTOP)  # a kernel that hears nothing
    try:
        started = time.monotonic()
        assert transport.is_complete("for i in range(3):") == {"status": "incomplete", "indent": "    "}
        assert time.monotonic() - started < IS_COMPLETE_TIMEOUT_S + 0.4
        started = time.monotonic()
        assert transport.complete("import o", 8) is None  # no matches rather than a hang
        assert transport.inspect("len", 3) is None
        assert time.monotonic() - started < COMPLETE_TIMEOUT_S + INSPECT_TIMEOUT_S + 0.5
    finally:
        os.kill(standalone_kernel.process.pid, signal.SIGCONT)
    try:
        # The kernel's own answers come back; the late replies to the questions above are skipped.
        assert transport.is_complete("x = (1,")["status"] == "incomplete"
        assert transport.is_complete("1 + 1") == {"status": "complete"}
        assert "print" in transport.complete("pri", 3)["matches"]
    finally:
        transport.close()


def test_execute_waits_for_the_kernel_and_delivers_output_in_order(busy_kernel):
    transport = RemoteTransport.attach(busy_kernel.connection_file)
    try:
        out = io.StringIO()
        terminal = TerminalOutput(out, color=False)
        reply = transport.execute("print('first')\n'second'", terminal)
        terminal.finish()
        assert reply.status == "ok"
        assert out.getvalue() == f"first\nOut[{reply.execution_count}]: 'second'\n"
    finally:
        transport.close()
    assert busy_kernel.answers_kernel_info()  # detaching left the kernel running
