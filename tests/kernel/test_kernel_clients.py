"""Real front ends against the kernel: nbclient notebooks, jupyter console, the install command."""
import contextlib
import io
import json
import re
import subprocess
import sys

import pytest

from kernel_harness import KERNEL_NAME, client_for, jupyter_env, launch, wait_for_file

TUTORIAL = [
    "import torch\nx = torch.tensor(2., requires_grad=True)",
    "y = x**2\ny.backward()",
    "print(x.grad)",
]
REPORT_MIME = "application/vnd.gradtrace.report+json"


def _real_torch_stdout(cells):
    out = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(out):
        for cell in cells:
            exec(cell, namespace)
    return out.getvalue()


@pytest.mark.torch
def test_nbclient_runs_a_tutorial_notebook_like_pytorch(real_torch):
    import nbformat
    from nbclient import NotebookClient

    jupyter_env()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in TUTORIAL])
    NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=60).execute()
    stdout = "".join(out.get("text", "") for cell in nb.cells for out in cell.outputs
                     if out.output_type == "stream" and out.name == "stdout")
    assert stdout == _real_torch_stdout(TUTORIAL) == "tensor(4.)\n"
    graph_cell = nb.cells[1]
    reports = [out for out in graph_cell.outputs if out.output_type == "display_data" and REPORT_MIME in out.data]
    assert len(reports) == 1
    assert "text/plain" in reports[0].data and "text/html" in reports[0].data


# PyTorch's "Neural Networks" tutorial (60-minute blitz), cell by cell as published, with a seed added
# so that its numbers can be compared, and the optimizer cell printing what it changed.
BLITZ_CELLS = [
"""import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


net = Net()
print(net)""",
"""params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight""",
"""input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)""",
"""net.zero_grad()
out.backward(torch.randn(1, 10))""",
"""output = net(input)
target = torch.randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)""",
"""print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU""",
"""net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)""",
"""learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)""",
"""import torch.optim as optim

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
optimizer.zero_grad()   # zero the gradient buffers
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()    # Does the update
print(loss, net.fc3.bias)""",
]


def _scrub_addresses(text):
    return re.sub(r" at 0x[0-9a-f]+>", " at 0x...>", text)


@pytest.mark.torch
def test_nbclient_runs_the_blitz_neural_network_tutorial_like_pytorch(real_torch):
    """Conv2d, max_pool2d, flatten, Linear, MSELoss, grad_fn walking and SGD, through `import torch`
    in a notebook: every line printed is torch's (object addresses aside)."""
    import nbformat
    from nbclient import NotebookClient

    jupyter_env()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in BLITZ_CELLS])
    NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=120).execute()
    errors = [out for cell in nb.cells for out in cell.outputs if out.output_type == "error"]
    assert not errors, errors
    stdout = "".join(out.get("text", "") for cell in nb.cells for out in cell.outputs
                     if out.output_type == "stream" and out.name == "stdout")
    assert _scrub_addresses(stdout) == _scrub_addresses(_real_torch_stdout(BLITZ_CELLS))
    # the report after `out = net(input)`: the chain down to conv1's weight, by the name the user reaches it by,
    # and the pooling and convolution rows of its profile
    (report,) = [out.data["text/plain"] for out in nb.cells[2].outputs
                 if out.output_type == "display_data" and REPORT_MIME in out.data]
    assert ("MaxPool2DWithIndicesBackward0 <- ReluBackward0 <- ConvolutionBackward0 <- "
            "AccumulateGrad(net.conv1.weight)") in report
    assert "aten::max_pool2d_with_indices ×2" in report and "aten::_convolution ×2" in report


