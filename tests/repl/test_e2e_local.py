"""The `gradtrace` REPL on the in-process language service, driven in a real pseudo-terminal."""
import importlib.util

import pytest

from repl_pty import walk_through_the_tutorial

pytestmark = pytest.mark.slow


def test_local_session_walks_through_the_tutorial(spawn_repl):
    walk_through_the_tutorial(spawn_repl())


def test_ctrl_c_at_the_prompt_clears_the_line_and_n_keeps_the_session(spawn_repl):
    repl = spawn_repl()
    repl.wait_prompt()
    repl.child.send("this is not python")
    repl.child.sendcontrol("c")
    out = repl.run("6 * 7")
    assert "Out[1]: 42" in out
    assert "SyntaxError" not in out
    repl.child.sendcontrol("d")
    repl.child.expect(r"Do you really want to exit \(\[y\]/n\)\?")
    repl.child.send("n\r")
    assert "Out[2]: 43" in repl.run("6 * 7 + 1")
    assert repl.leave() == 0


def test_input_prompts_in_the_terminal(spawn_repl):
    repl = spawn_repl()
    repl.wait_prompt()
    repl.child.send("name = input('who' + '? ')\r")
    repl.child.expect("who\\? ")
    repl.child.send("ada\r")
    repl.wait_prompt()
    assert "Out[2]: 'ada'" in repl.run("name")
    assert repl.leave() == 0


def test_printed_lines_show_before_a_long_call_returns(spawn_repl):
    repl = spawn_repl()
    repl.wait_prompt()
    repl.child.send("import time; print('epoch 1'); time.sleep(5); print('epoch 2')\r")
    repl.child.expect_exact("epoch 1", timeout=3)  # during the sleep, not after it
    repl.child.expect_exact("epoch 2", timeout=10)
    repl.wait_prompt()
    assert repl.leave() == 0


def test_history_persists_between_sessions(spawn_repl):
    first = spawn_repl()
    first.wait_prompt()
    first.run("answer = 41 + 1")
    assert first.leave() == 0
    second = spawn_repl()
    second.wait_prompt()
    second.child.send("\x1b[A")  # Up: the previous session's input comes back
    out = second.run("")
    assert "answer = 41 + 1" in out
    assert "Out[1]" not in out  # an assignment shows no value
    assert "Out[2]: 42" in second.run("answer")
    assert second.leave() == 0


def test_the_report_is_coloured_on_a_terminal_unless_no_color_is_set(spawn_repl):
    coloured = spawn_repl(NO_COLOR="")  # no-color.org: an empty NO_COLOR does not count
    coloured.wait_prompt()
    coloured.child.send("import torch; w = torch.ones(1, requires_grad=True)\r")
    coloured.child.expect_exact("\x1b[2mbound  \x1b[0m  \x1b[1;36mw\x1b[0m = tensor([1.], requires_grad=True)")
    plain_session = spawn_repl()  # NO_COLOR=1
    plain_session.wait_prompt()
    out = plain_session.run("import torch; w = torch.ones(1, requires_grad=True)")
    assert "bound    w = tensor([1.], requires_grad=True)" in out
    plain_session.child.send("import torch; v = torch.ones(1, requires_grad=True)\r")
    plain_session.child.expect_exact("bound    v = tensor([1.], requires_grad=True)")  # raw: no escapes


def test_backward_replay_and_widgets_in_the_local_repl(spawn_repl):
    repl = spawn_repl()
    repl.wait_prompt()
    repl.run("import torch; x = torch.tensor(2., requires_grad=True); w = torch.tensor(1., requires_grad=True)")
    repl.run("u1 = x * w; u2 = x * w; a = u1 ** 2 + u2 ** 3")
    table = repl.run("%backward a")
    assert "replay of a.backward(): 7 steps" in table
    assert "in 32 = 24 (step 4) + 8 (step 5)" in table
    assert "x.grad would get 16" in table and "w.grad would get 32" in table
    if importlib.util.find_spec("ipywidgets") is not None:  # widgets without a front end: their text
        out = repl.run("import ipywidgets; s = ipywidgets.IntSlider(3); display(s)")
        assert "IntSlider(value=3)" in out and "Error" not in out
    assert repl.leave() == 0


def test_the_terminal_repl_shows_torchs_names(spawn_repl):
    repl = spawn_repl()
    repl.wait_prompt()
    out = repl.run("import torch; print(type(torch.ones(2)), type(torch.nn.Linear(2, 3)))")
    assert "<class 'torch.Tensor'> <class 'torch.nn.modules.linear.Linear'>" in out
    assert repl.leave() == 0
