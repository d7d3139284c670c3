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