# PyTorch's "Sequence Models and LSTM Networks" tutorial as published (its training loop shortened from
# 300 epochs to 30), then a DataLoader and a torch.save/torch.load round trip.
SEQ_CELLS = [
"""import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)""",
"""lstm = nn.LSTM(3, 3)  # Input dim is 3, output dim is 3
inputs = [torch.randn(1, 3) for _ in range(5)]  # make a sequence of length 5

# initialize the hidden state.
hidden = (torch.randn(1, 1, 3),
          torch.randn(1, 1, 3))
for i in inputs:
    # Step through the sequence one element at a time.
    # after each step, hidden contains the hidden state.
    out, hidden = lstm(i.view(1, 1, -1), hidden)

# alternatively, we can do the entire sequence all at once.
inputs = torch.cat(inputs).view(len(inputs), 1, -1)
hidden = (torch.randn(1, 1, 3), torch.randn(1, 1, 3))  # clean out hidden state
out, hidden = lstm(inputs, hidden)
print(out)
print(hidden)""",
"""def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


training_data = [
    # Tags are: DET - determiner; NN - noun; V - verb
    # For example, the word "The" is a determiner
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])
]
word_to_ix = {}
for sent, tags in training_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
print(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}

EMBEDDING_DIM = 6
HIDDEN_DIM = 6""",
"""class LSTMTagger(nn.Module):

    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim

        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)

        # The LSTM takes word embeddings as inputs, and outputs hidden states
        # with dimensionality hidden_dim.
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)

        # The linear layer that maps from hidden state space to tag space
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores""",
"""model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)

# See what the scores are before training
with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    tag_scores = model(inputs)
    print(tag_scores)

for epoch in range(30):  # shortened from the tutorial's 300 to keep the test quick
    for sentence, tags in training_data:
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()

# See what the scores are after training
with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    tag_scores = model(inputs)
    print(tag_scores)""",
"""from torch.utils.data import DataLoader, TensorDataset
import io

loader = DataLoader(TensorDataset(torch.arange(10.), torch.arange(10) % 3), batch_size=4, shuffle=True)
for xb, yb in loader:
    print(xb, yb)
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
state = torch.load(buffer)
print(list(state), torch.equal(state["hidden2tag.bias"], model.hidden2tag.bias))""",
]


@pytest.mark.torch
def test_nbclient_runs_the_lstm_sequence_tutorial_like_pytorch(real_torch):
    """nn.LSTM, Embedding, NLLLoss and SGD training, a shuffled DataLoader and a checkpoint round trip,
    through `import torch` in a notebook: what is printed is torch's (object addresses aside)."""
    import nbformat
    from nbclient import NotebookClient

    jupyter_env()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in SEQ_CELLS])
    NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=120).execute()
    errors = [out for cell in nb.cells for out in cell.outputs if out.output_type == "error"]
    assert not errors, errors
    stdout = "".join(out.get("text", "") for cell in nb.cells for out in cell.outputs
                     if out.output_type == "stream" and out.name == "stdout")
    expected = _real_torch_stdout(SEQ_CELLS)
    assert "grad_fn=<MkldnnRnnLayerBackward0>" in expected  # torch 2.13's float32 CPU LSTM runs oneDNN
    assert _scrub_addresses(stdout) == _scrub_addresses(expected)


def test_jupyter_console_attaches_to_a_started_kernel(tmp_path):
    path = str(tmp_path / "remote.json")
    proc = launch(["start", "--connection-file", path])
    try:
        wait_for_file(path)
        console = subprocess.run(
            [sys.executable, "-m", "jupyter_console", "--existing", path, "--simple-prompt"],
            input="print(6*7)\n", capture_output=True, text=True, timeout=90,
        )
        assert "42" in console.stdout, console.stdout + console.stderr
        assert proc.poll() is None, "leaving the console must leave the kernel running"
        kc = client_for(path)
        try:
            kc.wait_for_ready(timeout=30)
            kc.shutdown()
        finally:
            kc.stop_channels()
        proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_install_command_writes_a_kernelspec_jupyter_finds(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager

    from gradtrace.kernel.cli import kernel_main

    assert kernel_main(["install", "--prefix", str(tmp_path), "--name", "gt-install-test"]) == 0
    spec_dir = tmp_path / "share" / "jupyter" / "kernels" / "gt-install-test"
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec["argv"] == [sys.executable, "-m", "gradtrace.kernel", "-f", "{connection_file}"]
    assert spec["display_name"] == "gradtrace (autograd)"
    assert spec["language"] == "python" and spec["interrupt_mode"] == "signal"
    manager = KernelSpecManager(kernel_dirs=[str(tmp_path / "share" / "jupyter" / "kernels")])
    assert manager.get_kernel_spec("gt-install-test").display_name == "gradtrace (autograd)"
    assert kernel_main(["install", "--prefix", str(tmp_path), "--name", "bad name!"]) == 1
