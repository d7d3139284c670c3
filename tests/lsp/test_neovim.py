"""A real editor: headless Neovim's built-in LSP client (0.7's vim.lsp.start_client) on `gradtrace lsp`."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lsp_harness import Y_REPR, gradtrace_command, private_env

NVIM = shutil.which("nvim")
SESSION = Path(__file__).with_name("data") / "nvim_session.lua"


@pytest.mark.slow
@pytest.mark.skipif(NVIM is None, reason="needs Neovim (nvim) on PATH")
def test_neovim_runs_a_file_and_hovers_a_tensor(tmp_path):
    source = tmp_path / "train.py"
    source.write_text("import torch\nw = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (w * w).sum()\n"
                      "y.backward()\n")
    out = tmp_path / "nvim.json"
    env = private_env(tmp_path)
    env.update(GRADTRACE_NVIM_OUT=str(out), GRADTRACE_NVIM_FILE=str(source),
               GRADTRACE_NVIM_CMD=json.dumps(gradtrace_command() + ["lsp"]),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    completed = subprocess.run([NVIM, "--headless", "--clean", "-n", "-u", str(SESSION)], env=env,
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert out.exists(), f"nvim wrote nothing (exit {completed.returncode}): {completed.stderr[-2000:]}"
    results = json.loads(out.read_text())
    assert results["commands"] == ["gradtrace.runFile", "gradtrace.runRange", "gradtrace.interrupt"]
    run = results["run"]["result"]
    assert results["run"]["err"] is None and run["status"] == "ok"
    assert [entry["name"] for entry in run["report"]["bound"]] == ["w", "y"]
    assert results["report_notification"] == run["report_text"]
    hover = results["hover"]["result"]["contents"]
    assert hover["kind"] == "markdown" and hover["value"].startswith("**y** · tensor\n")
    assert "Shape:         []" in hover["value"] and f"Value:         {Y_REPR}" in hover["value"]
    assert results["stopped"] is True
