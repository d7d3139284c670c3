"""What an attacker or a broken client can send: the kernel drops it, logs it, and keeps serving."""
import json
import os
import socket
import stat

import pytest
import zmq
from jupyter_client.session import Session

from kernel_harness import client_for, launch, no_message, wait_for_file, write_connection

KEY = b"the-right-key"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel started as the kernelspec starts it: `python -m gradtrace.kernel -f FILE`."""
    path = str(tmp_path_factory.mktemp("conn") / "kernel.json")
    info = write_connection(path, key=KEY)
    proc = launch(["-f", path])
    kc = client_for(path)
    kc.wait_for_ready(timeout=30)
    yield {"path": path, "info": info, "proc": proc, "kc": kc}
    kc.shutdown()
    try:
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        kc.stop_channels()


@pytest.fixture
def raw(kernel):
    """Raw ZeroMQ sockets on the kernel's ports: a shell DEALER and an iopub SUB."""
    info = kernel["info"]
    ctx = zmq.Context.instance()
    shell = ctx.socket(zmq.DEALER)
    shell.linger = 0
    shell.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    iopub = ctx.socket(zmq.SUB)
    iopub.linger = 0
    iopub.setsockopt(zmq.SUBSCRIBE, b"")
    iopub.connect(f"tcp://{info['ip']}:{info['iopub_port']}")
    iopub.poll(2000)  # the iopub_welcome: the subscription is in place
    while iopub.poll(100):
        iopub.recv_multipart()
    yield shell, iopub
    shell.close()
    iopub.close()


def _statuses_for(iopub, session, msg_id, wait_ms=700):
    seen = []
    while iopub.poll(wait_ms):
        msg = session.deserialize(session.feed_identities(iopub.recv_multipart())[1])
        if msg["parent_header"].get("msg_id") == msg_id:
            seen.append(msg["msg_type"])
    return seen


def _assert_still_serving(kernel):
    kc = kernel["kc"]
    reply = kc.execute_interactive("40 + 2", timeout=30)
    assert reply["content"]["status"] == "ok"
    assert kernel["proc"].poll() is None


@pytest.mark.parametrize("key", [b"a-wrong-key", b""], ids=["wrong-key", "unsigned"])
def test_badly_signed_request_gets_no_reply_and_no_status(kernel, raw, key):
    shell, iopub = raw
    forger = Session(key=key)
    sent = forger.send(shell, "execute_request", {"code": "print('pwned')", "silent": False})
    assert not shell.poll(700)
    assert _statuses_for(iopub, Session(key=KEY), sent["header"]["msg_id"]) == []
    _assert_still_serving(kernel)


def test_replayed_request_is_dropped(kernel, raw):
    shell, iopub = raw
    session = Session(key=KEY)
    msg = session.msg("kernel_info_request", {})
    frames = session.serialize(msg)
    shell.send_multipart(frames)
    assert shell.poll(10000), "the genuine request was not answered"
    reply = session.deserialize(session.feed_identities(shell.recv_multipart())[1])
    assert reply["msg_type"] == "kernel_info_reply"
    shell.send_multipart(frames)  # the same signed bytes again
    assert not shell.poll(700)
    _assert_still_serving(kernel)


def test_garbage_on_every_socket_is_survived(kernel):
    info = kernel["info"]
    ctx = zmq.Context.instance()
    garbage = [[b"garbage"], [b"<IDS|MSG>"], [b"<IDS|MSG>", b"sig", b"{", b"}", b"{}", b"x"],
               [b"", b"\xff" * 100], [b"<IDS|MSG>", b"0" * 64, b"x" * (8 << 20)]]
    for channel in ("shell", "control", "stdin"):
        sock = ctx.socket(zmq.DEALER)
        sock.linger = 1000
        sock.connect(f"tcp://{info['ip']}:{info[channel + '_port']}")
        for frames in garbage:
            sock.send_multipart(frames)
        sock.close()
    pub = ctx.socket(zmq.XSUB)
    pub.linger = 1000
    pub.connect(f"tcp://{info['ip']}:{info['iopub_port']}")
    pub.send(b"\x07not a subscription")
    pub.send_multipart([b"two", b"frames"])
    pub.close()
    for port_name in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
        with socket.create_connection((info["ip"], info[port_name]), timeout=5) as tcp:
            tcp.sendall(os.urandom(4096))
    unknown = kernel["kc"].session.msg("no_such_request", {})
    kernel["kc"].shell_channel.send(unknown)
    _assert_still_serving(kernel)
    assert kernel["kc"].is_alive()


def test_empty_key_is_refused_without_insecure(tmp_path):
    path = str(tmp_path / "open.json")
    write_connection(path, key=b"")
    proc = launch(["-f", path])
    out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "empty 'key'" in err and "--insecure" in err
    assert "Traceback" not in err


def test_empty_key_is_accepted_with_insecure(tmp_path):
    path = str(tmp_path / "open.json")
    write_connection(path, key=b"")
    proc = launch(["-f", path, "--insecure"])
    kc = client_for(path)
    try:
        kc.wait_for_ready(timeout=30)
        assert kc.execute_interactive("1", timeout=30)["content"]["status"] == "ok"
        kc.shutdown()
        proc.wait(10)
    finally:
        kc.stop_channels()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_encrypted_standalone_kernel(tmp_path):
    """`start --encrypt` writes a 0600 file with CurveZMQ keys; only clients holding them get through."""
    path = str(tmp_path / "encrypted.json")
    proc = launch(["start", "--encrypt", "--connection-file", path])
    wait_for_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, encoding="utf-8") as handle:
        info = json.load(handle)
    assert len(info["curve_publickey"]) == len(info["curve_secretkey"]) == 40
    assert info["ip"] == "127.0.0.1" and info["key"]
    keyed = client_for(path)
    keyless = client_for(path, curve_publickey=None, curve_secretkey=None)
    try:
        keyed.wait_for_ready(timeout=30)
        reply = keyed.execute_interactive("print(6*7)", timeout=30)
        assert reply["content"]["status"] == "ok"
        # Without the keys the CurveZMQ handshake never completes, so a DEALER has no peer to queue for
        # and a plain send would block for ever: bound it, and count "could not send" as nothing through.
        for channel in (keyless.shell_channel, keyless.iopub_channel, keyless.stdin_channel, keyless.control_channel):
            channel.socket.setsockopt(zmq.LINGER, 0)
        keyless.shell_channel.socket.setsockopt(zmq.SNDTIMEO, 1000)
        try:
            keyless.kernel_info()
        except zmq.Again:
            pass
        assert no_message(keyless.get_shell_msg, 1.5)
        assert no_message(keyless.get_iopub_msg, 0.5)
        keyed.shutdown()
        proc.wait(15)
    finally:
        keyed.stop_channels()
        keyless.stop_channels()
        if proc.poll() is None:
            proc.kill()
    out, _ = proc.communicate()
    assert f"gradtrace --existing {path}" in out
    assert f"jupyter console --existing {path}" in out
    assert "ssh -N -L" in out
    assert not os.path.exists(path), "the standalone kernel removes its connection file when it ends"
