"""grad_fn nodes against real torch: class names, next_functions (types and output numbers, the whole
graph), name(), AccumulateGrad.variable, saved values and repr (reference section 2)."""
import re

import numpy as np
import pytest

import gradtrace.engine as gt

# Each expression runs with T (torch or gradtrace.engine) and the leaves of reference section 2:
# a, b (3,), s (0-d), W (3x3), M2 (2x3), B (2x3x3), all requiring grad.
EXPRESSIONS = [
    "a + b", "T.add(a, b, alpha=2)", "a + 1", "1 + a", "T.ones(3) * a", "a - b", "a - 1", "1 - a",
    "T.rsub(a, 1)", "a * b", "a * 2", "2 * a", "a / b", "a / 2", "a.div(2)", "T.true_divide(a, 2)", "2 / a",
    "1 / a", "a ** 2", "a.pow(2)", "a ** 0.5", "a.square()", "a ** b", "T.pow(a, s)", "a.pow(T.tensor(2.))",
    "2 ** a", "T.pow(2., a)", "-a", "a.neg()", "a.sum()", "T.sum(a)", "a.sum(0)", "a.sum(dim=0, keepdim=True)",
    "a.sum(-1)", "W.sum(dim=(0, 1))", "a.mean()", "M2.mean(0)", "a.mean(-1)", "W.mean(dim=(0, 1))",
    "a.exp()", "a.log()", "a.sin()", "a.cos()", "a.tanh()", "a.sigmoid()", "a.sqrt()", "a.abs()",
    "a.clamp(0, 2)", "a.clamp(min=0)", "a.clamp(max=2)", "a.clip(0, 1)", "a.clamp(T.zeros(3))",
    "a.clamp_min(0)", "T.clamp_max(a, 0.)", "a.relu()", "T.relu(a)", "T.nn.functional.relu(a)",
    "T.nn.functional.relu(a * 1, inplace=True)", "(a * 1).relu_()", "W.mv(a)", "W @ a", "T.mv(W, a)",
    "W.mm(W)", "W @ W", "T.matmul(W, W)", "a.dot(b)", "a @ b", "a @ W", "B @ W", "B @ a", "T.bmm(B, B)",
    "W.t()", "W.T", "W.transpose(0, 1)", "T.transpose(W, 0, 1)", "W.permute(1, 0)", "W.view(9)",
    "W.reshape(9)", "W.flatten()", "W.view(-1)", "M2.t().reshape(6)", "a[0]", "M2[0]", "M2[:, 1]",
    "M2[0, 1]", "W[..., 0]", "W[0][1]", "a[1:]", "M2[:, 1:]", "a[[0, 2]]", "a[a > 1]", "W[T.tensor([0, 1])]",
    "a.clone()", "M2.t().contiguous()", "a.norm()", "T.norm(a)", "a.norm(p=1)", "W.norm(dim=0)",
    "a.max()", "a.min()", "M2.max(dim=1)[0]", "T.max(W, 1)[0]", "W.max(1).values", "W.min(1)[0]",
    "T.max(a, b)", "T.maximum(a, b)", "a.unsqueeze(0)", "a[None]", "a.view(1, 3, 1).squeeze()",
    "a.view(1, 3).squeeze(0)", "T.nn.functional.linear(a, W)", "a.expand(2, 3)", "a.expand_as(W)",
    "T.cat([a, b])", "T.hstack([a, b])", "T.vstack([a, b])", "T.stack([a, b])", "T.addmm(a, W, W)",
    "a.unbind()[0]", "(lambda y: y[0] + y[2])(a.unbind())", "a.split(1)[0]", "a.chunk(3)[0]",
    "a.double()", "a.float()", "a.log_softmax(0)", "a.softmax(0)",
    "T.nn.functional.nll_loss(M2.log_softmax(1), T.tensor([0, 2]))",
    "T.nn.functional.cross_entropy(M2, T.tensor([0, 2]))", "T.nn.functional.mse_loss(a, b)",
    "T.nn.functional.binary_cross_entropy(a.sigmoid(), T.tensor([0., 1., 1.]))",
    "T.where(a > 1, a, b)", "a.masked_fill(a > 1, 0.)", "a.reciprocal()", "a.log1p()", "a.exp2()",
    "a.var()", "a.std()", "a.prod()", "a.sign()", "a.floor()", "a.round()", "a.logsumexp(0)", "a.tan()",
    "a.rsqrt()", "a % 2", "T.outer(a, b)", "T.nn.functional.dropout(a, 0.0)", "a.contiguous()",
    "(a * 2).add_(1)", "(a * 2).mul_(2)", "(a * 2).copy_(b)", "(a * 2).copy_(T.ones(3))",
    "T.zeros(3).copy_(a)", "(lambda x: (x[1:].copy_(b[:2]), x)[1])(a * 1)",
    "(lambda x: (x[1:].mul_(2), x)[1])(a * 1)", "(lambda x: (x[1:].mul_(b[:2]), x)[1])(a * 1)",
    "(lambda x: (x[1:].exp_(), x)[1])(a * 1)", "(lambda x: (x[1:].zero_(), x)[1])(a * 1)",
    "(lambda x: (x.t()[0].add_(a), x)[1])(W * 1)", "(lambda x: (x.__setitem__(0, 5.), x)[1])(a.clone())",
    "(lambda w: (w.__setitem__(1, a[0]), w)[1])(T.zeros(3))",
    "(w * x + c - 5) ** 2", "T.nn.Linear(3, 2)(W)", "T.nn.Linear(3, 2)(a)", "T.nn.Linear(3, 2)(B)",
    "T.nn.Linear(3, 2, bias=False)(W)", "T.nn.functional.linear(W, M2, b[:2])",
]


