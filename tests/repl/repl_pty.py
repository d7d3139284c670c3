"""Driving the `gradtrace` REPL in a real pseudo-terminal, and a standalone kernel, for the e2e tests."""
import os
import re
import subprocess
import sys
import time

import pexpect

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = re.compile(r"In \[(?:\x1b\[[0-9;]*m)*(\d+)")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")


def plain(text):
    """Terminal output without escape sequences or carriage returns."""
    return ANSI.sub("", text).replace("\r", "")


class ReplSession:
    """A `gradtrace` process in a pty, with the helpers the tests speak in."""

    def __init__(self, args, env, timeout=30):
        self.child = pexpect.spawn(sys.executable, ["-m", "gradtrace.repl", *args], env=env, cwd=REPO,
                                   dimensions=(50, 200), encoding="utf-8", timeout=timeout)
        self.next_number = None

    def wait_prompt(self, timeout=None):
        """Wait for the next input prompt; returns the output printed before it (plain text)."""
        if self.next_number is None:
            self.child.expect(PROMPT, timeout=timeout if timeout is not None else -1)
        else:
            pattern = r"In \[(?:\x1b\[[0-9;]*m)*" + str(self.next_number) + r"(?:\x1b\[[0-9;]*m)*\]"
            self.child.expect(pattern, timeout=timeout if timeout is not None else -1)
        number = int(re.search(r"(\d+)", plain(self.child.after)).group(1))
        self.next_number = number + 1
        return plain(self.child.before)

    def run(self, code, timeout=None):
        """Type `code` (lines joined by Enter) and return everything printed until the next prompt."""
        self.child.send(code.replace("\n", "\r") + "\r")
        return self.wait_prompt(timeout)

    def leave(self):
        """Ctrl-D, answer the question, and return the exit status."""
        self.child.sendcontrol("d")
        self.child.expect(r"Do you really want to exit \(\[y\]/n\)\?")
        self.child.send("y\r")
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)


def repl_env(tmp_path, **extra):
    env = dict(os.environ)
    env.update(GRADTRACE_HISTORY_FILE=str(tmp_path / "repl_history"), PROMPT_TOOLKIT_NO_CPR="1",
               NO_COLOR="1", TERM="xterm", JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    env.update(extra)
    return env


class StandaloneKernel:
    """`python -m gradtrace.kernel start --connection-file FILE`, as a user starts one for remote use."""

    def __init__(self, connection_file, env=None, encrypt=False):
        self.connection_file = str(connection_file)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gradtrace.kernel", "start", "--connection-file", self.connection_file]
            + (["--encrypt"] if encrypt else []),
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.connection_file):
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = self.process.communicate(timeout=5)[0] if self.process.poll() is not None else ""
                raise RuntimeError(f"the standalone kernel did not start: {output}")
            time.sleep(0.05)
        time.sleep(0.2)  # the file is written just before the kernel starts serving

    def client(self):
        from jupyter_client import BlockingKernelClient
        client = BlockingKernelClient(connection_file=self.connection_file)
        client.load_connection_file()
        client.start_channels()
        return client

    def answers_kernel_info(self, timeout=10):
        client = self.client()
        try:
            return client.kernel_info(reply=True, timeout=timeout)["content"]["status"] == "ok"
        finally:
            client.stop_channels()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process.stdout:
            self.process.stdout.close()




def walk_through_the_tutorial(repl):
    """The session every front end must support, asserted step by step (local and remote alike)."""
    repl.wait_prompt()
    repl.child.expect(r"gradtrace \S+ on Python \d")  # the banner, printed above the first prompt

    repl.run("import torch")
    out = repl.run("x = torch.tensor([1., 2.], requires_grad=True)")
    assert "x = tensor([1., 2.], requires_grad=True)  [2] torch.float32 cpu" in out

    out = repl.run("y = (x*x).sum()")
    assert "y = tensor(5., grad_fn=<SumBackward0>)" in out
    assert re.search(r"chain: SumBackward0 <- MulBackward0 <- AccumulateGrad", out), out
    assert re.search(r"aten::mul +1 ", out), out  # a profiler row: name, calls, times
    assert "Self time total: " in out

    out = repl.run("y.backward()")
    assert "x.grad = tensor([2., 4.])" in out

    out = repl.run("for i in range(3):\nprint(i * 10)\n")  # Enter auto-indents the body
    assert "\n0\n10\n20\n" in out

    out = repl.run("1/0")
    assert "ZeroDivisionError: division by zero" in out
    out = repl.run("z = x * 3")
    assert "z = tensor([3., 6.], grad_fn=<MulBackward0>)" in out

    # Ctrl-C while code runs interrupts it, and the prompt comes back at once.
    repl.child.send("import time; print('sleep' + 'ing', flush=True); time.sleep(30)\r")
    repl.child.expect("sleeping\r\n", timeout=20)  # the echo reads sleep' + 'ing
    started = time.monotonic()
    repl.child.sendcontrol("c")
    out = repl.wait_prompt(timeout=5)
    assert "KeyboardInterrupt" in out
    assert time.monotonic() - started < 1.5

    # Tab completes from the language service, in a menu.
    repl.child.send("x.requires_gr\t")
    repl.child.expect("requires_grad_", timeout=10)
    out = repl.run("")  # Enter closes the menu and runs the completed line
    assert re.search(r"Out\[\d+\]: True", out), out

    assert repl.leave() == 0
