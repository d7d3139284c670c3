"""The language service's tools: is_complete, completion, inspection and persistent history."""
import time

import pytest

from gradtrace.kernel.service import LanguageService


class Quiet:
    """A front end that ignores outputs (these tests look at the service's answers, not its events)."""

    def stream(self, name, text):
        pass

    def display(self, data, metadata, transient=None, update=False):
        pass

    def clear_output(self, wait):
        pass

    def execute_result(self, execution_count, data, metadata):
        pass

    def report(self, data, metadata):
        pass

    def input(self, prompt, password):
        return ""


@pytest.fixture
def service():
    svc = LanguageService(torch_mode="gradtrace", history_path=":memory:")
    svc.execute("import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()", Quiet())
    yield svc
    svc.shutdown()


@pytest.mark.parametrize("code, expected", [
    ("1 + 1", {"status": "complete"}),
    ("print('hi')", {"status": "complete"}),
    ("for i in range(3):", {"status": "incomplete", "indent": "    "}),
    ("def f(x):\n    if x:", {"status": "incomplete", "indent": "        "}),
    ("def f(x):\n    y = x", {"status": "incomplete", "indent": "    "}),
    ("def f(x):\n    return x", {"status": "incomplete", "indent": ""}),
    ("def f(x):\n    return x\n", {"status": "complete"}),
    ("x = [1,\n", {"status": "incomplete", "indent": ""}),
    ("'''open", {"status": "incomplete", "indent": ""}),
    ("1 2", {"status": "invalid"}),
    ("return = 3", {"status": "invalid"}),
    ("%lens all", {"status": "complete"}),
    ("x?", {"status": "complete"}),
    ("", {"status": "complete"}),
])
def test_is_complete(service, code, expected):
    assert service.is_complete(code) == expected


def test_completion_of_tensor_attributes(service):
    code = "x.requires_gr"
    start = time.monotonic()
    reply = service.complete(code, len(code))
    assert time.monotonic() - start < 1.0
    assert {"requires_grad", "requires_grad_"} <= set(reply["matches"])
    assert all(match.startswith("requires_gr") for match in reply["matches"])
    assert (reply["cursor_start"], reply["cursor_end"]) == (2, len(code))


def test_completion_is_bounded_even_when_jedi_is_busy(service):
    for _ in range(3):
        start = time.monotonic()
        reply = service.complete("torch.ten", 9)
        assert time.monotonic() - start < 0.5
        assert "tensor" in reply["matches"]


def test_completion_of_names_and_magics(service):
    reply = service.complete("pri", 3)
    assert "print" in reply["matches"] and reply["cursor_start"] == 0
    reply = service.complete("%le", 3)
    assert reply == {"matches": ["%lens"], "cursor_start": 0, "cursor_end": 3, "metadata": {}}


def test_inspect_a_tensor_shows_its_autograd_state(service):
    reply = service.inspect("y", 1)
    assert reply["found"] is True
    text = reply["data"]["text/plain"]
    for line in ("Shape:         []", "Dtype:         torch.float32", "Device:        cpu",
                 "requires_grad: True", "is_leaf:       False", "grad_fn:       SumBackward0",
                 "Value:         tensor(5., grad_fn=<SumBackward0>)"):
        assert line in text.split("\n")
    assert "grad_fn chain:\n    SumBackward0 <- MulBackward0 <- AccumulateGrad(x)" in text
    assert "graph memory:  " in text
    service.execute("y.backward()", Quiet())
    leaf_text = service.inspect("print(x)", 7)["data"]["text/plain"]
    assert "grad:          tensor([2., 4.])" in leaf_text.split("\n")


def test_inspect_a_function_and_a_missing_name(service):
    service.execute("def scale(v, by=2):\n    'Multiply v.'\n    return v * by", Quiet())
    reply = service.inspect("scale(", 6)
    assert reply["found"] and "Signature: scale(v, by=2)\nDocstring:\nMultiply v." in reply["data"]["text/plain"]
    assert service.inspect("nowhere", 7) == {"found": False, "data": {}, "metadata": {}}


def test_history_persists_across_sessions_with_tail_range_and_search(tmp_path):
    path = str(tmp_path / "history.sqlite")
    first = LanguageService(history_path=path)
    for code in ("a = 1", "b = a + 1", "b * 10"):
        first.execute(code, Quiet())
    session_one = first.history("range")[0][0]
    first.shutdown()

    second = LanguageService(history_path=path)
    second.execute("c = 3", Quiet())
    assert second.history("tail", n=2) == [(session_one, 3, "b * 10"), (session_one + 1, 1, "c = 3")]
    assert second.history("range") == [(session_one + 1, 1, "c = 3")]
    assert second.history("range", session=-1, start=2, stop=4) == [(session_one, 2, "b = a + 1"),
                                                                   (session_one, 3, "b * 10")]
    assert second.history("search", pattern="b*") == [(session_one, 2, "b = a + 1"), (session_one, 3, "b * 10")]
    assert second.history("tail", n=1, output=True) == [(session_one + 1, 1, ("c = 3", None))]
    assert second.history("range", session=session_one, output=True)[2] == (session_one, 3, ("b * 10", "20"))
    second.shutdown()


def test_history_search_unique_keeps_the_latest(tmp_path):
    svc = LanguageService(history_path=str(tmp_path / "h.sqlite"))
    for code in ("v = 1", "w = 2", "v = 1"):
        svc.execute(code, Quiet())
    assert svc.history("search", pattern="v*", unique=True) == [(svc.history("range")[0][0], 3, "v = 1")]
    svc.shutdown()
