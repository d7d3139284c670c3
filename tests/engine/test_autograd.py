"""Autograd semantics: accumulation, retain_graph, hooks, autograd.grad, grad modes, in-place versions,
deep graphs, freeing by reference counting, detach/clone/data, and the Python conversions."""
import gc
import io
import contextlib
import weakref

import pytest

import gradtrace.engine as gt

# Snippets whose printed output must be identical with real torch and with gradtrace (T is the module).
PROGRAMS = {
    "accumulation": """
a = T.tensor([1., 2., 3.], requires_grad=True)
(a ** 2).sum().backward()
print(a.grad)
L2 = (a * a).sum()
L2.backward(retain_graph=True)
L2.backward()
print(a.grad)
a.grad.zero_()
(a * 3).sum().backward()
print(a.grad)
a.grad = None
(a.exp()).sum().backward()
print(a.grad)
""",
    "no_saved_tensors_backward_twice": """
a = T.tensor([1., 2., 3.], requires_grad=True)
y = (a + a).sum()
y.backward()
y.backward()
print(a.grad)
""",
    "retain_grad": """
a = T.tensor([1., 2., 3.], requires_grad=True)
c = a * 2
c.retain_grad()
d = (c * c).sum()
d.backward()
print(c.grad, c.retains_grad, a.retains_grad, c.is_leaf)
""",
    "tensor_hooks": """
a = T.tensor([1., 2., 3.], requires_grad=True)
seen = []
h = a.register_hook(lambda g: seen.append(g.clone()))
b = a * 2
b.register_hook(lambda g: g * 10)
(b * b).sum().backward()
print(seen, a.grad)
h.remove()
a.grad = None
(a * 1).sum().backward()
print(len(seen), a.grad)
""",
    "node_hooks": """
a = T.tensor([1., 2.], requires_grad=True)
b = a * 3
calls = []
b.grad_fn.register_hook(lambda gi, go: calls.append((gi, go)))
b.grad_fn.register_prehook(lambda go: (go[0] * 2,))
b.sum().backward()
print(calls)
print(a.grad)
""",
    "autograd_grad": """
a = T.tensor([1., 2., 3.], requires_grad=True)
print(T.autograd.grad((a ** 2).sum(), a))
print(T.autograd.grad((a ** 2).sum(), a, create_graph=True))
x = T.tensor(1., requires_grad=True)
y = T.tensor(1., requires_grad=True)
print(T.autograd.grad(x * 2, [x, y], allow_unused=True))
print(T.autograd.grad(x * 2, [x, y], allow_unused=True, materialize_grads=True))
print(a.grad)
g, = T.autograd.grad((a ** 3).sum(), a, create_graph=True)
h, = T.autograd.grad(g.sum(), a)
print(g, h)
out = a * 2
print(T.autograd.grad(out, a, grad_outputs=T.tensor([1., 0., 2.])))
print(T.autograd.grad([a.sum(), (a * a).sum()], [a]))
""",
    "backward_gradient_and_inputs": """
a = T.tensor([1., 2., 3.], requires_grad=True)
b = T.tensor([4., 5., 6.], requires_grad=True)
y = a * b
y.backward(T.tensor([1., 0.1, 0.01]))
print(a.grad, b.grad)
a.grad = None
b.grad = None
(a * b).sum().backward(inputs=[a])
print(a.grad, b.grad)
T.autograd.backward([(a * b).sum(), a.sum()], [T.tensor(2.), T.tensor(1.)])
print(a.grad, b.grad)
""",
    "grad_modes": """
a = T.tensor([1., 2.], requires_grad=True)
with T.no_grad():
    b = a * 2
    with T.enable_grad():
        c = a * 2
print(b.requires_grad, c.requires_grad, T.is_grad_enabled())
with T.set_grad_enabled(False):
    d = a * 2
print(d.requires_grad, T.is_grad_enabled())
T.set_grad_enabled(False)
print(T.is_grad_enabled(), (a * 2).requires_grad)
T.set_grad_enabled(True)
@T.no_grad()
def f(x):
    return x * 2
@T.enable_grad()
def g(x):
    return x * 2
@T.inference_mode()
def h(x):
    return x * 2
print(f(a).requires_grad, g(a).requires_grad, h(a).requires_grad)
with T.no_grad():
    print(g(a).requires_grad)
with T.inference_mode():
    e = a * 2
print(e.requires_grad, T.is_inference_mode_enabled())
with T.no_grad():
    a -= 0.5 * a
print(a, a.is_leaf, a.requires_grad)
""",
    "views_share_versions": """
a = T.ones(2, 3)
v = a[0]
w = a.view(6)
t = a.t()
print(a._version, v._version, w._version, t._version)
v.add_(1)
print(a._version, v._version, w._version, t._version)
a.mul_(2)
print(a._version, v._version, w._version, t._version)
print(a)
c = a.clone()
d = a.detach()
c.add_(1)
d.add_(1)
print(a._version, c._version, d._version)
print(a)
""",
    "detach_clone_data": """
a = T.tensor([1., 2., 3.], requires_grad=True)
b = a * 2
d = b.detach()
print(d.requires_grad, d.is_leaf, d.grad_fn)
c = b.clone()
print(type(c.grad_fn).__name__, c.requires_grad)
e = a.clone().detach().requires_grad_()
print(e, e.is_leaf)
x = a.data
print(x, x.requires_grad, x.is_leaf)
a.data.mul_(2)
print(a)
a.data = T.tensor([7., 8., 9.])
print(a, a.requires_grad)
w = T.tensor([1., 2.], requires_grad=True)
y = w * w
w.data.mul_(2)
y.sum().backward()
print(w.grad)
""",
    "conversions": """
s = T.tensor(2.5)
i = T.tensor(3)
print(s.item(), i.item(), float(s), int(s), bool(s), int(i), float(i))
print(T.tensor([1., 2.]).tolist(), T.tensor([[1, 2], [3, 4]]).tolist(), T.tensor(0.1).item())
print(f"{s:.3f}", f"{i:4d}", "{}".format(s), format(T.tensor([1., 2.])))
print(len(T.ones(4, 2)), [x.tolist() for x in T.tensor([[1, 2], [3, 4]])])
a = T.tensor([1., 2., 3.], requires_grad=True)
print(a.sum().item(), [x for x in a])
print(a.detach().numpy())
print(T.tensor([[1., 2.]]).numpy().shape)
print(bool(T.tensor([0.])), bool(T.tensor(1)))
""",
    "version_errors": """
def attempt(src):
    try:
        exec(src, {"T": T})
    except RuntimeError as e:
        print(str(e))
attempt("a = T.tensor([1., 2.], requires_grad=True)\\nb = a + 1\\nc = b * b\\nb.add_(1)\\nc.sum().backward()")
attempt("a = T.tensor([1., 2.], requires_grad=True)\\nb = a + 1\\nc = b.exp()\\nc.add_(1)\\nc.sum().backward()")
attempt("a = T.tensor([1., 2.], requires_grad=True)\\nb = a * 1\\nc = b * b\\nb[0] = 3.\\nc.sum().backward()")
attempt("a = T.tensor([1., 2.], requires_grad=True)\\nb = a * 1\\nc = b.sigmoid()\\nb.mul_(2)\\nc.sum().backward()")
attempt("a = T.tensor([1., 2.], requires_grad=True)\\na.sin_()")
attempt("a = T.tensor([1., 2.], requires_grad=True)\\na[0] = 1.")
""",
    "hooks_and_retain_grad_edge_cases": """
a = T.tensor([1., 2.], requires_grad=True)
b = a * 2
b.retain_grad()
b.register_hook(lambda g: g * 3)
c = (b ** 2).sum()
c.backward()
print(a.grad, b.grad)
x = T.tensor([1., 2.], requires_grad=True)
y = x.exp()
y.retain_grad()
g, = T.autograd.grad(y.sum(), x, create_graph=True)
print(g, y.grad)
z = x * 1
z.register_hook(print)
(z * z).sum().backward()
u = x * 2
v = u.sum() + (u * 3).sum()
v.backward()
print(x.grad)
""",
    "multi_output_and_shared_inputs": """
a = T.tensor([[1., 2.], [3., 4.]], requires_grad=True)
p, q = a.unbind(0)
r = (p * q).sum() + p.sum()
r.backward()
print(a.grad)
a.grad = None
s1, s2 = a.split(1, dim=1)
(s1 * 2 + s2 ** 2).sum().backward()
print(a.grad)
a.grad = None
m = a.max(dim=1)
(m.values * 3).sum().backward()
print(m.indices, a.grad)
a.grad = None
(a @ a @ a).sum().backward()
print(a.grad)
""",
    "second_order": """
x = T.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = (x.sin() * x.exp()).sum()
g, = T.autograd.grad(y, x, create_graph=True)
h, = T.autograd.grad(g.sum(), x, create_graph=True)
k, = T.autograd.grad(h.sum(), x)
print(g, h, k)
w = T.tensor([[1., 2.], [0.5, -1.]], requires_grad=True)
loss = (w @ x[:2]).tanh().pow(2).sum()
gw, = T.autograd.grad(loss, w, create_graph=True)
gw.norm().backward()
print(gw, w.grad, x.grad)
""",
}


