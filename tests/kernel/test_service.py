"""The language service running inputs: outputs, errors, interrupts, exit, and the autograd report."""
import base64
import sys
import threading
import time

import pytest

from gradtrace.kernel.report import REPORT_MIME
from gradtrace.kernel.service import ExecuteOutcome, LanguageService


class Recorder:
    """A front end that writes down every event, in order."""

    def __init__(self, answers=()):
        self.events = []
        self.answers = list(answers)

    def stream(self, name, text):
        self.events.append(("stream", name, text))

    def display(self, data, metadata, transient=None, update=False):
        self.events.append(("display", data, metadata, transient, update))

    def clear_output(self, wait):
        self.events.append(("clear_output", wait))

    def execute_result(self, execution_count, data, metadata):
        self.events.append(("execute_result", execution_count, data))

    def report(self, data, metadata):
        self.events.append(("report", data))

    def input(self, prompt, password):
        self.events.append(("input", prompt, password))
        return self.answers.pop(0)

    def kinds(self):
        return [event[0] for event in self.events]

    def text(self, name="stdout"):
        return "".join(e[2] for e in self.events if e[0] == "stream" and e[1] == name)

    def reports(self):
        return [e[1] for e in self.events if e[0] == "report"]


@pytest.fixture
def service(tmp_path):
    svc = LanguageService(torch_mode="gradtrace", history_path=str(tmp_path / "history.sqlite"))
    yield svc
    svc.shutdown()


def run(service, code, **kwargs):
    events = Recorder(kwargs.pop("answers", ()))
    outcome = service.execute(code, events, **kwargs)
    return outcome, events


# -- running inputs ------------------------------------------------------------------------------
def test_statements_then_value_of_last_expression(service):
    outcome, events = run(service, "a = 40 + 2")
    assert outcome == ExecuteOutcome(status="ok", execution_count=1)
    assert events.events == []
    outcome, events = run(service, "a")
    assert events.events == [("execute_result", 2, {"text/plain": "42"})]
    run(service, "'x' * 2")
    outcome, events = run(service, "(_, __, _2, Out[3])")
    assert events.events[0][2] == {"text/plain": "('xx', 42, 42, 'xx')"}
    assert service.execution_count == 4


def test_none_result_and_silent_inputs_show_nothing_and_keep_the_count(service):
    outcome, events = run(service, "print('side'); None")
    assert events.kinds() == ["stream"]
    outcome, events = run(service, "b = 7\nb", silent=True)
    assert events.events == [] and outcome.execution_count == 1 == service.execution_count
    assert service.namespace["b"] == 7


def test_stdout_and_stderr_keep_their_order(service):
    _, events = run(service, "import sys\nprint('a')\nprint('b', file=sys.stderr)\nprint('c')")
    assert [e[1:] for e in events.events] == [("stdout", "a\n"), ("stderr", "b\n"), ("stdout", "c\n")]


def test_a_million_lines_arrive_whole_in_order_and_in_chunks(service):
    _, events = run(service, "for i in range(1000000):\n    print(i)")
    assert events.text() == "".join(f"{i}\n" for i in range(1000000))
    assert len(events.events) < 2000


class TimedRecorder(Recorder):
    """A Recorder noting when each stream chunk arrived."""

    def stream(self, name, text):
        super().stream(name, text)
        self.events[-1] += (time.monotonic(),)


def test_printed_text_arrives_while_the_input_is_still_running(service):
    events = TimedRecorder()
    started = time.monotonic()
    service.execute("import time\nprint('epoch 1')\ntime.sleep(1.0)\nprint('epoch 2')", events)
    (_, _, first, first_at), (_, _, second, second_at) = events.events
    assert (first, second) == ("epoch 1\n", "epoch 2\n")
    assert first_at - started < 0.5  # the flusher sent it during the sleep, not after
    assert second_at - started >= 1.0


def test_text_printed_by_other_threads_during_the_input_is_captured_in_order(service):
    code = ("import threading\nprint('before')\n"
            "t = threading.Thread(target=lambda: print('from a thread'))\nt.start(); t.join()\nprint('after')")
    _, events = run(service, code)
    assert events.text() == "before\nfrom a thread\nafter\n"


