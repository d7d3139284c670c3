"""Reliability: an interrupt_request is never lost, whenever it comes after the execute_request,
and one that finds the kernel idle changes nothing. Sent by a client that did not start the kernel."""
import time

import pytest

from kernel_harness import client_for, launch, run_cell, start_kernel, stop_kernel, write_connection
from reliability_probes import SLEEP_CELL, interrupt_timing, reply_to


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    other = client_for(km.connection_file)  # attached by connection file: no process to signal
    other.wait_for_ready(timeout=30)
    # The first input imports the engine for its report, and an import is not interruptible: an
    # interrupt then lands when it ends (test_an_interrupt_while_the_kernel_is_still_starting_lands).
    run_cell(other, "import torch\ntorch.ones(1, requires_grad=True) * 2")
    yield km, other
    other.stop_channels()
    stop_kernel(km, kc)


def _assert_all_landed(figures, trials):
    assert figures["landed"] == trials, figures
    assert figures["max_ms"] < 1000, figures
    assert figures["answers_after"], figures


@pytest.mark.timeout(120)
def test_interrupts_sent_0_to_50_ms_after_the_request_all_land(kernel):
    _, other = kernel
    _assert_all_landed(interrupt_timing(other, trials=25, seed=13), 25)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_hundred_randomly_timed_interrupts_all_land(kernel):
    _, other = kernel
    _assert_all_landed(interrupt_timing(other, trials=100, seed=100), 100)


def test_an_interrupt_while_idle_changes_nothing(kernel):
    _, other = kernel
    other.control_channel.send(other.session.msg("interrupt_request", {}))
    assert other.get_control_msg(timeout=10)["content"]["status"] == "ok"
    reply, messages = run_cell(other, "import time\ntime.sleep(0.3)\n6 * 7")
    assert reply["content"]["status"] == "ok"
    assert [m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"] == ["42"]


def test_an_interrupt_while_the_kernel_is_still_starting_lands(tmp_path):
    """The first request waits for the language service to be created: an interrupt then still lands."""
    path = str(tmp_path / "kernel.json")
    write_connection(path, key=b"starting-key")
    proc = launch(["-f", path], stderr=None, stdout=None)
    try:
        client = client_for(path)
        msg_id = client.execute(SLEEP_CELL)  # queued while the kernel starts
        client.control_channel.send(client.session.msg("interrupt_request", {}))
        started = time.monotonic()
        reply = reply_to(client.get_shell_msg, msg_id, 30)
        assert reply is not None and reply["content"]["ename"] == "KeyboardInterrupt", reply
        assert time.monotonic() - started < 30
        assert run_cell(client, "6 * 7")[0]["content"]["status"] == "ok"
        client.shutdown()
        proc.wait(timeout=15)
        client.stop_channels()
    finally:
        if proc.poll() is None:
            proc.kill()
