# The supporting cast of training scripts (pytorch/examples, the "Saving and loading models" and
# "Optimizing model parameters" recipes): a custom Dataset, DataLoader batching, weight init with
# Module.apply, forward hooks, optimizer and scheduler printing, StepLR, saving and loading to a buffer.
import io
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class SquaresDataset(Dataset):
    def __init__(self, n):
        self.x = torch.linspace(-1, 1, n).unsqueeze(1)
        self.y = self.x ** 2

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


ds = SquaresDataset(32)
print(len(ds), ds[3])
loader = DataLoader(ds, batch_size=8, shuffle=True, drop_last=True)
xb, yb = next(iter(loader))
print(xb.shape, yb.shape, len(loader))


def init_weights(m):
    if isinstance(m, nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)


model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
model.apply(init_weights)
print(model[0].bias[:4], model[0].weight[:3])

activations = {}


def save_activation(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()
    return hook


handle = model[1].register_forward_hook(save_activation("tanh"))
model(xb)
print(activations["tanh"].shape, activations["tanh"].abs().max() <= 1)
handle.remove()

optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
print(optimizer)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
loss_fn = nn.MSELoss()
for epoch in range(4):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    scheduler.step()
    print(epoch, f"{total / len(ds):.4f}", scheduler.get_last_lr(), optimizer.param_groups[0]["lr"])

n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"{n_params} trainable parameters")

buffer = io.BytesIO()
torch.save({"epoch": 4, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict()}, buffer)
buffer.seek(0)
checkpoint = torch.load(buffer)
model2 = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
print(model2.load_state_dict(checkpoint["model_state_dict"]))
optimizer2 = torch.optim.SGD(model2.parameters(), lr=0.1, momentum=0.9)
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
print(checkpoint["epoch"], optimizer2.param_groups[0]["lr"], list(checkpoint["optimizer_state_dict"]["state"]))
with torch.no_grad():
    print(torch.equal(model(ds.x), model2(ds.x)))
print(model2[0].weight.requires_grad, type(checkpoint["model_state_dict"]).__name__)
