"""Reliability: safe defaults. A kernel bound beyond loopback says so and names the safe ways; what a
user typed is kept 0600 in a 0700 directory; `-f FILE` for a missing FILE writes it as ipykernel does,
and a bad FILE is one sentence naming it."""
import json
import os
import stat
import subprocess
import sys

import pytest

from gradtrace.kernel.standalone import exposure_warning, is_loopback
from gradtrace.kernel.wire import ConnectionInfo
from kernel_harness import client_for, launch, run_cell, wait_for_file


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("ip", ["0.0.0.0", "192.168.1.20", "::", "*", "gpu-box.example.org"])
def test_binding_beyond_loopback_warns_with_the_risk_and_both_safe_ways(ip):
    info = ConnectionInfo(ip=ip, ports={"shell": 5001, "iopub": 5002, "stdin": 5003, "control": 5004, "hb": 5005})
    warning = exposure_warning(info)
    assert warning.startswith(f"WARNING: this kernel listens on {ip}, beyond this machine's loopback interface")
    assert "NOT encrypted" in warning
    assert "--encrypt" in warning
    assert ("ssh -N -L 5001:127.0.0.1:5001 -L 5002:127.0.0.1:5002 -L 5003:127.0.0.1:5003 "
            "-L 5004:127.0.0.1:5004 -L 5005:127.0.0.1:5005 USER@THIS_HOST") in warning


def test_loopback_and_ipc_need_no_warning():
    for info in (ConnectionInfo(ip="127.0.0.1"), ConnectionInfo(ip="127.0.0.2"), ConnectionInfo(ip="::1"),
                 ConnectionInfo(ip="localhost"), ConnectionInfo(ip="/tmp/kernel", transport="ipc")):
        assert is_loopback(info) and exposure_warning(info) == ""


def test_a_started_loopback_kernel_prints_no_warning(tmp_path):
    path = str(tmp_path / "kernel.json")
    proc = launch(["start", "--connection-file", path])
    try:
        wait_for_file(path)
        assert _mode(path) == 0o600
        kc = client_for(path)
        kc.wait_for_ready(timeout=60)
        kc.shutdown()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "listening on 127.0.0.1" in out
    assert "WARNING" not in err


def _history_env(tmp_path):
    env = dict(os.environ)
    env.pop("GRADTRACE_HISTORY", None)
    env.pop("GRADTRACE_HISTORY_FILE", None)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # platformdirs' user data dir on Linux
    return env


_WRITE_BOTH_HISTORIES = """
import os
os.umask(0o022)
from gradtrace.kernel.service import LanguageService
from gradtrace.repl.prompt import history_path, open_history
svc = LanguageService(torch_mode="gradtrace")
class Events:
    def stream(self, name, text): pass
svc.execute("secret = 'typed by the user'", Events())
history = open_history(history_path())
history.append_string("secret = 'typed at the prompt'")
print(svc._history.path)
print(history_path())
svc.shutdown()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME picks the data directory on Linux")
def test_histories_are_0600_in_a_0700_directory_even_when_they_were_left_open(tmp_path):
    env = _history_env(tmp_path)
    directory = tmp_path / "data" / "gradtrace"
    directory.mkdir(parents=True)
    os.chmod(directory, 0o755)
    old = directory / "history.sqlite"
    for suffix in ("", "-wal", "-shm"):  # an older version's files, readable by everyone
        (directory / f"history.sqlite{suffix}").touch()
        os.chmod(directory / f"history.sqlite{suffix}", 0o644)
    os.remove(old)  # the database itself is created afresh; its -wal and -shm must still be fixed
    result = subprocess.run([sys.executable, "-c", _WRITE_BOTH_HISTORIES], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    kernel_history, repl_history = result.stdout.split()
    assert os.path.dirname(kernel_history) == str(directory) == os.path.dirname(repl_history)
    assert _mode(directory) == 0o700
    for path in (kernel_history, kernel_history + "-wal", kernel_history + "-shm", repl_history):
        if os.path.exists(path):
            assert _mode(path) == 0o600, path
    assert os.path.exists(kernel_history + "-wal") or os.path.getsize(kernel_history) > 0


def test_a_history_in_a_directory_the_user_chose_keeps_that_directory_as_it_is(tmp_path):
    from gradtrace.kernel.history import HistoryStore

    os.chmod(tmp_path, 0o755)
    store = HistoryStore(str(tmp_path / "mine.sqlite"))
    store.store_input(1, "x = 1")
    store.close()
    assert _mode(tmp_path) == 0o755
    assert _mode(tmp_path / "mine.sqlite") == 0o600


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
def test_f_with_a_missing_file_writes_it_like_ipykernel(tmp_path, transport):
    path = str(tmp_path / "new" / "kernel.json")
    proc = launch(["-f", path, "--transport", transport])
    try:
        wait_for_file(path)
        assert _mode(path) == 0o600
        with open(path, encoding="utf-8") as handle:
            info = json.load(handle)
        assert info["transport"] == transport
        assert len(info["key"]) >= 32 and info["signature_scheme"] == "hmac-sha256"
        assert all(isinstance(info[f"{c}_port"], int) and info[f"{c}_port"] > 0
                   for c in ("shell", "iopub", "stdin", "control", "hb"))
        if transport == "tcp":
            assert info["ip"] == "127.0.0.1"
        kc = client_for(path)
        kc.wait_for_ready(timeout=60)
        assert run_cell(kc, "6 * 7")[0]["content"]["status"] == "ok"
        kc.shutdown()
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not os.path.exists(path), "the kernel removes the connection file it wrote"


def test_two_kernels_writing_missing_files_get_different_keys_and_ports(tmp_path):
    paths = [str(tmp_path / f"k{i}.json") for i in range(2)]
    procs = [launch(["-f", path]) for path in paths]
    try:
        infos = []
        for path in paths:
            wait_for_file(path)
            with open(path, encoding="utf-8") as handle:
                infos.append(json.load(handle))
        assert infos[0]["key"] != infos[1]["key"]
        assert infos[0]["shell_port"] != infos[1]["shell_port"]
    finally:
        for proc in procs:
            proc.terminate()
            proc.communicate(timeout=30)


@pytest.mark.parametrize("content, message", [
    (b"{not json", "connection file {path} is not valid JSON"),
    (b"\xff\xfe\x00garbage", "connection file {path} is not valid JSON"),
    (b"[1, 2]", "connection file {path} must hold a JSON object"),
    (b'{"key": "k", "transport": "udp"}', "{path}: 'transport' must be 'tcp' or 'ipc', not 'udp'"),
    (b'{"key": "k", "shell_port": "five"}', "{path}: 'shell_port' must be a port number, not 'five'"),
])
def test_a_malformed_connection_file_is_one_sentence_naming_it(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    proc = launch(["-f", str(path)])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip() == "gradtrace kernel: " + message.format(path=path)


def test_an_unreadable_connection_file_is_one_sentence_naming_it(tmp_path):
    path = tmp_path / "a-directory.json"
    path.mkdir()
    proc = launch(["-f", str(path)])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip() == f"gradtrace kernel: cannot read connection file {path}: Is a directory"