def test_a_front_end_printing_while_it_answers_is_not_captured(service, capsys):
    class PrintingFrontEnd(Recorder):
        def input(self, prompt, password):
            print("front end prompt:", prompt)  # as the REPL writes a prompt to the terminal
            return super().input(prompt, password)

    events = PrintingFrontEnd(answers=["ada"])
    service.execute("print('hi', input('who? '))", events)
    assert events.text() == "hi ada\n"
    assert capsys.readouterr().out == "front end prompt: who? \n"


def test_a_warning_in_a_loop_shows_once_as_python_prints_it(service):
    outcome, events = run(service, "import warnings\nfor i in range(3):\n    warnings.warn('careful')")
    assert events.text("stderr") == "<gradtrace-input-1>:3: UserWarning: careful\n  warnings.warn('careful')\n"
    _, events = run(service, "warnings.warn('again', DeprecationWarning)")
    assert events.text("stderr").startswith("<gradtrace-input-2>:1: DeprecationWarning: again\n")


def test_input_and_getpass_ask_the_front_end(service):
    outcome, events = run(service, "name = input('who? ')\nimport getpass\npw = getpass.getpass()\nname + pw",
                          answers=["ada", "secret"])
    assert events.events[:2] == [("input", "who? ", False), ("input", "Password: ", True)]
    assert events.events[2] == ("execute_result", 1, {"text/plain": "'adasecret'"})


def test_interrupt_from_another_thread_stops_sleep_and_keeps_the_namespace(service):
    run(service, "kept = 5")
    timer = threading.Timer(0.5, service.interrupt)
    timer.start()
    start = time.monotonic()
    outcome, _ = run(service, "import time\ntime.sleep(30)")
    timer.join()
    assert time.monotonic() - start < 10
    assert outcome.status == "error" and outcome.error[0] == "KeyboardInterrupt"
    assert outcome.error[2][-1] == "KeyboardInterrupt"
    _, events = run(service, "kept")
    assert events.events == [("execute_result", 3, {"text/plain": "5"})]
    service.interrupt()  # idle: nothing happens
    _, events = run(service, "kept + 1")
    assert events.events[0][2] == {"text/plain": "6"}


@pytest.mark.parametrize("code, keep", [("exit()", False), ("exit", False), ("quit(keep_kernel=True)", True),
                                        ("import sys\nsys.exit(3)", False)])
def test_exit_asks_the_front_end_and_kills_nothing(service, code, keep):
    outcome, _ = run(service, code)
    assert outcome.status == "ok" and outcome.exit_requested
    assert outcome.payload == [{"source": "ask_exit", "keepkernel": keep}]


def test_error_traceback_shows_only_the_users_frames(service):
    outcome, events = run(service, "def f(n):\n    return 1 / n\n\nf(0)")
    assert outcome.status == "error"
    assert outcome.error[:2] == ("ZeroDivisionError", "division by zero")
    assert outcome.error[2] == [
        "Traceback (most recent call last):",
        '  File "<gradtrace-input-1>", line 4, in <module>',
        "    f(0)",
        '  File "<gradtrace-input-1>", line 2, in f',
        "    return 1 / n",
        "           ~~^~~",
        "ZeroDivisionError: division by zero",
    ]
    assert events.events == []  # the error itself is the front end's to show
    outcome, _ = run(service, "1 +")
    assert outcome.error[0] == "SyntaxError"
    assert outcome.error[2][0] == '  File "<gradtrace-input-2>", line 1'
    assert service.execution_count == 2


@pytest.mark.torch
def test_engine_errors_read_like_torchs(service, real_torch):
    outcome, _ = run(service, "import torch\ntorch.ones(2).backward()")
    with pytest.raises(RuntimeError) as real:
        real_torch.ones(2).backward()
    assert outcome.error[:2] == ("RuntimeError", str(real.value))
    text = "\n".join(outcome.error[2])
    assert "/engine/" not in text and "/kernel/" not in text
    assert '  File "<gradtrace-input-1>", line 2, in <module>' in outcome.error[2]


