"""The REPL loop on the real in-process language service, with pipe input and captured output."""
import asyncio
import io
import re

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from gradtrace.kernel.service import LanguageService
from gradtrace.repl.app import Repl
from gradtrace.repl.local import LocalTransport
from gradtrace.repl.output import TerminalOutput


@pytest.fixture
def transport():
    transport = LocalTransport(LanguageService(torch_mode="gradtrace"))
    yield transport
    transport.close()


def run(transport, code):
    out = io.StringIO()
    terminal = TerminalOutput(out, color=False)
    reply = transport.execute(code, terminal)
    terminal.finish()
    return reply, out.getvalue()


def test_output_then_value_then_report(transport):
    run(transport, "import torch\nx = torch.tensor([1., 2.], requires_grad=True)")
    reply, text = run(transport, "print('hi')\n(x * x).sum()")
    assert reply.status == "ok" and reply.execution_count == 2
    lines = text.splitlines()
    assert lines[:3] == ["hi", "Out[2]: tensor(5., grad_fn=<SumBackward0>)",
                         "bound    Out[2] = tensor(5., grad_fn=<SumBackward0>)  [] torch.float32 cpu"]
    assert lines[3].startswith("           chain: SumBackward0 <- MulBackward0 <- AccumulateGrad(x)")
    assert re.fullmatch(r"profile  Name +Calls +Self +Total", lines[4])
    assert re.search(r"^         Self time total: [\d.]+(us|ms)$", text, re.M)
    assert "\x1b" not in text


def test_backward_reports_the_gradient(transport):
    run(transport, "import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()")
    _, text = run(transport, "y.backward()")
    assert text.splitlines()[0] == "grads    x.grad = tensor([2., 4.])"


def test_an_error_comes_before_the_report_of_what_ran_until_then(transport):
    run(transport, "import torch\nx = torch.tensor([1., 2.], requires_grad=True)")
    reply, text = run(transport, "y = x * 2\n1/0")
    assert reply.status == "error"
    assert text.index("ZeroDivisionError: division by zero") < text.index("bound    y = tensor([2., 4.]")


def test_exit_asks_the_repl_to_leave(transport):
    reply, _ = run(transport, "exit()")
    assert reply.exit_requested


def type_into(transport, *chunks, check=None):
    """Run the Repl's prompt on `chunks`, pausing between them; `check(session)` runs before the last."""
    async def drive(repl, pipe):
        reading = asyncio.ensure_future(repl.session.prompt_async())
        for i, chunk in enumerate(chunks):
            if check is not None and i == len(chunks) - 1:
                check(repl.session)
            pipe.send_text(chunk)
            await asyncio.sleep(0.1)
        return await asyncio.wait_for(reading, 5)

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        repl = Repl(transport, history=InMemoryHistory(), input=pipe, output=DummyOutput(),
                    stdout=io.StringIO())
        return asyncio.run(drive(repl, pipe))


def test_tab_shows_the_service_completions_in_a_menu(transport):
    run(transport, "import torch\nx = torch.tensor([1., 2.], requires_grad=True)")
    shown = []

    def menu(session):
        state = session.default_buffer.complete_state
        shown.extend(c.display_text for c in state.completions)

    assert type_into(transport, "x.requires_gr", "\t", "\r", check=menu) == "x.requires_grad"
    assert shown == ["requires_grad", "requires_grad_"]


def test_enter_asks_the_service_whether_the_input_is_complete(transport):
    assert type_into(transport, "def f(a):\r", "return a\r", "\r") == "def f(a):\n    return a"
    assert type_into(transport, "total = (1 +\r", "2)\r") == "total = (1 +\n2)"


def test_the_loop_runs_inputs_and_leaves_after_confirmation(transport):
    out = io.StringIO()
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        repl = Repl(transport, history=InMemoryHistory(), input=pipe, output=DummyOutput(), stdout=out)
        pipe.send_text("6 * 7\r\x04n\r1 + 1\r\x04y\r")
        assert repl.run() == 0
    assert "Out[1]: 42\n" in out.getvalue()
    assert "Out[2]: 2\n" in out.getvalue()


def test_question_mark_help_is_printed_after_the_input(transport):
    out = io.StringIO()
    repl = Repl(transport, stdout=out)
    repl.run_code("import torch\nx = torch.tensor([1., 2.], requires_grad=True)")
    out.seek(0)
    out.truncate()
    repl.run_code("x?")
    text = out.getvalue()
    assert re.search(r"^requires_grad: +True$", text, re.M), text
    assert repl.next_count == 3
