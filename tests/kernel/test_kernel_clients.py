"""Real front ends against the kernel: nbclient notebooks, jupyter console, the install command."""
import contextlib
import io
import json
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