def test_import_torch_is_the_engine_only_inside_the_namespace(service):
    real_before = sys.modules.get("torch")
    _, events = run(service, "import torch, torch.nn.functional as F\nfrom torch.autograd import grad\n"
                             "(torch.__name__, F.__name__, grad.__module__.split('.')[:2])")
    assert events.events[0][2]["text/plain"] == (
        "('gradtrace.engine', 'gradtrace.engine.nn.functional', ['gradtrace', 'engine'])")
    assert sys.modules.get("torch") is real_before
    assert "gradtrace's engine" in service.banner
    outcome, _ = run(service, "import torch.no_such_module")
    assert outcome.error[:2][0] == "ModuleNotFoundError" and "torch.no_such_module" in outcome.error[1]


@pytest.mark.torch
def test_torch_magic_and_real_mode_give_real_torch(tmp_path, real_torch):
    svc = LanguageService(torch_mode="real", history_path=":memory:")
    assert "real PyTorch" in svc.banner
    _, events = run(svc, "import torch\ntorch.__name__")
    assert events.events[0][2]["text/plain"] == "'torch'"
    _, events = run(svc, "%torch gradtrace")
    assert events.text() == "import torch gives gradtrace's engine (%torch real switches to real PyTorch)\n"
    _, events = run(svc, "torch.__name__")
    assert events.events[0][2]["text/plain"] == "'gradtrace.engine'"


def test_display_clear_output_and_rich_reprs(service):
    code = '''
class Rich:
    def _repr_html_(self):
        return "<b>rich</b>"
    def _repr_png_(self):
        return b"\\x89PNG"
    def _repr_json_(self):
        return {"a": 1}
    def __repr__(self):
        return "Rich()"

class Bundle:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": "**md**"}, {"text/markdown": {"k": 1}}

print("before")
display(Rich())
clear_output(wait=True)
handle = display(Bundle(), display_id=True)
handle.update(Bundle())
Rich()
'''
    _, events = run(service, code)
    kinds = events.kinds()
    assert kinds == ["stream", "display", "clear_output", "display", "display", "execute_result"]
    rich = events.events[1][1]
    assert rich == {"text/html": "<b>rich</b>", "image/png": base64.b64encode(b"\x89PNG").decode(),
                    "application/json": {"a": 1}, "text/plain": "Rich()"}
    bundle_event, update_event = events.events[3], events.events[4]
    assert bundle_event[1]["text/markdown"] == "**md**" and bundle_event[2] == {"text/markdown": {"k": 1}}
    assert update_event[4] is True and update_event[3] == bundle_event[3]
    assert "display_id" in bundle_event[3]
    assert events.events[5][2]["text/html"] == "<b>rich</b>"


def test_pager_payload_for_help_syntax(service):
    run(service, "def area(r):\n    'Area of a circle.'\n    return 3.14 * r * r")
    outcome, _ = run(service, "area?")
    [page] = outcome.payload
    assert page["source"] == "page" and page["start"] == 0
    assert "Signature: area(r)" in page["data"]["text/plain"]
    assert "Area of a circle." in page["data"]["text/plain"]
    outcome, _ = run(service, "area??")
    assert "return 3.14 * r * r" in outcome.payload[0]["data"]["text/plain"]
    outcome, events = run(service, "nothing_here?")
    assert outcome.payload == [] and events.text() == "Object `nothing_here` not found.\n"


def test_user_expressions(service):
    outcome, _ = run(service, "z = 3", user_expressions={"double": "z * 2", "bad": "1/0"})
    assert outcome.user_expressions["double"] == {"status": "ok", "data": {"text/plain": "6"}, "metadata": {}}
    assert outcome.user_expressions["bad"]["ename"] == "ZeroDivisionError"


def test_matplotlib_figures_come_back_as_png(service):
    pytest.importorskip("matplotlib")
    _, events = run(service, "import matplotlib.pyplot as plt\nplt.plot([1, 2])")
    displays = [e for e in events.events if e[0] == "display"]
    assert len(displays) == 1 and "image/png" in displays[0][1]


# -- the autograd report -----------------------------------------------------------------------
LEAF = "import torch\nx = torch.tensor([1., 2.], requires_grad=True)"


