"""Running cells through a real kernel: input(), interrupts, errors, big outputs, comms."""
import os
import signal
import time

import pytest

from kernel_harness import (client_for, iopub_until_idle, run_cell, shell_reply, start_kernel,
                            stdout_text, stop_kernel)


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def _drain(kc):
    while kc.iopub_channel.msg_ready():
        kc.get_iopub_msg(timeout=1)


def test_input_round_trip_over_stdin(kernel):
    _, kc = kernel
    msg_id = kc.execute("name = input('who? ')\nprint('hello', name)", allow_stdin=True)
    request = kc.get_stdin_msg(timeout=30)
    assert request["msg_type"] == "input_request"
    assert request["content"] == {"prompt": "who? ", "password": False}
    assert request["parent_header"]["msg_id"] == msg_id
    kc.input("ada")
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    assert "hello ada\n" in stdout_text(iopub_until_idle(kc, msg_id))


def test_input_without_allow_stdin_is_a_clear_error(kernel):
    _, kc = kernel
    reply, _ = run_cell(kc, "input('x? ')", allow_stdin=False)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "StdinNotImplementedError"


def test_a_million_lines_arrive_complete_and_in_order(kernel):
    _, kc = kernel
    reply, messages = run_cell(kc, "for i in range(1_000_000):\n    print(i)", timeout=120)
    assert reply["content"]["status"] == "ok"
    text = stdout_text(messages)
    assert text == "".join(f"{i}\n" for i in range(1_000_000))


def test_output_shows_while_the_cell_still_runs(kernel):
    _, kc = kernel
    msg_id = kc.execute("import time\nprint('epoch 1')\ntime.sleep(3)\nprint('epoch 2')")
    started = time.monotonic()
    first = next(m for m in iter(lambda: kc.get_iopub_msg(timeout=10), None)
                 if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream")
    assert first["content"] == {"name": "stdout", "text": "epoch 1\n"}
    assert time.monotonic() - started < 2.0  # long before the sleep ends
    assert stdout_text(iopub_until_idle(kc, msg_id)) == "epoch 2\n"


def test_a_thread_printing_after_its_cell_finished_shows_under_that_cell(kernel):
    _, kc = kernel
    code = ("import threading, time\n"
            "def later():\n    time.sleep(0.5)\n    print('done in the background')\n"
            "threading.Thread(target=later).start()")
    reply, messages = run_cell(kc, code)
    assert reply["content"]["status"] == "ok" and stdout_text(messages) == ""
    msg_id = reply["parent_header"]["msg_id"]
    late = next(m for m in iter(lambda: kc.get_iopub_msg(timeout=10), None)
                if m["msg_type"] == "stream")
    assert late["parent_header"]["msg_id"] == msg_id
    assert late["content"] == {"name": "stdout", "text": "done in the background\n"}


def test_error_aborts_queued_cells_and_keeps_the_count(kernel):
    _, kc = kernel
    first, _ = run_cell(kc, "40 + 2")
    count = first["content"]["execution_count"]
    failing = kc.execute("import time\ntime.sleep(0.5)\n1/0")
    queued = kc.execute("print('must not run')")
    failed = shell_reply(kc, failing)
    assert failed["content"]["status"] == "error"
    assert failed["content"]["ename"] == "ZeroDivisionError"
    assert failed["content"]["execution_count"] == count + 1
    errors = [m for m in iopub_until_idle(kc, failing) if m["msg_type"] == "error"]
    assert [m["content"]["ename"] for m in errors] == ["ZeroDivisionError"]
    aborted = shell_reply(kc, queued)
    assert aborted["content"]["status"] == "aborted"
    assert stdout_text(iopub_until_idle(kc, queued)) == ""
    reply, messages = run_cell(kc, "6 * 7")
    assert reply["content"]["execution_count"] == count + 2
    results = [m["content"] for m in messages if m["msg_type"] == "execute_result"]
    assert results[0]["execution_count"] == count + 2
    assert results[0]["data"]["text/plain"] == "42"


def test_a_cell_sent_after_an_error_reply_is_never_aborted(kernel):
    _, kc = kernel
    for _ in range(20):
        failing = kc.execute("1/0")
        assert shell_reply(kc, failing)["content"]["status"] == "error"
        msg_id = kc.execute("6 * 7")  # at once: it must not be taken for one queued behind the error
        assert shell_reply(kc, msg_id)["content"]["status"] == "ok"
        iopub_until_idle(kc, msg_id)


def test_interrupt_request_from_a_second_client(kernel):
    km, kc = kernel
    msg_id = kc.execute("import time\ntime.sleep(30)")
    time.sleep(1.0)
    other = client_for(km.connection_file)
    try:
        started = time.monotonic()
        other.control_channel.send(other.session.msg("interrupt_request", {}))
        assert other.get_control_msg(timeout=10)["content"]["status"] == "ok"
        reply = shell_reply(kc, msg_id, timeout=10)
        assert time.monotonic() - started < 5
    finally:
        other.stop_channels()
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert run_cell(kc, "'still here'")[0]["content"]["status"] == "ok"


def test_sigint_interrupts_running_code_and_is_ignored_when_idle(kernel):
    km, kc = kernel
    pid = km.provisioner.process.pid
    for _ in range(3):
        os.kill(pid, signal.SIGINT)
        time.sleep(0.1)
    assert km.is_alive()
    msg_id = kc.execute("import time\ntime.sleep(30)")
    time.sleep(1.0)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=10)
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    reply, messages = run_cell(kc, "print('alive')")
    assert reply["content"]["status"] == "ok" and stdout_text(messages) == "alive\n"


def test_status_busy_idle_around_kernel_info(kernel):
    _, kc = kernel
    _drain(kc)
    msg_id = kc.kernel_info()
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["protocol_version"] == "5.4"
    assert reply["content"]["implementation"] == "gradtrace"
    states = []
    deadline = time.monotonic() + 5
    while len(states) < 2 and time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=5)
        if msg["parent_header"].get("msg_id") == msg_id:
            states.append(msg["content"]["execution_state"])
    assert states == ["busy", "idle"]


def test_comm_to_an_unknown_target_is_closed(kernel):
    _, kc = kernel
    _drain(kc)
    msg = kc.session.msg("comm_open", {"comm_id": "c-1", "target_name": "no.such.target", "data": {}})
    kc.shell_channel.send(msg)
    closes = [m for m in iopub_until_idle(kc, msg["header"]["msg_id"]) if m["msg_type"] == "comm_close"]
    assert [m["content"]["comm_id"] for m in closes] == ["c-1"]
    info = kc.session.msg("comm_info_request", {})
    kc.shell_channel.send(info)
    assert shell_reply(kc, info["header"]["msg_id"])["content"] == {"status": "ok", "comms": {}}
