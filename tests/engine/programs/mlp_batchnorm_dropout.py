# An MLP with BatchNorm and Dropout: train/eval modes, running statistics, state_dict printing,
# named_parameters loops, weight decay groups, gradient clipping, no_grad evaluation with argmax accuracy.
import torch
from torch import nn

torch.manual_seed(42)
X = torch.randn(120, 6)
w_true = torch.randn(6, 3)
y = (X @ w_true).argmax(dim=1)
print(y.bincount())


class MLP(nn.Module):
    def __init__(self, d_in, d_hidden, d_out, p=0.3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d_in, d_hidden, bias=False),  # BatchNorm follows: a bias would only add noise
            nn.BatchNorm1d(d_hidden),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Linear(d_hidden, d_out),
        )

    def forward(self, x):
        return self.net(x)


model = MLP(6, 16, 3)
print(model)
for name, param in model.named_parameters():
    print(name, tuple(param.shape), param.requires_grad)
for name, buf in model.named_buffers():
    print(name, buf.dtype, buf.shape)

decay, no_decay = [], []
for name, param in model.named_parameters():
    (no_decay if name.endswith("bias") or "1." in name else decay).append(param)
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                               {"params": no_decay, "weight_decay": 0.0}], lr=0.01)
print(len(optimizer.param_groups), [len(g["params"]) for g in optimizer.param_groups])
loss_fn = nn.CrossEntropyLoss()

x1 = torch.ones(2, 6)
model.eval()
with torch.no_grad():
    a = model(x1)
    b = model(x1)
print(torch.equal(a, b), model.training, model.net[3].training)
model.train()
print(model.training, model.net[1].training)


def evaluate(model, X, y):
    model.eval()
    with torch.no_grad():
        logits = model(X)
        preds = logits.argmax(dim=1)
        acc = (preds == y).float().mean().item()
    model.train()
    return acc


print(f"accuracy before: {evaluate(model, X, y):.3f}")
for epoch in range(5):
    perm = torch.randperm(len(X))
    for i in range(0, len(X), 40):
        idx = perm[i:i + 40]
        optimizer.zero_grad()
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f} acc {evaluate(model, X, y):.3f}")

print(model.net[1].running_mean)
print(model.net[1].running_var)
print(model.net[1].num_batches_tracked)
sd = model.state_dict()
for k, v in sd.items():
    print(k, "\t", v.size())
print(sd["net.4.bias"])
print(optimizer.state_dict()["param_groups"][0]["lr"], sorted(optimizer.state_dict()["state"][0]))
clone = MLP(6, 16, 3)
print(clone.load_state_dict(sd))
clone.eval()
model.eval()
with torch.no_grad():
    print(torch.allclose(clone(X), model(X)))
grads = [p.grad.norm() for p in model.parameters()]
print(torch.stack(grads).max() <= 0.5 * 16 ** 0.5 * 6)
