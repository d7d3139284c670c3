"""Reliability: output is never lost. Flushed text is delivered before the process can die; text
printed around errors and exits arrives whole and in order; the kernel sends everything pending
when it is told to stop (SIGTERM, shutdown_request)."""
import time

import pytest
import zmq

from kernel_harness import client_for, launch, run_cell, start_kernel, stop_kernel, write_connection
from reliability_probes import (flushed_before_exit, numbered_lines, output_around_endings, outputs_until_idle,
                                stream_text, threads_on_both_streams)


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def test_flushed_text_arrives_even_when_the_process_dies_right_after(kernel):
    km, kc = kernel
    figures = flushed_before_exit(km, kc, runs=5)
    assert figures["delivered"] == figures["runs"], figures


def test_flush_returns_once_the_text_is_on_the_iopub_socket(tmp_path, monkeypatch):
    """With both stream timers set to a minute, only flush() itself can have sent the text in time."""
    from jupyter_client.session import Session

    from gradtrace.kernel import capture, iopub
    from gradtrace.kernel.events import ExecutionEvents
    from gradtrace.kernel.service import LanguageService

    monkeypatch.setattr(capture, "FLUSH_SECONDS", 60.0)
    monkeypatch.setattr(iopub, "STREAM_FLUSH_DELAY", 60.0)
    context = zmq.Context()
    pub, sub = context.socket(zmq.XPUB), context.socket(zmq.SUB)
    pub.setsockopt(zmq.XPUB_VERBOSE, 1)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(f"tcp://127.0.0.1:{port}")
    session = Session(key=b"flush-key")
    publisher = iopub.IOPubPublisher(pub, session)
    publisher.start()
    service = LanguageService(torch_mode="gradtrace", history_path=str(tmp_path / "history.sqlite"))
    try:
        assert sub.poll(10_000), "no iopub_welcome"
        sub.recv_multipart()
        service.namespace["sub"] = sub
        code = "import sys\nsys.stdout.write('now')\nsys.stdout.flush()\narrived = sub.poll(2000)"
        parent = session.msg("execute_request", content={"code": code})
        outcome = service.execute(code, ExecutionEvents(publisher, parent, None), silent=True)
        assert outcome.status == "ok", outcome.error
        assert service.namespace["arrived"], "flush() returned before its text was on the socket"
        msg = session.deserialize(session.feed_identities(sub.recv_multipart())[1])
        assert (msg["msg_type"], msg["content"]) == ("stream", {"name": "stdout", "text": "now"})
    finally:
        service.shutdown()
        publisher.stop(1.0)
        pub.close(0)
        sub.close(0)
        context.term()


def test_prints_before_a_raise_an_interrupt_or_sys_exit_arrive_before_the_error(kernel):
    _, kc = kernel
    assert output_around_endings(kc) == {"raise": True, "KeyboardInterrupt": True, "sys.exit": True}


def test_threads_writing_both_streams_lose_nothing_and_keep_their_order(kernel):
    _, kc = kernel
    figures = threads_on_both_streams(kc, threads=4, lines=2000)
    assert figures["complete_and_ordered"], figures


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_million_numbered_lines_arrive_complete(kernel):
    _, kc = kernel
    figures = numbered_lines(kc, 1_000_000)
    assert figures["complete"], figures


def _standalone(tmp_path):
    path = str(tmp_path / "kernel.json")
    write_connection(path, key=b"output-key")
    proc = launch(["-f", path], stderr=None, stdout=None)
    kc = client_for(path)
    kc.hb_channel.time_to_dead = 10.0  # a loaded test machine may miss a 1 s heartbeat at start-up
    kc.wait_for_ready(timeout=60)
    run_cell(kc, "1")  # the first input imports the engine; these tests are about later ones
    return proc, kc


def test_sigterm_sends_what_was_printed_before_it(tmp_path):
    proc, kc = _standalone(tmp_path)
    try:
        # The text is still in the input's buffer (it waits up to 50 ms) when the signal arrives.
        msg_id = kc.execute("import os, signal, time\nprint('last words')\n"
                            "os.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(10)")
        text = ""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None or kc.iopub_channel.msg_ready():
            try:
                msg = kc.get_iopub_msg(timeout=0.2)
            except Exception:  # noqa: BLE001 - queue.Empty
                continue
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                text += msg["content"]["text"]
        assert text == "last words\n"
        assert proc.wait(timeout=10) == 0
    finally:
        kc.stop_channels()
        if proc.poll() is None:
            proc.kill()


def test_shutdown_request_during_a_cell_sends_all_its_output_first(tmp_path):
    proc, kc = _standalone(tmp_path)
    try:
        msg_id = kc.execute("import time\nfor i in range(100_000):\n    print(i)\n    time.sleep(0.001)")
        next(m for m in iter(lambda: kc.get_iopub_msg(timeout=30), None)
             if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream")
        kc.shutdown()
        messages = outputs_until_idle(kc, msg_id, timeout=15)
        printed = stream_text(messages)
        lines = printed.splitlines()
        first = int(lines[0])
        # what came after the first chunk, up to the interrupt: whole lines, none missing
        assert printed.endswith("\n") and lines == [str(i) for i in range(first, first + len(lines))]
        assert [m["content"]["ename"] for m in messages if m["msg_type"] == "error"] == ["KeyboardInterrupt"]
        assert proc.wait(timeout=15) == 0
    finally:
        kc.stop_channels()
        if proc.poll() is None:
            proc.kill()