def test_no_report_when_nothing_autograd_related_happened(service):
    outcome, events = run(service, "a = 1 + 1\nprint(a)")
    assert outcome.report is None and events.reports() == []


def test_report_after_a_graph_building_input(service):
    run(service, LEAF)
    outcome, events = run(service, "y = x * 2\nprint('done')\ny")
    assert events.kinds() == ["stream", "execute_result", "report"]
    bundle = events.reports()[0]
    assert set(bundle) == {"text/plain", "text/html", "text/vnd.mermaid", REPORT_MIME}
    report = bundle[REPORT_MIME]
    assert report is outcome.report
    [bound] = report["bound"]
    assert bound == {"name": "y", "repr": "tensor([2., 4.], grad_fn=<MulBackward0>)", "shape": [2],
                     "dtype": "torch.float32", "device": "cpu", "requires_grad": True,
                     "grad_fn": "MulBackward0", "chain": "MulBackward0 <- AccumulateGrad(x)"}
    assert [row["name"] for row in report["profile"]["rows"]] == ["aten::mul"]
    assert report["profile"]["table"].endswith("\n") and "Self CPU time total:" in report["profile"]["table"]
    assert report["grads"] == [] and report["notes"] == [] and report["statement"] is None
    assert bundle["text/plain"].startswith("autograd: bound y · 1 op in ")
    assert "  y = tensor([2., 4.], grad_fn=<MulBackward0>)\n      MulBackward0 <- AccumulateGrad(x)" in bundle["text/plain"]
    assert bundle["text/html"].startswith('<details class="gradtrace-report"><summary>')
    assert bundle["text/vnd.mermaid"].startswith("graph TD")
    assert report["graph"]["name"] == "y"


def test_grads_after_backward_with_the_accumulated_flag(service):
    run(service, LEAF)
    outcome, _ = run(service, "(x * x).sum().backward()")
    assert outcome.report["grads"] == [{"name": "x", "value": "tensor([2., 4.])", "accumulated": False}]
    assert outcome.report["bound"] == []
    names = [row["name"] for row in outcome.report["profile"]["rows"]]
    assert "MulBackward0" in names and "aten::mul" in names
    outcome, events = run(service, "(x * x).sum().backward()")
    assert outcome.report["grads"] == [{"name": "x", "value": "tensor([4., 8.])", "accumulated": True}]
    assert "  x.grad (accumulated) = tensor([4., 8.])" in events.reports()[0]["text/plain"]


def test_module_parameters_grads_are_reported_by_attribute_name(service):
    run(service, "import torch\ntorch.manual_seed(0)\nlayer = torch.nn.Linear(2, 1)")
    outcome, _ = run(service, "layer(torch.ones(1, 2)).sum().backward()")
    assert [g["name"] for g in outcome.report["grads"]] == ["layer.weight", "layer.bias"]


def test_a_report_comes_even_when_the_input_fails(service):
    run(service, LEAF)
    outcome, events = run(service, "y = x + 1\nraise ValueError('late')")
    assert outcome.status == "error" and [b["name"] for b in outcome.report["bound"]] == ["y"]
    assert events.kinds() == ["report"]


def test_warnings_become_report_notes(service):
    run(service, LEAF)
    outcome, _ = run(service, "import warnings\ny = x * 3\nwarnings.warn('odd')")
    assert outcome.report["notes"] == ["UserWarning: odd"]


def test_a_long_input_profiles_its_start_and_says_so(service):
    run(service, LEAF)
    _, events = run(service, "%profile limit 300")
    assert events.text() == "profile limit: 300 events per input\n"
    code = ("import time\nstarted = time.monotonic()\n"
            "while time.monotonic() - started < 1.0:\n    (x * 2).sum().backward()")
    outcome, _ = run(service, code)
    assert outcome.report["notes"] == [
        "profiler: stopped after the first 300 events, to keep memory and this report small; "
        "the table covers the start of the input (%profile limit N changes the limit)"]
    rows = {row["name"]: row["calls"] for row in outcome.report["profile"]["rows"]}
    assert rows["aten::mul"] >= 300 // 10


