# A char-level LSTM language model: one embedding, an LSTM carrying (h, c) across chunks with detach
# (truncated BPTT), cross entropy over the flattened sequence, gradient clipping, sampling by argmax.
import torch
import torch.nn as nn

torch.manual_seed(0)
text = "hello world, hello torch. "
chars = sorted(set(text))
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for ch, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
print(len(chars), data[:10])


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden=None):
        out, hidden = self.lstm(self.embed(x), hidden)
        return self.fc(out), hidden


model = CharLSTM(len(chars), 8, 16)
print(model)
print(sum(p.numel() for p in model.parameters()))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()

seq_len = 8
hidden = None
for step in range(6):
    i = (step * seq_len) % (len(data) - seq_len - 1)
    x = data[i:i + seq_len].unsqueeze(0)
    y = data[i + 1:i + seq_len + 1].unsqueeze(0)
    if hidden is not None:
        hidden = tuple(h.detach() for h in hidden)
    logits, hidden = model(x, hidden)
    loss = criterion(logits.view(-1, len(chars)), y.view(-1))
    optimizer.zero_grad()
    loss.backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    print(step, f"{loss.item():.4f}", f"{total_norm.item():.4f}", hidden[0].shape, hidden[1].requires_grad)

model.eval()
with torch.no_grad():
    idx = torch.tensor([[stoi['h']]])
    h = None
    out = []
    for _ in range(10):
        logits, h = model(idx, h)
        idx = logits[:, -1].argmax(dim=-1, keepdim=True)
        out.append(itos[idx.item()])
print(repr(''.join(out)))
print(logits.shape, h[0].shape, [n for n, _ in model.lstm.named_parameters()][:4])
