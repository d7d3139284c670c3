"""The text side of the server: which lines a range or `# %%` cell runs, where a call is, which lines
bound a name, and how a run's inlay hints follow later edits."""
from gradtrace.repl.lsp.hints import RunHints, hint_label
from gradtrace.repl.lsp.source import binding_lines, call_at, cell_around, raised_at, selected_lines

CELLS = ["import torch\n", "# %% data\n", "x = torch.ones(2)\n", "#%%\n", "y = x * 2\n", "z = y + 1\n"]


def test_a_selection_runs_whole_lines_and_stops_before_a_line_it_ends_at_the_start_of():
    assert selected_lines(CELLS, 2, 4, 3) == (2, 5)
    assert selected_lines(CELLS, 2, 4, 0) == (2, 4)
    assert selected_lines(CELLS, 4, 4, 0) == (4, 5)  # a one-line selection from its first column


def test_a_cursor_runs_its_cell_and_a_file_without_markers_is_one_cell():
    assert cell_around(CELLS, 0) == (0, 1)
    assert cell_around(CELLS, 2) == (2, 3)
    assert cell_around(CELLS, 5) == (4, 6)
    assert cell_around(["a = 1\n", "b = 2\n"], 1) == (0, 2)


def test_the_innermost_frame_of_the_run_gives_the_error_line():
    traceback = ['Traceback (most recent call last):',
                 '  File "<gradtrace-input-4>", line 5, in <module>\n    f()',
                 '  File "<gradtrace-input-4>", line 2, in f\n    1 / 0',
                 '  File "<gradtrace-input-2>", line 9, in g',
                 'ZeroDivisionError: division by zero']
    assert raised_at(traceback, "<gradtrace-input-4>") == 2
    assert raised_at(traceback, "<gradtrace-input-7>") is None


def test_call_at_names_the_callee_and_the_argument_being_typed():
    assert call_at("torch.zeros(2, ") == ("torch.zeros", 1)
    assert call_at("f(g(1, 2), [3, 4], ") == ("f", 2)
    assert call_at("f(a)") is None
    assert call_at("[1, 2") is None


def test_binding_lines_gives_the_last_line_of_each_binding_statement():
    code = "a = torch.ones(2,\n    3)\nfor i in range(2):\n    b = a * i\ndef f(q):\n    r = q\na = a + 1\n"
    assert binding_lines(code) == {"a": 6, "i": 2, "b": 3, "f": 4}
    assert binding_lines("a = (\n") == {}


def test_hints_follow_unchanged_lines_and_drop_edited_ones():
    hints = RunHints()
    report = {"bound": [{"name": "x", "shape": [2], "dtype": "torch.float32", "device": "cpu",
                         "grad_fn": None, "requires_grad": False},
                        {"name": "y", "shape": [16, 4], "dtype": "torch.float32", "device": "cpu",
                         "grad_fn": "AddmmBackward0", "requires_grad": True}]}
    lines = ["x = make()\n", "y = layer(x)\n"]
    hints.record("file:///a.py", lines, 0, 2, "".join(lines), [report])
    assert hints.current("file:///a.py", lines) == [(0, "[2] float32"), (1, "[16, 4] float32 · AddmmBackward0")]
    edited = ["# new\n", "x = make()\n", "y = layer(x) + 1\n"]
    assert hints.current("file:///a.py", edited) == [(1, "[2] float32")]
    assert hint_label({"shape": [3], "dtype": "torch.float64", "device": "cuda:0", "grad_fn": None,
                       "requires_grad": True}) == "[3] float64 cuda:0 · requires_grad"
