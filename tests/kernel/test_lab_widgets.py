"""ipywidgets and tqdm.notebook in a real JupyterLab on the gradtrace kernel, seen by headless Chromium.

Slow (JupyterLab and a browser start): it runs the cells a user would, checks that the slider and the
progress bar render as widgets (not as their text/plain fallback), that the bar finishes, and that
moving the slider in the page changes the value the kernel holds. The screenshot is kept in tmp_path.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from kernel_harness import KERNEL_NAME, jupyter_env

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytest.importorskip("ipywidgets")
pytest.importorskip("tqdm")
pytest.importorskip("jupyterlab")
pytest.importorskip("jupyterlab_widgets")
nbformat = pytest.importorskip("nbformat")
playwright = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed", allow_module_level=True)

CELLS = [
    "import ipywidgets as w\nslider = w.IntSlider(value=3, max=10, description='x')\ndisplay(slider)",
    "from tqdm.notebook import tqdm\nimport time\nfor i in tqdm(range(30)):\n    time.sleep(0.02)",
    "print('slider is at', slider.value)",
]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on the test kernelspec; yields the notebook's URL."""
    root = jupyter_env()
    env = dict(os.environ)
    # Lab extensions (the widget manager) live in the base environment when this runs in a venv on top of it.
    env["JUPYTER_PATH"] = os.pathsep.join([env["JUPYTER_PATH"], os.path.join(sys.base_prefix, "share", "jupyter")])
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code) for code in CELLS]
    notebook.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME, "language": "python"}
    nbformat.write(notebook, tmp_path / "widgets.ipynb")
    port = _free_port()
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 - closed below, after the server
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.token=t",
         f"--ServerApp.root_dir={tmp_path}", "--allow-root", "--LabApp.news_url=None"],
        env=env, stdout=subprocess.DEVNULL, stderr=log, cwd=root)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start: " + (tmp_path / "lab.log").read_text()[-2000:])
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/widgets.ipynb?token=t"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_a_slider_and_a_tqdm_bar_render_and_move_in_jupyterlab(lab, tmp_path):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.goto(lab)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_selector("text=| Idle", timeout=60_000)  # the kernel is up
        page.click(".jp-Cell .jp-InputArea-editor")
        for _ in CELLS[:2]:
            page.keyboard.press("Shift+Enter")
        page.wait_for_selector(".widget-slider", timeout=60_000)
        page.wait_for_selector(".widget-readout:has-text('3')", timeout=10_000)
        page.wait_for_selector(".widget-hprogress", timeout=30_000)
        page.wait_for_selector(".widget-hprogress .progress-bar-success", timeout=30_000)
        page.screenshot(path=str(tmp_path / "widgets.png"))
        # The user moves the slider two steps with the keyboard; the kernel gets the new value.
        page.click(".widget-slider .noUi-handle")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(".widget-readout:has-text('5')", timeout=10_000)
        page.click(".jp-Cell:nth-child(3) .jp-InputArea-editor")
        page.keyboard.press("Shift+Enter")
        output = page.wait_for_selector(".jp-OutputArea-output:has-text('slider is at')", timeout=30_000)
        assert output.inner_text().strip() == "slider is at 5"
        browser.close()
