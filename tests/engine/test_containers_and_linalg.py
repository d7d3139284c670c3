"""Pieces the tutorial programs needed: Sequential/ModuleList/ModuleDict editing, module forward hooks and
apply order, ParameterList, pad_sequence, torch.linalg's solve/inv/det (with second derivatives), unique and bincount."""
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck
from gradtrace.engine.autograd.gradcheck import gradgradcheck


def _container_story(torch):
    nn = torch.nn
    torch.manual_seed(0)
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    seq[2] = nn.Tanh()
    lines = [repr(seq[1:]), repr(seq[-1])]
    del seq[0]
    seq.insert(1, nn.Sigmoid())
    seq.append(nn.Identity() if hasattr(nn, "Identity") else nn.ReLU())
    lines.append(repr(seq))
    lines.append(repr(seq.pop(0)))
    ml = nn.ModuleList([nn.ReLU()])
    ml += [nn.Tanh()]
    ml.insert(0, nn.Sigmoid())
    ml[1] = nn.Linear(1, 1)
    del ml[-1]
    lines.append(repr(ml))
    md = nn.ModuleDict({"enc": nn.Linear(2, 2)})
    md["act"] = nn.ReLU()
    lines += [repr(md), str(list(md.keys())), str("act" in md), str(len(md)), str(list(dict(md.named_parameters())))]
    for bad in (lambda: seq[7], lambda: ml.__setitem__(-5, nn.ReLU())):
        try:
            bad()
        except IndexError as error:
            lines.append(f"IndexError: {error}")
    order = []
    nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU(), nn.Tanh())).apply(lambda m: order.append(type(m).__name__))
    lines.append(str(order))
    seen = []
    lin = nn.Linear(2, 2)
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    h2 = lin.register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape)) or out + 1)
    x = torch.ones(1, 2)
    lines.append(str(torch.equal(lin(x), lin.forward(x * 2) + 1)))
    h1.remove()
    h2.remove()
    lines.append(str(torch.equal(lin(x), lin.forward(x))) + str(seen))
    return "\n".join(lines)


def _linalg_story(torch):
    A = torch.tensor([[4., 1., 0.5], [1., 3., 0.], [0.5, 0., 2.]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([1., -2., 0.5], dtype=torch.float64, requires_grad=True)
    B = torch.tensor([[1., 0.], [2., 1.], [0., 3.]], dtype=torch.float64, requires_grad=True)
    lines = []
    x = torch.linalg.solve(A, b)
    (x ** 2).sum().backward()
    lines += [repr(x), repr(A.grad), repr(b.grad)]
    A.grad = None
    X = torch.linalg.solve(A, B)
    X.sum().backward()
    lines += [repr(X), repr(A.grad), repr(B.grad)]
    for fn in (torch.linalg.inv, torch.linalg.det, torch.inverse):
        A.grad = None
        out = fn(A)
        out.sum().backward()
        lines += [f"{out.grad_fn.name()} {out.detach().sum().item():.10f}", repr(A.grad)]
    (g,) = torch.autograd.grad(torch.linalg.det(A), A, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), A)
    lines += [repr(gg), repr(torch.linalg.norm(A)), repr(torch.linalg.vector_norm(b, 1))]
    return "\n".join(lines)


def _counting_story(torch):
    x = torch.tensor([3, 1, 3, 2, 1, 3])
    return "\n".join(repr(v) for v in (
        x.unique(), torch.unique(x, return_inverse=True), x.unique(return_counts=True),
        torch.unique(torch.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True, return_counts=True),
        x.bincount(), torch.bincount(x, minlength=6), x.bincount(torch.tensor([.5, 1., 2., 1., 1., 1.])),
        x.bincount(torch.tensor([1, 2, 3, 4, 5, 6])), torch.tensor([], dtype=torch.long).bincount()))


def _padding_and_parameter_list_story(torch):
    pad = torch.nn.utils.rnn.pad_sequence
    a, b = torch.tensor([1, 2, 3]), torch.tensor([4])
    lines = [repr(pad([a, b])), repr(pad([a, b], batch_first=True, padding_value=-1)),
             repr(pad([a, b], batch_first=True, padding_side="left"))]
    x = torch.ones(2, 3, requires_grad=True)
    y = pad([x, x[:1] * 2])
    y.sum().backward()
    lines += [repr(y), y.grad_fn.name(), repr(x.grad)]
    params = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(3, 4)])
    params.append(torch.ones(1))

    class WithList(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = params
            self.lin = torch.nn.Linear(1, 1)

    m = WithList()
    lines += [repr(params), str(len(params)), repr(m), str(list(dict(m.named_parameters()))),
              type(params[1]).__name__, str(params[1].requires_grad), str(list(m.state_dict()))]
    return "\n".join(lines)


STORIES = {"containers_and_hooks": _container_story, "linalg": _linalg_story, "unique_bincount": _counting_story,
           "pad_sequence_and_parameter_list": _padding_and_parameter_list_story}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(STORIES))
def test_matches_torch(real_torch, name):
    assert STORIES[name](gt) == STORIES[name](real_torch)


def test_bincount_refuses_negative_and_float_inputs():
    for bad in (gt.tensor([-1, 2]), gt.tensor([1.0]), gt.tensor([[1]])):
        with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs."):
            bad.bincount()


def test_linalg_gradients_match_finite_differences_to_second_order():
    A = gt.tensor([[4., 1.], [1.5, 3.]], dtype=gt.float64, requires_grad=True)
    b = gt.tensor([1., -2.], dtype=gt.float64, requires_grad=True)
    B = gt.tensor([[1., 0., 2.], [2., 1., -1.]], dtype=gt.float64, requires_grad=True)
    for fn, inputs in ((gt.linalg.solve, (A, b)), (gt.linalg.solve, (A, B)), (gt.linalg.inv, (A,)),
                       (gt.linalg.det, (A,))):
        assert gradcheck(fn, inputs)
        assert gradgradcheck(fn, inputs)


def test_singular_matrix_says_so():
    with pytest.raises(RuntimeError, match="singular"):
        gt.linalg.solve(gt.zeros(2, 2), gt.ones(2))
