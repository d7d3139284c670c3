# Higher-order autograd as course notebooks teach it: torch.autograd.grad with create_graph=True,
# a Hessian-vector product, the full Hessian row by row, a gradient penalty, Newton steps on a quadratic.
import torch

torch.manual_seed(0)
A = torch.randn(4, 4, dtype=torch.float64)
A = A @ A.T + torch.eye(4, dtype=torch.float64)
b = torch.randn(4, dtype=torch.float64)


def f(x):
    return 0.5 * x @ A @ x - b @ x + torch.sin(x).sum()


x = torch.randn(4, dtype=torch.float64, requires_grad=True)
y = f(x)
(g,) = torch.autograd.grad(y, x, create_graph=True)
print(g)
v = torch.tensor([1.0, 0.0, -1.0, 0.5], dtype=torch.float64)
(hvp,) = torch.autograd.grad(g, x, grad_outputs=v, retain_graph=True)
print(hvp)
print(torch.allclose(hvp, A @ v - torch.sin(x.detach()) * v))

rows = []
for i in range(4):
    (row,) = torch.autograd.grad(g[i], x, retain_graph=True)
    rows.append(row)
H = torch.stack(rows)
print(H)
print(torch.allclose(H, H.T))
print(g.grad_fn.name(), g.requires_grad)

# d/dx of (dy/dx . v) as a scalar: the same Hessian-vector product, through backward
x.grad = None
(g @ v).backward()
print(x.grad)

# a gradient penalty, as in WGAN-GP: the norm of the input gradient, itself differentiated
w = torch.randn(3, dtype=torch.float64, requires_grad=True)
inp = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
out = torch.tanh(inp @ w).sum()
(gi,) = torch.autograd.grad(out, inp, create_graph=True)
penalty = ((gi.norm(2, dim=1) - 1) ** 2).mean()
penalty.backward()
print(penalty.item() > 0, w.grad)

# Newton's method on the quadratic part: converges in one step
x = torch.zeros(4, dtype=torch.float64, requires_grad=True)
for step in range(2):
    y = 0.5 * x @ A @ x - b @ x
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    H = torch.stack([torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(4)])
    with torch.no_grad():
        x -= torch.linalg.solve(H, g)
    print(step, g.detach().norm().item() < 1e-9, x)

# a third derivative of a scalar function
t = torch.tensor(0.7, requires_grad=True)
y = t ** 4
(d1,) = torch.autograd.grad(y, t, create_graph=True)
(d2,) = torch.autograd.grad(d1, t, create_graph=True)
(d3,) = torch.autograd.grad(d2, t)
print(d1, d2, d3)