def test_profile_limit_shows_sets_and_refuses_bad_values(service):
    _, events = run(service, "%profile limit")
    assert events.text() == "profile limit: 10,000 events per input\n"
    _, events = run(service, "%profile limit none")
    assert events.text() == "profile limit: none (every event of an input is kept)\n"
    run(service, LEAF)
    code = "for _ in range(2000):\n    (x * 2).sum().backward()"
    outcome, _ = run(service, code)
    assert outcome.report["notes"] == []
    # every event kept: 2,000 forward products and 2,000 in MulBackward0
    assert {r["name"]: r["calls"] for r in outcome.report["profile"]["rows"]}["aten::mul"] == 4000
    for bad in ("0", "-5", "many", "1.5"):
        outcome, _ = run(service, f"%profile limit {bad}")
        assert outcome.error[:2] == ("UsageError", f"%profile limit: {bad!r} is not a positive whole number "
                                                   "or 'none'")
    outcome, _ = run(service, "%profile limit 5 6")
    assert outcome.error[:2] == ("UsageError", "%profile takes 'table' or 'limit [N|none]'")


def test_lens_parts_off_and_statements(service):
    run(service, LEAF)
    _, events = run(service, "%lens grads")
    assert events.text() == "lens: grads\n"
    outcome, _ = run(service, "y = x * 2\ny.sum().backward()")
    assert outcome.report["bound"] == [] and outcome.report["profile"] is None
    assert [g["name"] for g in outcome.report["grads"]] == ["x"]
    run(service, "%lens off")
    outcome, events = run(service, "y = x * 2\ny.sum().backward()")
    assert outcome.report is None and events.reports() == []
    run(service, "%lens all")
    _, events = run(service, "%lens statements")
    assert events.text() == "lens: chains grads profile (one report per statement)\n"
    outcome, events = run(service, "a = x * 2\nprint('between')\nb = a + 1")
    assert events.kinds() == ["report", "stream", "report"]
    first, second = (r[REPORT_MIME] for r in events.reports())
    assert (first["statement"], [e["name"] for e in first["bound"]]) == ("a = x * 2", ["a"])
    assert (second["statement"], [e["name"] for e in second["bound"]]) == ("b = a + 1", ["b"])
    assert second["bound"][0]["chain"] == "AddBackward0 <- MulBackward0 <- AccumulateGrad(x)"
    outcome, _ = run(service, "%lens bogus")
    assert outcome.error[0] == "UsageError"


def test_graph_explain_and_profile_magics(service):
    run(service, LEAF)
    run(service, "y = x * x\nloss = y.sum()")
    _, events = run(service, "%graph loss")
    [(_, data, _, _, _)] = events.events
    assert data["text/plain"].startswith("SumBackward0")
    assert data["text/vnd.mermaid"].startswith("graph TD")
    _, events = run(service, "%explain loss x")
    [(_, data, _, _, _)] = events.events
    assert "x" in data["text/plain"] and "application/vnd.gradtrace.explain+json" in data
    _, events = run(service, "%profile table")
    table = events.text()
    assert "aten::sum" in table and table.rstrip("\n").split("\n")[-1].startswith("Self CPU time total:")
    outcome, _ = run(service, "%graph 3")
    assert outcome.error[:2] == ("UsageError", "%graph: 3 is a int, not a tensor.")


def test_snapshot_and_diff_of_1000_tensors_costs_at_most_1_ms():
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        import bench_report
    finally:
        sys.path.pop(0)
    namespace = bench_report.make_namespace(1000)
    # Best of many single runs: the machine is shared, and the budget is about our work, not the noise.
    best = min(bench_report.measure(namespace, repeats=1) for _ in range(200))
    assert best <= 1.0, f"snapshot+diff took {best:.3f} ms"


def test_graph_of_a_leaf_and_history_magic(service):
    run(service, LEAF)
    outcome, _ = run(service, "%graph x")
    assert outcome.error[:2] == ("UsageError", "%graph: x has no autograd graph (it is a leaf).")
    _, events = run(service, "%history")
    assert events.text() == f"   1: {LEAF.splitlines()[0]}\n{LEAF.splitlines()[1]}\n   2: %graph x\n   3: %history\n"
