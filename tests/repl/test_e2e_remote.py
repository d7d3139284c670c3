"""`gradtrace --existing` on a kernel started with `python -m gradtrace.kernel start`, in a real pty."""
import os
import signal
import time

import pexpect
import pytest
from repl_pty import walk_through_the_tutorial

pytestmark = pytest.mark.slow


def test_existing_kernel_session_walks_through_the_tutorial_and_leaves_the_kernel_running(
        spawn_repl, standalone_kernel):
    walk_through_the_tutorial(spawn_repl("--existing", standalone_kernel.connection_file))
    assert standalone_kernel.answers_kernel_info()


def test_existing_without_a_file_attaches_to_the_newest_kernel_and_exit_leaves_it_running(
        spawn_repl, standalone_kernel):
    repl = spawn_repl("--existing")  # JUPYTER_RUNTIME_DIR holds the kernel's file
    repl.wait_prompt()
    repl.child.send("name = input('who' + '? ')\r")  # input() is answered over the stdin channel
    repl.child.expect("who\\? ")
    repl.child.send("ada\r")
    repl.wait_prompt()
    assert "Out[2]: 'ada'" in repl.run("name")
    repl.child.send("exit()\r")  # jupyter console shuts a shared kernel down here (notebook#2523)
    repl.child.expect(pexpect.EOF, timeout=10)
    repl.child.close()
    assert repl.child.exitstatus == 0
    assert standalone_kernel.answers_kernel_info()


def test_output_of_another_client_appears_while_the_prompt_waits(spawn_repl, standalone_kernel):
    repl = spawn_repl("--existing", standalone_kernel.connection_file)
    repl.wait_prompt()
    other = standalone_kernel.client()
    try:
        other.execute("print('from the ' + 'other client')", reply=True, timeout=10)
        repl.child.expect("from the other client", timeout=5)  # no Enter pressed
    finally:
        other.stop_channels()
    repl.next_number = 3  # the prompt shows 1 until our own input: the other client's took number 1
    assert "Out[2]: 2" in repl.run("1 + 1")
    assert repl.leave() == 0


def test_printed_lines_show_before_a_long_remote_call_returns(spawn_repl, standalone_kernel):
    repl = spawn_repl("--existing", standalone_kernel.connection_file)
    repl.wait_prompt()
    repl.child.send("import time; print('epoch 1'); time.sleep(5); print('epoch 2')\r")
    repl.child.expect_exact("epoch 1", timeout=3)  # during the sleep, not after it
    repl.child.expect_exact("epoch 2", timeout=10)
    repl.wait_prompt()
    assert repl.leave() == 0


def test_kernel_death_is_reported_at_once(spawn_repl, standalone_kernel):
    repl = spawn_repl("--existing", standalone_kernel.connection_file)
    repl.wait_prompt()
    repl.child.send("x = 1")  # half-typed input: the news must not wait for Enter
    os.kill(standalone_kernel.process.pid, signal.SIGKILL)
    started = time.monotonic()
    repl.child.expect("the kernel died", timeout=10)
    assert time.monotonic() - started < 5
    repl.child.expect(r"re\[c\]onnect or \[q\]uit\?")
    repl.child.send("q\r")
    repl.child.expect(pexpect.EOF)
    repl.child.close()
    assert repl.child.exitstatus == 1


def test_private_kernel_is_shut_down_on_exit(spawn_repl):
    repl = spawn_repl("--kernel")
    repl.wait_prompt()
    out = repl.run("import os; os.getpid()")
    pid = int(out.split("Out[1]: ")[1].split()[0])
    assert pid != os.getpid()
    assert repl.leave() == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"the private kernel (pid {pid}) is still running after the REPL left")


def test_a_private_kernel_that_dies_can_be_restarted(spawn_repl):
    repl = spawn_repl("--kernel")
    repl.wait_prompt()
    out = repl.run("import os; os.getpid()")
    pid = int(out.split("Out[1]: ")[1].split()[0])
    os.kill(pid, signal.SIGKILL)
    repl.child.expect("the kernel died", timeout=10)
    repl.child.expect(r"\[r\]estart, re\[c\]onnect or \[q\]uit\?")
    repl.child.send("r\r")
    repl.child.expect("attached to the kernel again", timeout=30)
    repl.next_number = 1
    repl.wait_prompt()
    out = repl.run("os.getpid()")
    assert "NameError" in out  # a fresh kernel: the old namespace is gone
    assert "Out[2]" not in out
    assert repl.leave() == 0


def test_widgets_on_a_remote_kernel_show_as_text_and_their_comm_messages_are_ignored(spawn_repl, standalone_kernel):
    pytest.importorskip("ipywidgets")
    repl = spawn_repl("--existing", standalone_kernel.connection_file)
    repl.wait_prompt()
    out = repl.run("import ipywidgets as w; s = w.IntSlider(3); display(s); s.value = 4")
    assert "IntSlider(value=3)" in out
    assert "comm" not in out.lower()
    assert "Out[2]: 4" in repl.run("s.value")
    repl.run("import torch; x = torch.tensor(2., requires_grad=True); y = x * x")
    table = repl.run("%backward y")  # a step widget in a notebook; its table here
    assert "replay of y.backward(): 2 steps" in table and "x.grad would be 4" in table
    assert repl.leave() == 0
