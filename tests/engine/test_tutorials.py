"""Tutorial programs a learner types, run once with real torch and once with gradtrace.engine bound to
`torch`: everything they print must be identical, character for character.

float32 results may differ from torch's in the last bit (BLAS summation order, vectorised exp/tanh), so
the programs print tensors (4 significant digits) and Python floats formatted to 5, the way tutorials
read, rather than every bit of a float32 sum.
"""
import contextlib
import io

import pytest

import gradtrace.engine

TUTORIALS = {
    "chain_rule_scalars": """
x = torch.tensor(3.0, requires_grad=True)
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
y = w * x + b
L = (y - 5) ** 2
print(y, L)
L.backward()
print(x.grad, w.grad, b.grad)
print(L.grad_fn.name(), [type(n).__name__ for n, _ in L.grad_fn.next_functions])
z = torch.sin(x) * torch.exp(w) / (b + 1)
z.backward()
print(z, x.grad, w.grad, b.grad)
""",
    "chain_rule_vectors_and_matrices": """
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)
A = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
B = torch.tensor([[0.5, -1.], [2., 0.25]], requires_grad=True)
C = (A @ B / 10).tanh()
loss = C.sum()
loss.backward()
print(C)
print(A.grad)
print(B.grad)
out = A.t().mm(B).pow(2).mean()
print(out)
""",
    "clone_detach_requires_grad": """
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = a * 3
c = b.clone().detach().requires_grad_()
print(c, c.is_leaf, c.grad_fn)
d = (c ** 2).sum()
d.backward()
print(c.grad, a.grad)
e = torch.tensor([[1., 2.], [3., 4.]])
f = e.clone().detach().requires_grad_(True)
g = f.mean()
g.backward()
print(f.grad, g)
x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
out.backward()
print(x.grad)
print(x.requires_grad, (x ** 2).requires_grad)
with torch.no_grad():
    print((x ** 2).requires_grad)
print(x.detach().requires_grad, x.eq(x.detach()).all())
""",
    "logistic_regression": """
X = torch.tensor([[0.5, 1.0], [1.5, -0.5], [-1.0, 2.0], [2.0, 0.5], [-0.5, -1.5], [1.0, 1.0]])
t = torch.tensor([1., 1., 0., 1., 0., 1.])
w = torch.tensor([0.1, -0.2], requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
lr = 0.5
for step in range(5):
    p = torch.sigmoid(X.mv(w) + b)
    loss = -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()
    loss.backward()
    print(step, loss, w.grad, b.grad)
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
print(w, b)
print(p)
""",
    "two_layer_network_with_clamp": """
torch.manual_seed(0)
N, D_in, H, D_out = 8, 5, 6, 3
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)
w1 = torch.randn(D_in, H, requires_grad=True)
w2 = torch.randn(H, D_out, requires_grad=True)
learning_rate = 1e-3
for t in range(6):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    print(t, f"{loss.item():.5g}")
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
print(y_pred.grad_fn)
print(w2)
""",
    "gradient_descent_with_autograd_grad": """
x = torch.tensor([2.0, -1.0], requires_grad=True)
def f(v):
    return (v[0] - 1) ** 2 + 10 * (v[1] - v[0] ** 2) ** 2
for i in range(5):
    loss = f(x)
    g, = torch.autograd.grad(loss, x)
    with torch.no_grad():
        x -= 0.01 * g
    print(i, loss, g, x)
gg, = torch.autograd.grad(f(x), x, create_graph=True)
hess_row, = torch.autograd.grad(gg[0], x)
print(gg, hess_row)
""",
    "backward_on_non_scalars": """
x = torch.linspace(-2, 2, 9, requires_grad=True)
y = x ** 3
y.backward(torch.ones_like(y))
print(x.grad)
x.grad = None
y = torch.tanh(x)
y.backward(gradient=torch.linspace(0, 1, 9))
print(x.grad)
m = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
n = m.exp()
n.backward(torch.tensor([[1., 0.], [0., 1.]]))
print(m.grad)
try:
    (m * 2).backward()
except RuntimeError as e:
    print("RuntimeError:", e)
""",
    "nn_linear_mse_sgd": """
torch.manual_seed(42)
model = torch.nn.Linear(3, 2)
print(model.weight, model.bias)
x = torch.randn(5, 3)
y = torch.randn(5, 2)
criterion = torch.nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(4):
    optimizer.zero_grad()
    out = model(x)
    loss = criterion(out, y)
    loss.backward()
    optimizer.step()
    print(step, f"{loss.item():.5g}")
print(model.weight.grad)
print(model.bias)
print(out.grad_fn, loss.grad_fn)
""",
    "softmax_cross_entropy": """
torch.manual_seed(1)
logits = torch.randn(4, 3, requires_grad=True)
target = torch.tensor([0, 2, 1, 2])
loss = torch.nn.functional.cross_entropy(logits, target)
loss.backward()
print(loss)
print(logits.grad)
probs = torch.softmax(logits, dim=1)
print(probs)
print(torch.nn.functional.nll_loss(torch.log_softmax(logits, dim=1), target))
""",
    "embedding_norms_and_state_dict": """
nn = torch.nn
torch.manual_seed(0)
model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.LayerNorm(4), nn.Flatten(), nn.Linear(12, 8),
                      nn.BatchNorm1d(8), nn.SiLU(), nn.Dropout(0.2), nn.Linear(8, 3))
print(model)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.randint(0, 10, (5, 3))
y = torch.tensor([0, 1, 2, 1, 0])
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 5))
print(loss.grad_fn, model[0].weight.grad[0])
print(model[4].running_mean, model[4].num_batches_tracked)
print(list(model.state_dict()))
model.eval()
with torch.no_grad():
    print(model(x).argmax(dim=1))
print(model.load_state_dict(model.state_dict()))
values, indices = torch.randn(6).sort(descending=True)
print(values, indices)
""",
}


def _run(torch_module, source):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(source, {"torch": torch_module})
    return out.getvalue()


def _scrub_addresses(text):
    import re

    return re.sub(r" at 0x[0-9a-f]+>", " at 0x...>", text)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(TUTORIALS))
def test_tutorial_prints_exactly_what_torch_prints(real_torch, name):
    ours = _scrub_addresses(_run(gradtrace.engine, TUTORIALS[name]))
    theirs = _scrub_addresses(_run(real_torch, TUTORIALS[name]))
    assert ours == theirs


@pytest.mark.parametrize("name", sorted(TUTORIALS))
def test_tutorial_runs_on_gradtrace_alone(name):
    assert _run(gradtrace.engine, TUTORIALS[name])