def _printed(T, source):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(source, {"T": T})
    return out.getvalue()


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_prints_like_torch(real_torch, name):
    assert _printed(gt, PROGRAMS[name]) == _printed(real_torch, PROGRAMS[name])


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_runs_without_torch(name):
    assert _printed(gt, PROGRAMS[name])


def test_accumulation_values():
    a = gt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (a ** 2).sum().backward()
    assert a.grad.tolist() == [2.0, 4.0, 6.0]
    y = (a * a).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert a.grad.tolist() == [6.0, 12.0, 18.0]


def test_second_backward_raises_where_tensors_were_saved():
    a = gt.tensor([1.0, 2.0], requires_grad=True)
    y = (a * a).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_deep_chain_backward_has_no_recursion_limit():
    x = gt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        a = gt.tensor([1.0, 2.0], requires_grad=True)
        b = a.exp()
        c = (b * a).sigmoid().sum()
        node = weakref.ref(b.grad_fn)
        out = weakref.ref(b)
        del b, c
        assert node() is None
        assert out() is None
        # and after a backward, with hooks and retained grads in the graph
        b = a * 2
        b.retain_grad()
        b.register_hook(lambda g: g)
        c = (b * b).sum()
        c.backward()
        node, out = weakref.ref(b.grad_fn), weakref.ref(b)
        del b, c
        assert node() is None and out() is None
    finally:
        gc.enable()


