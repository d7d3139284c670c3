"""The `gradtrace` command line: help, version, kernel subcommands, and one-sentence errors."""
import json
import os
import socket
import subprocess
import sys

import pytest

from repl_pty import REPO, StandaloneKernel


def gradtrace(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "gradtrace.repl", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_sentence_error(result, expected):
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"gradtrace: {expected}\n"


def test_version():
    from importlib.metadata import version
    result = gradtrace("--version")
    assert result.returncode == 0
    assert result.stdout == f"gradtrace {version('gradtrace')}\n"


def test_help_names_the_three_doors_and_the_kernel_commands():
    result = gradtrace("--help")
    assert result.returncode == 0
    for text in ("--existing [CONNECTION_FILE]", "--kernel", "--vi", "gradtrace kernel install",
                 "gradtrace kernel start"):
        assert text in result.stdout


def test_kernel_subcommands_are_forwarded():
    result = gradtrace("kernel", "--help")
    assert result.returncode == 0
    assert "install" in result.stdout and "start" in result.stdout


def test_missing_connection_file(tmp_path):
    missing = tmp_path / "kernel-nope.json"
    assert_one_sentence_error(gradtrace("--existing", str(missing)),
                              f"connection file {missing} does not exist.")


def test_unreadable_connection_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    path = tmp_path / "kernel-locked.json"
    path.write_text("{}")
    path.chmod(0)
    assert_one_sentence_error(gradtrace("--existing", str(path)),
                              f"cannot read connection file {path}: Permission denied.")


def test_connection_file_that_is_not_json(tmp_path):
    path = tmp_path / "kernel-garbage.json"
    path.write_text("this is not json")
    assert_one_sentence_error(gradtrace("--existing", str(path)),
                              f"{path} is not a kernel connection file (it is not valid JSON).")


def test_connection_file_without_a_key(tmp_path):
    path = tmp_path / "kernel-partial.json"
    path.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1", "shell_port": 1}))
    assert_one_sentence_error(gradtrace("--existing", str(path)),
                              f"{path} is not a kernel connection file (it has no 'iopub_port').")


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_unreachable_kernel(tmp_path):
    shell, iopub, stdin, control, hb = _free_ports(5)
    path = tmp_path / "kernel-gone.json"
    path.write_text(json.dumps({
        "transport": "tcp", "ip": "127.0.0.1", "shell_port": shell, "iopub_port": iopub,
        "stdin_port": stdin, "control_port": control, "hb_port": hb, "key": "k",
        "signature_scheme": "hmac-sha256"}))
    env = dict(os.environ, GRADTRACE_KERNEL_INFO_TIMEOUT="1")
    assert_one_sentence_error(gradtrace("--existing", str(path), env=env),
                              f"no kernel answers at 127.0.0.1 on the ports in {path}; is it running?")


def test_wrong_key(tmp_path, standalone_kernel):
    info = json.loads(open(standalone_kernel.connection_file).read())
    info["key"] = "not-the-key"
    path = tmp_path / "kernel-wrong-key.json"
    path.write_text(json.dumps(info))
    env = dict(os.environ, GRADTRACE_KERNEL_INFO_TIMEOUT="1.5")
    assert_one_sentence_error(
        gradtrace("--existing", str(path), env=env),
        f"the kernel at 127.0.0.1 did not answer kernel_info within 1.5 s; check that the key in {path} "
        "is the kernel's.")
    assert standalone_kernel.answers_kernel_info()  # the kernel ignored the forged messages


def test_existing_without_any_kernel(tmp_path):
    runtime = tmp_path / "empty-runtime"
    runtime.mkdir()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime))
    assert_one_sentence_error(gradtrace("--existing", env=env),
                              f"no kernel connection file (kernel-*.json) in {runtime}; "
                              "pass one with --existing FILE.")


def test_a_script_on_stdin_runs_without_prompts():
    script = "print(6 * 7)\nfor i in range(2):\n    print(i)\n\nname = 'x'\nname\n"
    result = subprocess.run([sys.executable, "-m", "gradtrace.repl"], cwd=REPO, input=script,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "42\n0\n1\nOut[4]: 'x'\n"


def test_a_script_whose_last_input_fails_exits_1():
    result = subprocess.run([sys.executable, "-m", "gradtrace.repl"], cwd=REPO, input="1/0\n",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout.endswith("ZeroDivisionError: division by zero\n")


def test_wrong_key_of_an_encrypted_kernel(tmp_path):
    zmq = pytest.importorskip("zmq")
    if not zmq.has("curve"):
        pytest.skip("this libzmq has no CurveZMQ")
    kernel = StandaloneKernel(tmp_path / "kernel-curve.json", encrypt=True)
    try:
        info = json.loads(open(kernel.connection_file).read())
        info["key"] = "not-the-key"
        path = tmp_path / "kernel-curve-wrong-key.json"
        path.write_text(json.dumps(info))
        env = dict(os.environ, GRADTRACE_KERNEL_INFO_TIMEOUT="1")
        assert_one_sentence_error(
            gradtrace("--existing", str(path), env=env),
            f"the kernel at 127.0.0.1 did not answer kernel_info within 1 s; check that the key in {path} "
            "is the kernel's.")
    finally:
        kernel.stop()