def _leaves(T):
    t = T.tensor
    return {
        "T": T,
        "a": t([1.0, 2.0, 3.0], requires_grad=True),
        "b": t([0.5, -1.0, 2.0], requires_grad=True),
        "s": t(2.0, requires_grad=True),
        "W": t([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 1.0, 1.0]], requires_grad=True),
        "M2": t([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], requires_grad=True),
        "B": t([[[1.0, 2.0, 0.5]] * 3, [[0.0, -1.0, 3.0]] * 3], requires_grad=True),
        "w": t(2.0, requires_grad=True),
        "x": t(3.0, requires_grad=True),
        "c": t(1.0, requires_grad=True),
    }


def _structure(node, env):
    """(class name, name(), [(child structure, output_nr)]) for a whole graph; leaves by their name."""
    if node is None:
        return None
    if type(node).__name__ == "AccumulateGrad":
        leaf = [k for k, v in env.items() if v is node.variable]
        return ("AccumulateGrad", node.name(), leaf)
    children = [(_structure(n, env), nr) for n, nr in node.next_functions]
    return (type(node).__name__, node.name(), children)


def _result(T, expr):
    env = _leaves(T)
    out = eval(expr, env)
    return out, env


@pytest.mark.torch
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_graph_matches_torch(real_torch, expr):
    ours, our_env = _result(gt, expr)
    theirs, their_env = _result(real_torch, expr)
    assert (ours.grad_fn is None) == (theirs.grad_fn is None)
    # a.float() / a.contiguous() / dropout(p=0) return the input itself
    assert (ours is our_env["a"]) == (theirs is their_env["a"])
    assert _structure(ours.grad_fn, our_env) == _structure(theirs.grad_fn, their_env)


@pytest.mark.torch
def test_accumulate_grad_node(real_torch):
    for T in (gt, real_torch):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        acc = (a * 2).grad_fn.next_functions[0][0]
        assert acc.variable is a
        assert acc.next_functions == ()
        assert acc.name() == "torch::autograd::AccumulateGrad"
        assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(acc))


@pytest.mark.torch
def test_copy_slices_node(real_torch):
    for T in (gt, real_torch):
        a = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = a.clone()
        x[0] = 5.0
        assert x.grad_fn.name() == "torch::autograd::CopySlices"
        assert re.fullmatch(r"<CopySlices object at 0x[0-9a-f]+>", repr(x.grad_fn))
        assert repr(x) == "tensor([5., 2., 3.], grad_fn=<CopySlices>)"


