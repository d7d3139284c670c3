"""The terminal rendering of Reports recorded from the language service's report builder."""
import io
import json
import pathlib

import pytest

from gradtrace.repl.output import strip_ansi
from gradtrace.repl.render import format_time_us, render_report, use_color

DATA = pathlib.Path(__file__).parent / "data"


def recorded(name):
    return json.loads((DATA / f"report_{name}.json").read_text())


def test_forward_statement_shows_the_chain_and_profile():
    assert render_report(recorded("forward")) == """\
bound    y = tensor(5., grad_fn=<SumBackward0>)  [] torch.float32 cpu
           chain: SumBackward0 <- MulBackward0 <- AccumulateGrad(x) (+1 branch)
profile  Name              Calls        Self       Total
         aten::mul             1    41.397us    41.397us
         aten::sum             1    20.309us    22.582us
         aten::as_strided      1     1.202us     1.202us
         aten::fill_           1     1.071us     1.071us
         Self time total: 63.979us"""


def test_backward_shows_the_gradient_and_the_top_five_ops_with_the_total():
    assert render_report(recorded("backward")) == """\
grads    x.grad = tensor([2., 4.])
profile  Name                                               Calls        Self       Total
         SumBackward0                                           1    18.194us    31.930us
         aten::add_                                             1    15.329us    15.329us
         autograd::engine::evaluate_function: MulBackward0      1    13.314us    42.539us
         aten::expand                                           1    12.113us    13.736us
         aten::mul                                              2     8.396us     8.396us
         Self time total: 103.613us  (11 more ops)"""


def test_statement_report_aligns_multiline_values_and_lists_notes():
    assert render_report(recorded("statement")) == """\
» z = (x @ w).relu().mean()
bound    w = tensor([[1., 1., 1.],
                     [1., 1., 1.]], requires_grad=True)  [2, 3] torch.float32 cpu
           chain: leaf w
         z = tensor(3., grad_fn=<MeanBackward0>)  [] torch.float32 cpu
           chain: MeanBackward0 <- ReluBackward0 <- SqueezeBackward4 <- MmBackward0 <- \
UnsqueezeBackward0 <- AccumulateGrad(x) (+1 branch)
grads    x.grad = tensor([3., 5.])  (accumulated)
         w.grad = tensor([[0.3333, 0.3333, 0.3333],
                          [0.6667, 0.6667, 0.6667]])
profile  Name                      Calls        Self       Total
         aten::mm                      3     5.122ms     5.125ms
         aten::threshold_backward      1     1.085ms     1.085ms
         MmBackward0                   1    67.397us   545.493us
         aten::matmul                  1    51.486us     4.785ms
         aten::mean                    1    35.147us   100.188us
         Self time total: 6.744ms  (37 more ops)
notes    UserWarning: lr is large"""


@pytest.mark.parametrize("name", ["bind_leaf", "forward", "backward", "statement"])
def test_colour_adds_only_escape_sequences(name):
    report = recorded(name)
    coloured = render_report(report, color=True)
    assert "\x1b[" in coloured
    assert strip_ansi(coloured) == render_report(report)


def test_missing_keys_and_odd_shapes_are_tolerated():
    report = {"bound": [{"name": "a", "repr": "tensor(1.)"}, "not a dict"],
              "grads": [{"name": "b", "value": "tensor(2.)"}],
              "profile": None,
              "chain_of_unknown_kind": 1}
    assert render_report(report) == "bound    a = tensor(1.)\ngrads    b.grad = tensor(2.)"


def test_chain_given_as_a_list_of_nodes():
    report = {"bound": [{"name": "y", "repr": "tensor(5.)", "chain": ["SumBackward0", "AccumulateGrad"]}]}
    assert render_report(report) == "bound    y = tensor(5.)\n           chain: SumBackward0 -> AccumulateGrad"


def test_empty_reports_render_nothing():
    assert render_report({}) == ""
    assert render_report(None) == ""
    assert render_report({"bound": [], "grads": [], "profile": None, "notes": [], "statement": "x = 1"}) == ""


def test_times_are_written_like_torch_profiler_tables():
    assert [format_time_us(t) for t in (0.5, 999.9994, 1500, 2.5e6)] == \
        ["0.500us", "999.999us", "1.500ms", "2.500s"]


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_tty_without_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(FakeTTY()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(FakeTTY()) is False
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: an empty value does not disable colour
    assert use_color(FakeTTY()) is True
