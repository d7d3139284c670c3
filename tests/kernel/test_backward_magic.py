"""%backward and the session's names in %explain, through the language service (what the REPL shows)."""
import re

import pytest

from gradtrace.kernel.backward_render import REPLAY_MIME
from gradtrace.kernel.service import LanguageService
from test_service import Recorder


@pytest.fixture
def service(tmp_path):
    svc = LanguageService(torch_mode="gradtrace", history_path=str(tmp_path / "history.sqlite"))
    yield svc
    svc.shutdown()


def shown(service, code):
    events = Recorder()
    outcome = service.execute(code, events)
    assert outcome.status == "ok", outcome.error
    (data,) = [e[1] for e in events.events if e[0] == "display"]
    return data


def test_backward_replays_seed_004_without_touching_grad(service):
    service.execute("import torch\nx = torch.tensor(2., requires_grad=True)\nw = torch.tensor(1., requires_grad=True)\n"
                    "u1 = x * w\nu2 = x * w\na = u1 ** 2 + u2 ** 3", Recorder())
    data = shown(service, "%backward a")
    text = data["text/plain"].splitlines()
    assert text[0] == "replay of a.backward(): 7 steps in the engine's order (no .grad changed; --apply writes them)"
    assert "4  MulBackward0 (u2 = x * w)  in 12" in text
    assert "                              -> x: 12 (×1); -> w: 24 (×2)" in text
    # The leaves' AccumulateGrad nodes run last, in the engine's (set) order: step 6 or 7.
    assert any(re.fullmatch(r"[67]  AccumulateGrad\(w\)          in 32 = 24 \(step 4\) \+ 8 \(step 5\)", line)
               for line in text)
    assert text[-1] in ("leaves: x.grad would get 16; w.grad would get 32",
                        "leaves: w.grad would get 32; x.grad would get 16")
    assert data[REPLAY_MIME]["step_count"] == 7 and "<table>" in data["text/html"]
    assert "application/vnd.jupyter.widget-view+json" not in data  # no comms outside a kernel
    assert service.evaluate("w.grad") is None
    data = shown(service, "%backward a --apply")
    assert data["text/plain"].splitlines()[-1] in ("leaves: x.grad = 16; w.grad = 32", "leaves: w.grad = 32; x.grad = 16")
    assert service.evaluate("(x.grad.item(), w.grad.item())") == (16.0, 32.0)


def test_backward_of_seed_002_shows_y_receiving_two_gradients_and_their_sum(service):
    service.execute("import torch\nx = torch.ones(2, 2, requires_grad=True)\ny = x + 2\nz = y * y * 3\nt = z.sum()",
                    Recorder())
    text = shown(service, "%backward t")["text/plain"]
    assert "-> y: [[9, 9], [9, 9]]; -> y: [[9, 9], [9, 9]]" in text
    assert "4  AddBackward0 (y = x + …)   in [[18, 18], [18, 18]] = [[9, 9], [9, 9]] (step 3) + [[9, 9], [9, 9]]\n" in text


def test_backward_with_inputs_is_autograd_grad(service):
    service.execute("import torch\na = torch.tensor(2., requires_grad=True)\nb = torch.tensor(1., requires_grad=True)\n"
                    "c = a + b\nd = b + 1\ne = c * d", Recorder())
    text = shown(service, "%backward e --inputs b c")["text/plain"]
    assert text.splitlines()[0].startswith("replay of autograd.grad(e, [b, c]):")
    assert text.splitlines()[-1] == "results: b: 5, c: 2"


def test_explain_names_the_session_variables(service):
    service.execute("import torch\na = torch.tensor(2., requires_grad=True)\nb = torch.tensor(1., requires_grad=True)\n"
                    "c = a + b\nd = b + 1\ne = c * d", Recorder())
    text = shown(service, "%explain e b")["text/plain"]
    assert text.splitlines()[-1] == "∂e/∂b = ∂e/∂c · ∂c/∂b + ∂e/∂d · ∂d/∂b = 2·1 + 3·1 = 5"
    assert "path 1: e = MulBackward0 (×2) -> c = AddBackward0 (×1) -> AccumulateGrad(b)" in text
    tree = shown(service, "%graph e")
    assert "AddBackward0 (c = a + b)" in tree["text/plain"] and "c = a + b" in tree["text/vnd.mermaid"]


@pytest.mark.parametrize("line, message", [
    ("%backward", "%backward: the following arguments are required: output"),
    ("%backward n", "%backward: n is a int, not a tensor."),
    ("%backward v", "%backward: grad can be implicitly created only for scalar outputs"),
    ("%backward v.sum() --apply --inputs v", "%backward: --apply writes .grad as backward() does"),
    ("%backward v.sum() --steps 1", "%backward: --steps must be at least 2"),
    ("%backward torch.ones(2).sum()", "%backward: element 0 of tensors does not require grad"),
])
def test_bad_lines_are_one_line_usage_errors(service, line, message):
    service.execute("import torch\nn = 3\nv = torch.ones(3, requires_grad=True) * 2", Recorder())
    outcome = service.execute(line, Recorder())
    assert outcome.status == "error" and outcome.error[0] == "UsageError"
    assert outcome.error[1].startswith(message)


def test_a_long_pass_folds_its_middle(service):
    service.execute("import torch\nx = torch.tensor(1., requires_grad=True)\ny = x\n"
                    "for _ in range(1000):\n    y = (y * 1.001).tanh()", Recorder())
    text = shown(service, "%backward y --steps 8")["text/plain"].splitlines()
    assert text[0].startswith("replay of y.backward(): 2001 steps")
    assert "   …  1,993 steps left out         TanhBackward0 ×997, MulBackward0 ×996" in text
    assert text[-3].startswith("2001  AccumulateGrad(x)")
    assert len(text) == 1 + 2 * 8 + 1 + 1


def test_hooks_and_the_first_nan_are_marked_at_their_step(service):
    service.execute("import torch\nx = torch.tensor(1., requires_grad=True)\nx.register_hook(lambda g: g * 2)\n"
                    "bad = (x - 1).log() * 0", Recorder())
    text = shown(service, "%backward bad")["text/plain"].splitlines()
    assert text[3:6] == ["2  LogBackward0                in 0",
                         "                               -> SubBackward0: nan (×inf)",
                         "                               first nan here"]
    assert text[-4:-2] == ["                               hooks: tensor hook (changed the gradient)",
                           "                               x.grad would be nan"]
    assert text[-1] == "anomaly: step 2 produced the first nan/inf"


def test_the_replay_is_not_counted_in_the_inputs_profile(service):
    events = Recorder()
    service.execute("import torch\nx = torch.tensor(3., requires_grad=True)\ny = x * x\n%backward y", events)
    (report,) = events.reports()
    assert "aten::mul ×1" in report["text/plain"] and "aten::mul ×3" not in report["text/plain"]


def test_the_repl_knows_the_replay_bundle_by_the_kernels_mime_type():
    from gradtrace.repl.output import REPLAY_MIME as repl_mime

    assert repl_mime == REPLAY_MIME