@pytest.mark.torch
def test_node_repr_name_and_metadata(real_torch):
    for T in (gt, real_torch):
        gf = (T.tensor([1.0], requires_grad=True) * 2).grad_fn
        assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(gf))
        assert gf.name() == "MulBackward0"
        assert gf.metadata == {}


# (expression, attribute): the saved value must equal torch's (tensors by value, others by ==)
SAVED = [
    ("a * b", "_saved_self"), ("a * b", "_saved_other"), ("a * 2", "_saved_other"), ("a * 2.5", "_saved_other"),
    ("a / 2", "_saved_other"), ("a * True", "_saved_other"),
    ("a ** 2", "_saved_self"), ("a ** 2", "_saved_exponent"), ("T.add(a, b, alpha=2)", "_saved_alpha"),
    ("a + b", "_saved_alpha"), ("a.exp()", "_saved_result"), ("a.sum(0)", "_saved_dim"),
    ("a.sum(0)", "_saved_keepdim"), ("a.sum(0)", "_saved_self_sym_sizes"), ("a.sin()", "_saved_self"),
    ("a.tanh()", "_saved_result"), ("W.mv(a)", "_saved_self"), ("W.mv(a)", "_saved_vec"),
    ("a.sigmoid()", "_saved_result"),
    ("a.unsqueeze(1).squeeze(1)", "_saved_dim"), ("a.unsqueeze(1).squeeze(-2)", "_saved_dim"),
    ("a.unsqueeze(0).unsqueeze(2).squeeze((0, -1))", "_saved_dim"), ("a.unsqueeze(1).squeeze(-2)", "_saved_self_sym_sizes"),
]


@pytest.mark.torch
@pytest.mark.parametrize("expr,attr", SAVED)
def test_saved_values_match_torch(real_torch, expr, attr):
    ours = getattr(_result(gt, expr)[0].grad_fn, attr)
    theirs = getattr(_result(real_torch, expr)[0].grad_fn, attr)
    if isinstance(theirs, real_torch.Tensor):
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    else:
        assert type(ours) is type(theirs)
        assert ours == theirs


@pytest.mark.torch
def test_saved_values_freed_after_backward(real_torch):
    messages = []
    for T in (gt, real_torch):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        y = a * a
        y.sum().backward()
        with pytest.raises(RuntimeError) as err:
            y.grad_fn._saved_self
        messages.append(str(err.value))
    assert messages[0] == messages[1]


@pytest.mark.torch
def test_saved_result_is_a_new_tensor_equal_to_the_output(real_torch):
    for T in (gt, real_torch):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        e = a.exp()
        saved = e.grad_fn._saved_result
        assert saved is not e
        assert saved.tolist() == e.tolist()


@pytest.mark.torch
def test_worked_example_walk(real_torch):
    """L = (w*x + b - 5)**2 with 0-d leaves: its chain, its print and its gradients (reference 2)."""
    outputs = []
    for T in (gt, real_torch):
        w, x, b = (T.tensor(v, requires_grad=True) for v in (2.0, 3.0, 1.0))
        L = (w * x + b - 5) ** 2
        chain = []
        node = L.grad_fn
        while node is not None:
            chain.append(type(node).__name__)
            node = node.next_functions[0][0] if node.next_functions else None
        L.backward()
        outputs.append((chain, repr(L), repr(x.grad), repr(w.grad), repr(b.grad)))
    assert outputs[0] == outputs[1]
    assert outputs[0][1] == "tensor(4., grad_fn=<PowBackward0>)"


# -- second order: the nodes a gradient's own graph shows ------------------------------------------
SECOND_ORDER = ["a ** 3", "a.sin()", "a.tanh()", "a.exp()", "a.sigmoid()", "a.log()", "a * a", "a.relu()",
                "a.sqrt()", "1 / a", "a.cos()", "(a * a).sum()", "(a ** 2).mean()", "T.softmax(a, 0) * a",
                "T.log_softmax(a, 0) * a"]


