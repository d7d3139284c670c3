# Indexing and masking exercises: slicing, fancy indexing, boolean masks, where, masked_fill, gather,
# scatter, nonzero, one-hot, topk, in-place assignment through masks.
import torch

torch.manual_seed(0)
x = torch.arange(12).reshape(3, 4)
print(x[1], x[:, 2], x[1:, ::2], x[-1, -1], x[..., 1])
print(x[[0, 2]], x[[0, 1, 2], [3, 2, 1]])
print(x[x > 5], (x > 5).sum(), (x % 2 == 0).nonzero())
print(torch.where(x > 5, x, -x))
print(x.masked_fill(x < 3, 0))
y = x.clone()
y[y % 3 == 0] = -1
print(y)
y[:, 0] = torch.tensor([10, 20, 30])
print(y)
y[0, :2] += 100
print(y)

r = torch.randn(4, 5)
print(r)
print(r[r > 0].mean(), r.clamp(min=0).sum(dim=1))
mask = r.abs() > 1
print(mask, mask.any(dim=1), mask.all())
idx = torch.tensor([[0, 1], [2, 3], [4, 0], [1, 1]])
print(torch.gather(r, 1, idx))
print(torch.zeros(3, 5).scatter_(1, torch.tensor([[0], [2], [4]]), 1.0))
labels = torch.tensor([0, 2, 1, 2])
print(torch.nn.functional.one_hot(labels, num_classes=3))
print(torch.eye(3)[labels])
vals, inds = r.topk(2, dim=1)
print(vals, inds)
print(r.argmax(), r.argmax(dim=0), r.max(dim=1))
print(r.sort(dim=1, descending=True).indices[0])
print(torch.index_select(x, 0, torch.tensor([2, 0])))
print(x.flatten()[torch.tensor([1, 5, 7])], x.view(-1)[-3:])
print(torch.tril(torch.ones(4, 4)).bool())
causal = torch.tril(torch.ones(4, 4)) == 0
att = torch.randn(4, 4).masked_fill(causal, float('-inf'))
print(att.softmax(dim=-1))

w = torch.randn(5, requires_grad=True)
sel = w[torch.tensor([0, 2, 2, 4])]
sel.sum().backward()
print(w.grad, sel.grad_fn)
w.grad = None
m = w > 0
(w[m] ** 2).sum().backward()
print(w.grad, m)
print(x.unique(), torch.tensor([3, 1, 3, 2, 1]).unique(return_counts=True))