def test_accumulate_grad_node_lives_only_while_the_graph_does():
    gc.disable()
    try:
        a = gt.tensor([1.0], requires_grad=True)
        y = a * 2
        acc = weakref.ref(y.grad_fn.next_functions[0][0])
        assert acc() is not None and acc().variable is a
        del y
        assert acc() is None
    finally:
        gc.enable()


def test_numpy_refuses_tensors_that_require_grad():
    a = gt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        a.numpy()
    assert a.detach().numpy().tolist() == [1.0]


def test_hook_handle_removal_and_leaf_hook_replacement():
    a = gt.tensor([1.0, 2.0], requires_grad=True)
    handle = a.register_hook(lambda g: g * 0)
    (a * 1).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0]
    handle.remove()
    (a * 1).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0]


def test_grad_does_not_touch_dot_grad():
    a = gt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = gt.autograd.grad((a * a).sum(), a)
    assert a.grad is None
    assert g.tolist() == [2.0, 4.0]
    assert not g.requires_grad


def test_gradcheck_accepts_correct_gradients_and_rejects_wrong_ones():
    x = gt.tensor([0.3, -1.2, 2.0], dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))

    class WrongSquare(gt.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * t

        @staticmethod
        def backward(ctx, g):
            return g  # the true derivative is 2 * t * g

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gt.autograd.gradcheck(WrongSquare.apply, (x,))


def test_gradgradcheck_checks_second_derivatives():
    x = gt.tensor([0.3, -1.2, 2.0], dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda t: (t.sin() * t).sum(), (x,))


# -- summing gradients that meet at one node --------------------------------------------------------
def _fan_in_profile(torch_module):
    x = torch_module.ones(3, requires_grad=True)
    with torch_module.autograd.profiler.profile() as prof:
        y = x * 2
        (y * 3 + y * 4 + y * 5).sum().backward()
    return x.grad.tolist(), [e.name for e in prof.function_events if e.name.startswith("aten::add")]


def test_backward_sums_gradients_in_place_where_nothing_else_holds_them():
    grad, adds = _fan_in_profile(gt)
    assert grad == [24.0, 24.0, 24.0]
    # the two forward additions, then two in-place accumulations into y's buffer
    assert adds == ["aten::add", "aten::add", "aten::add_", "aten::add_"]


@pytest.mark.torch
def test_backward_gradient_sums_match_torch(real_torch):
    assert _fan_in_profile(gt) == _fan_in_profile(real_torch)


def test_gradients_someone_else_holds_are_never_summed_into():
    x = gt.ones(3, requires_grad=True)
    seed = gt.tensor([1.0, 2.0, 3.0])
    y = x * 1
    (y + y).backward(seed)  # AddBackward0 hands the same gradient object to both of y's uses
    assert seed.tolist() == [1.0, 2.0, 3.0] and x.grad.tolist() == [2.0, 4.0, 6.0]
    kept = []

    class PassThrough(gt.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 1

        @staticmethod
        def backward(ctx, grad):
            kept.append(grad)  # the gradient it returns is also held here
            return grad

    w = gt.ones(3, requires_grad=True)
    v = w * 1
    (PassThrough.apply(v) * 2 + v * 3).sum().backward()
    assert [g.tolist() for g in kept] == [[2.0] * 3]
    assert w.grad.tolist() == [5.0] * 3