def _second_order_text(T, expr):
    x = T.tensor([2.0, 3.0], requires_grad=True)
    (grad,) = T.autograd.grad(eval(expr, {"T": T, "a": x}).sum(), x, create_graph=True)
    y = T.tensor([2.0, 3.0], requires_grad=True)
    eval(expr, {"T": T, "a": y}).sum().backward(create_graph=True)
    return f"{grad}\n{y.grad}"


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("expr", SECOND_ORDER)
def test_gradients_with_a_graph_print_torchs_nodes(real_torch, expr):
    # e.g. tensor([0.0707, 0.0099], grad_fn=<TanhBackwardBackward0>), and .grad shows CopyBackwards
    assert _second_order_text(gt, expr) == _second_order_text(real_torch, expr)


def _backward_rows(T, expr):
    x = T.tensor([2.0, -3.0], requires_grad=True)
    with T.autograd.profiler.profile() as prof:
        eval(expr, {"T": T, "a": x}).sum().backward()
    return [(e.name, [c.name for c in e.cpu_children]) for e in prof.function_events
            if e.name.endswith("Backward0") and not e.name.startswith("autograd::")]


@pytest.mark.torch
@pytest.mark.parametrize("expr", ["a.tanh()", "a.sigmoid()", "a.relu()", "T.softmax(a, 0) * a",
                                  "T.log_softmax(a, 0) * a"])
def test_activation_backward_runs_torchs_backward_op(real_torch, expr):
    assert _backward_rows(gt, expr) == _backward_rows(real_torch, expr)


# Ops that take dims (and slices): every non-tensor `_saved_*` value and the list of `_saved_*` names equal
# torch's. torch keeps a dim as the caller gave it (a tuple in the caller's order, -1 shown as
# 18446744073709551615), MeanBackward1's self_sym_numel is the input's numel, and var/std show the
# correction only when the call chose an overload that has one.
DIM_EXPRESSIONS = [
    "a.unsqueeze(-2)", "a.unsqueeze(-4)", "a.mean(-1)", "a.mean((-1, -2))", "a.mean((0, 2))", "a.mean(())",
    "a.sum(-1)", "a.sum((-1, 0))", "a.sum([2, 0], keepdim=True)", "a.sum(())", "a.amax(-1)", "a.amin((-1, 0))",
    "a.amax()", "a.std(-1)", "a.var((-1,))", "a.var((2, 0))", "a.var()", "a.std()", "a.var(keepdim=True)",
    "a.var(-1, correction=None)", "a.std(-1, unbiased=False)", "a.logsumexp(-1)", "a.logsumexp((2, 0))",
    "a.softmax(-1)", "a.log_softmax(-1)", "T.nn.functional.softmax(a, dim=-2)", "a.cumsum(-1)", "a.cumprod(-1)",
    "a.transpose(-1, 0)", "a.mT", "a.permute(-1, 0, 1)", "a.narrow(-1, 0, 2)", "a.narrow(0, -1, 1)",
    "a.select(-1, 1)", "a.select(1, -1)", "a[:, 1:3]", "a[0]", "a[..., -1]", "a[:, -2:]", "a[:, :-1]",
    "a[:, 1::2]", "a[None, 0]", "a[1:, 0]", "a.split(2, -1)[0]", "a.split([1, 3], -1)[1]", "a.chunk(2, -1)[0]",
    "a.unbind(-1)[0]", "a.unbind()[1]", "a.max(-1)[0]", "a.min(-2, keepdim=True)[0]", "a.sort(-1)[0]",
    "a.sort()[0]", "a.norm(dim=-1)", "a.norm(dim=(-1, 0))", "a.norm(dim=())", "a.prod(-1)", "a.cummax(-1)[0]",
    "a.cummin(-2)[0]", "a.kthvalue(2, -1)[0]", "a.topk(2)[0]", "a.median(-1)[0]",
    "a.gather(-1, T.zeros(2, 3, 1, dtype=T.long))", "a.index_select(-1, T.tensor([0, 2]))",
    "a.scatter(-1, T.zeros(2, 3, 1, dtype=T.long), 5.)", "a.scatter(-1, T.zeros(2, 3, 1, dtype=T.long), a[..., :1])",
    "a.scatter_add(-1, T.zeros(2, 3, 1, dtype=T.long), a[..., :1])", "a.roll(1, -1)", "a.roll((1, -2), (-1, 0))",
    "T.var_mean(a, -1)[0]", "T.var_mean(a)[1]", "T.std_mean(a, (-1, 0))[0]", "T.aminmax(a, dim=-1)[0]",
    "T.cat([a, a], -1)", "T.stack([a, a], -1)", "a.flip(-1)", "a.flip((0, -1))", "a.triu(-1)", "a.tril(-2)",
]


def _saved_attributes(T, expr):
    a = T.arange(24.).reshape(2, 3, 4).requires_grad_() * 1
    node = eval(expr, {"a": a, "T": T}).grad_fn
    names = sorted(n for n in dir(node) if n.startswith(("_saved", "_raw_saved")))
    values = {n: getattr(node, n) for n in names if n.startswith("_saved")}
    return node.name(), names, {n: v for n, v in values.items() if not isinstance(v, T.Tensor)}


@pytest.mark.torch
@pytest.mark.parametrize("expr", DIM_EXPRESSIONS)
def test_dim_ops_save_torchs_values(real_torch, expr):
    ours, theirs = _saved_attributes(gt, expr), _saved_attributes(real_torch, expr)
    assert ours[:2] == theirs[:2]
    assert {n: (type(v), v) for n, v in ours[2].items()} == {n: (type(v), v) for n, v in theirs[2].items()}


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("expr", ["x[0]", "x.select(1, -1)", "x[:, 1:]", "x.narrow(1, 0, 1)", "x[[0, 1]]", "x[x > 0]",
                                  "x.index_select(0, T.tensor([1]))", "x.unbind(0)[0]", "x.unbind(1)[2]",
                                  "x.scatter(0, T.tensor([[0]]), 1.)", "x.squeeze(0)"])
def test_second_order_nodes_of_views_and_indexing(real_torch, expr):
    """The gradient of select, slice, index, index_select, unbind, scatter and squeeze, taken with a graph,
    has torch's node (SelectBackwardBackward0, IndexPutImplBackward0, ...; none where torch passes the
    gradient through) and torch's value."""
    seen = []
    for T in (gt, real_torch):
        x = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = eval(expr, {"x": x, "T": T})
        (g,) = T.autograd.grad(y, x, T.ones_like(y).requires_grad_(), create_graph=True)
        seen.append((g.grad_fn.name() if g.grad_fn is not None else None, g.tolist()))
    assert seen[0] == seen[1]


def _squeeze_backward_rows(T, expr):
    x = T.ones(2, 1, 3, requires_grad=True)
    with T.autograd.profiler.profile() as prof:
        eval(expr, {"x": x}).sum().backward()
    return [(e.name, [c.name for c in e.cpu_children]) for e in prof.function_events if e.name.startswith("Squeeze")]


@pytest.mark.torch
@pytest.mark.parametrize("expr", ["x.squeeze(1)", "x.squeeze(-2)", "x.squeeze(0)", "x.squeeze()", "x.squeeze((0, 1))"])
def test_squeeze_backward_unsqueezes_like_torch(real_torch, expr):
    # one aten::unsqueeze per dim squeezed away, nothing when the dim had another size
    assert _squeeze_backward_rows(gt, expr) == _squeeze_backward_rows(real_torch, expr)


SAVED_NAME_EXPRESSIONS = ["a.unsqueeze(1).squeeze(1)", "a.unsqueeze(1).squeeze(-2)", "a.unsqueeze(1).squeeze((1, -1))",
                          "a * b", "a * 2", "a / 2", "a / b", "a ** 2", "T.add(a, b, alpha=2)", "a + b", "a - b",
                          "a.exp()", "a.sum(0)", "a.sum()", "a.sin()", "a.tanh()", "W.mv(v)", "a.sigmoid()",
                          "a.mean(0)", "a.relu()", "a.unsqueeze(0)", "a.transpose(0, 1)", "a.reshape(-1)",
                          "a.softmax(0)", "a.clamp(0, 1)", "a.max()", "a.var(0)", "T.where(a > 0, a, b)"]


@pytest.mark.torch
@pytest.mark.parametrize("expr", SAVED_NAME_EXPRESSIONS)
def test_dir_lists_torchs_saved_attributes(real_torch, expr):
    """dir(grad_fn) lists the same `_saved*` / `_raw_saved*` names as torch's node (and nothing else by
    that prefix: a user filtering dir() on "_saved" sees torch's list)."""

    def saved_views(lib):
        a, b, W = (lib.ones(3, 3, requires_grad=True) for _ in range(3))
        node = eval(expr, {"a": a, "b": b, "W": W, "v": lib.ones(3, requires_grad=True), "T": lib}).grad_fn
        return {n for n in dir(node) if n.startswith(("_saved", "_raw_saved"))}

    assert saved_views(gt) == saved_views(real_torch)


def _rounding_division_facts(T):
    """What a user sees of div with a rounding_mode and of //: nodes, saved values, reprs, gradients, errors."""
    facts = []
    for mode in ("floor", "trunc"):
        for divisor in ("tensor", "tensor requiring grad", "number"):
            a = T.tensor([1.5, 2.5, -3.5], requires_grad=True)
            b = 2 if divisor == "number" else T.tensor([2.0, 2.0, 2.0], requires_grad=divisor != "tensor")
            y = a.div(b, rounding_mode=mode)
            node = y.grad_fn
            facts.append((node.name(), sorted(n for n in dir(node) if n.startswith("_saved")),
                          node._saved_rounding_mode, str(node._saved_other), str(node._saved_self), str(y)))
            y.sum().backward()
            facts.append((str(a.grad), str(b.grad) if divisor == "tensor requiring grad" else None))
    a = T.tensor([1.5, 2.5, -3.5], requires_grad=True)
    for y in (a // 2, a // T.tensor(2.0), T.floor_divide(a, 2)):
        facts.append((y.grad_fn.name(), type(y.grad_fn).__name__, str(y), len(y.grad_fn.next_functions)))
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        facts.append(str(info.value))
    return facts


@pytest.mark.torch
def test_rounding_division_nodes_are_torchs(real_torch):
    """div(..., rounding_mode=) is DivBackward2 (zero gradients); // has no derivative: torch's NotImplemented
    node, which prints as <NotImplemented> and refuses backward."""
    assert _rounding_division_facts(gt) == _rounding_division_facts(real_torch)


def _restriding_facts(T):
    """t_, unsqueeze_, squeeze_ and transpose_ change a tensor's shape in place: values, torch's in-place
    nodes and their saved values, versions, gradients, the leaf error, a view's base, strides."""
    facts = []
    a = T.arange(6.0).reshape(2, 3).requires_grad_()
    for expr in ["unsqueeze_(0)", "unsqueeze_(-1)", "squeeze_()", "squeeze_(0)", "squeeze_((0,))", "t_()",
                 "transpose_(0, 1)", "swapdims_(1, 0)", "swapaxes_(0, -1)"]:
        x = (a * 1).unsqueeze(0) if expr.startswith("squeeze_") else a * 1
        y = eval("x." + expr)
        node = y.grad_fn
        weights = T.arange(float(y.numel())).reshape(y.shape)
        (g,) = T.autograd.grad((y * weights).sum(), a)
        facts.append((expr, y is x, tuple(y.shape), str(y), node.name(),
                      {k: getattr(node, k) for k in dir(node) if k.startswith("_saved")}, x._version, str(g)))
    with pytest.raises(RuntimeError) as info:
        T.ones(2, 3, requires_grad=True).t_()
    facts.append(str(info.value))
    b = T.arange(6.0).reshape(2, 3)
    v = b[1]
    v.unsqueeze_(0)
    v.mul_(2)  # still a view of b, now of shape (1, 3)
    facts.append((str(b), str(v)))
    c = T.arange(6.0).reshape(2, 3)
    c.t_()
    facts.append((str(c), c.is_contiguous(), tuple(c.stride())))
    return facts


@pytest.mark.torch
def test_restriding_inplace_ops_are_torchs(real_torch):
    assert _restriding_facts(gt) == _restriding_facts(real_torch)
