"""Jupyter comms through a real kernel: ipywidgets and tqdm.notebook as JupyterLab drives them."""
import re
import time

import pytest

from kernel_harness import iopub_until_idle, run_cell, shell_reply, start_kernel, stop_kernel

pytest.importorskip("ipywidgets")


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def _send(kc, msg_type, content, buffers=None, metadata=None):
    """Send a shell message the way a front end does; returns its msg_id."""
    msg = kc.session.msg(msg_type, content, metadata=metadata)
    kc.session.send(kc.shell_channel.socket, msg, buffers=buffers)
    return msg["header"]["msg_id"]


def _comm_info(kc, **content):
    msg_id = _send(kc, "comm_info_request", content)
    return shell_reply(kc, msg_id)["content"]


def _opened(messages):
    """comm_id -> the state of each comm_open among the messages."""
    return {m["content"]["comm_id"]: m["content"]["data"].get("state", {})
            for m in messages if m["msg_type"] == "comm_open"}


def _run_widgets(kc, code):
    """Run a cell that should succeed; its iopub messages and the widgets it opened (see _opened)."""
    reply, messages = run_cell(kc, code)
    assert reply["content"]["status"] == "ok", reply["content"]
    return messages, _opened(messages)


def _model(opened, model_name):
    """The comm_id of the (first) widget model of this kind that was opened."""
    return next(cid for cid, state in opened.items() if state.get("_model_name") == model_name)


def test_a_slider_opens_its_comm_before_its_view_and_takes_updates_from_the_front_end(kernel):
    _, kc = kernel
    messages, opened = _run_widgets(kc, "import ipywidgets as w\nslider = w.IntSlider(3)\ndisplay(slider)")
    slider_id = _model(opened, "IntSliderModel")
    assert opened[slider_id]["value"] == 3
    kinds = [m["msg_type"] for m in messages]
    assert kinds.index("display_data") > max(i for i, k in enumerate(kinds) if k == "comm_open")
    view = next(m for m in messages if m["msg_type"] == "display_data")["content"]["data"]
    assert view["application/vnd.jupyter.widget-view+json"]["model_id"] == slider_id
    assert view["text/plain"] == "IntSlider(value=3)"
    assert all(m["msg_type"] != "comm_open" or m["content"]["target_name"] == "jupyter.widget" for m in messages)

    # The user drags the slider while no cell runs: the kernel applies it and echoes it back.
    update = _send(kc, "comm_msg", {"comm_id": slider_id,
                                    "data": {"method": "update", "state": {"value": 7}, "buffer_paths": []}})
    echoes = [m for m in iopub_until_idle(kc, update) if m["msg_type"] == "comm_msg"]
    assert [(m["content"]["comm_id"], m["content"]["data"]["method"], m["content"]["data"]["state"])
            for m in echoes] == [(slider_id, "echo_update", {"value": 7})]
    _, messages = run_cell(kc, "print(slider.value)")
    assert [m["content"]["text"] for m in messages if m["msg_type"] == "stream"] == ["7\n"]

    # A value set by the kernel goes to the front end as a comm_msg under the cell that set it.
    _, messages = run_cell(kc, "slider.value = 9")
    updates = [m["content"] for m in messages if m["msg_type"] == "comm_msg"]
    assert updates == [{"comm_id": slider_id, "data": {"method": "update", "state": {"value": 9},
                                                       "buffer_paths": []}}]


def test_comm_info_lists_live_comms_and_filters_by_target(kernel):
    _, kc = kernel
    _, messages = run_cell(kc, "import comm\nprobe = comm.create_comm(target_name='gradtrace.probe')")
    probe_id = next(iter(_opened(messages)))
    everything = _comm_info(kc)["comms"]
    assert everything[probe_id] == {"target_name": "gradtrace.probe"}
    assert any(v["target_name"] == "jupyter.widget" for v in everything.values())
    assert _comm_info(kc, target_name="gradtrace.probe") == {"status": "ok",
                                                             "comms": {probe_id: {"target_name": "gradtrace.probe"}}}
    _, messages = run_cell(kc, "probe.close()")
    assert [m["content"]["comm_id"] for m in messages if m["msg_type"] == "comm_close"] == [probe_id]
    assert _comm_info(kc, target_name="gradtrace.probe")["comms"] == {}


def test_a_comm_message_keeps_its_place_among_the_cells_printed_output(kernel):
    _, kc = kernel
    code = ("import comm\nprint('before')\nc = comm.create_comm(target_name='gradtrace.order')\n"
            "c.send({'n': 1})\nprint('after')")
    msg_id = kc.execute(code)
    messages = iopub_until_idle(kc, msg_id)
    shown = [(m["msg_type"], m["content"].get("text") or m["content"].get("data"))
             for m in messages if m["msg_type"] != "execute_input"]
    assert shown == [("stream", "before\n"), ("comm_open", {}), ("comm_msg", {"n": 1}), ("stream", "after\n")]
    assert all(m["parent_header"]["msg_id"] == msg_id for m in messages)


def test_a_front_end_opened_comm_reaches_its_target_with_binary_buffers_both_ways(kernel):
    _, kc = kernel
    run_cell(kc, "import comm\nseen = []\n"
                 "def echo(c, open_msg):\n"
                 "    seen.append(open_msg['content']['data'])\n"
                 "    c.on_msg(lambda m: c.send({'got': m['content']['data']},\n"
                 "                              buffers=[bytes(b)[::-1] for b in m['buffers']]))\n"
                 "    c.on_close(lambda m: seen.append('closed'))\n"
                 "comm.get_comm_manager().register_target('gradtrace.echo', echo)")
    opening = _send(kc, "comm_open", {"comm_id": "fe-1", "target_name": "gradtrace.echo", "data": {"hello": 1}})
    assert [m for m in iopub_until_idle(kc, opening) if m["msg_type"].startswith("comm")] == []
    assert _comm_info(kc, target_name="gradtrace.echo")["comms"] == {"fe-1": {"target_name": "gradtrace.echo"}}

    sent = _send(kc, "comm_msg", {"comm_id": "fe-1", "data": {"x": 2}}, buffers=[b"\x00\x01\x02", b"abc"])
    replies = [m for m in iopub_until_idle(kc, sent) if m["msg_type"] == "comm_msg"]
    assert len(replies) == 1
    assert replies[0]["content"] == {"comm_id": "fe-1", "data": {"got": {"x": 2}}}
    assert [bytes(b) for b in replies[0]["buffers"]] == [b"\x02\x01\x00", b"cba"]
    assert replies[0]["parent_header"]["msg_id"] == sent

    closing = _send(kc, "comm_close", {"comm_id": "fe-1", "data": {}})
    iopub_until_idle(kc, closing)
    _, messages = run_cell(kc, "print(seen)")
    assert [m["content"]["text"] for m in messages if m["msg_type"] == "stream"] == ["[{'hello': 1}, 'closed']\n"]
    assert _comm_info(kc, target_name="gradtrace.echo")["comms"] == {}


def test_the_widget_control_comm_returns_the_live_widgets_states(kernel):
    _, kc = kernel
    _, messages = run_cell(kc, "import ipywidgets as w\nknob = w.FloatSlider(0.5)")
    knob_id = _model(_opened(messages), "FloatSliderModel")
    opening = _send(kc, "comm_open", {"comm_id": "ctl-1", "target_name": "jupyter.widget.control", "data": {}},
                    metadata={"version": "1.0.0"})  # JupyterLab's widget manager sends this
    assert [m["msg_type"] for m in iopub_until_idle(kc, opening) if m["msg_type"].startswith("comm")] == []
    asked = _send(kc, "comm_msg", {"comm_id": "ctl-1", "data": {"method": "request_states"}})
    answers = [m["content"]["data"] for m in iopub_until_idle(kc, asked) if m["msg_type"] == "comm_msg"]
    assert answers[0]["method"] == "update_states"
    assert answers[0]["states"][knob_id]["state"]["value"] == 0.5


def test_a_tqdm_notebook_bar_is_a_widget_that_moves(kernel):
    pytest.importorskip("tqdm")
    _, kc = kernel
    messages, opened = _run_widgets(kc, "from tqdm.notebook import tqdm\nfor i in tqdm(range(4)):\n    pass")
    bar_id = _model(opened, "FloatProgressModel")
    assert opened[bar_id]["max"] == 4
    box = next(m for m in messages if m["msg_type"] == "display_data")["content"]["data"]
    assert opened[box["application/vnd.jupyter.widget-view+json"]["model_id"]]["_model_name"] == "HBoxModel"
    bar_states = [m["content"]["data"]["state"] for m in messages
                  if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == bar_id]
    assert {"value": 4.0} in bar_states and bar_states[-1] == {"bar_style": "success"}
    assert not [m for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"]


def test_ipython_display_reaches_the_front_end(kernel):
    pytest.importorskip("IPython")
    _, kc = kernel
    _, messages = run_cell(kc, "from IPython.display import display, HTML, clear_output\n"
                               "display(HTML('<b>hi</b>'))\nclear_output(wait=True)")
    shown = [(m["msg_type"], m["content"]) for m in messages if m["msg_type"] != "execute_input"]
    assert shown[0][0] == "display_data" and shown[0][1]["data"]["text/html"] == "<b>hi</b>"
    assert shown[1] == ("clear_output", {"wait": True})


def test_malformed_comm_messages_are_dropped_and_the_kernel_goes_on(kernel):
    _, kc = kernel
    for content in ({"target_name": "x"}, {"comm_id": 5, "target_name": "x"}, {"comm_id": "c", "target_name": None}):
        iopub_until_idle(kc, _send(kc, "comm_open", content))
    iopub_until_idle(kc, _send(kc, "comm_msg", {"comm_id": "never-opened", "data": {}}))
    iopub_until_idle(kc, _send(kc, "comm_close", {}))
    reply, _ = run_cell(kc, "1 + 1")
    assert reply["content"]["status"] == "ok"


def test_backward_replay_is_a_step_widget_that_the_front_end_moves(kernel):
    _, kc = kernel
    run_cell(kc, "import torch\nx = torch.tensor(2., requires_grad=True)\nw = torch.tensor(1., requires_grad=True)\n"
                 "u1 = x * w\nu2 = x * w\na = u1 ** 2 + u2 ** 3")
    messages, opened = _run_widgets(kc, "%backward a")
    (display,) = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    assert opened[display["application/vnd.jupyter.widget-view+json"]["model_id"]]["_model_name"] == "VBoxModel"
    assert display["text/plain"].startswith("replay of a.backward(): 7 steps")
    assert display["application/vnd.gradtrace.backward+json"]["step_count"] == 7
    slider_id = _model(opened, "SelectionSliderModel")
    view_id = next(cid for cid, state in opened.items() if state.get("_model_name") == "HTMLModel"
                   and "gt-now" in state.get("value", ""))
    assert "<tr class='gt-now'><td>1</td>" in opened[view_id]["value"]
    moved = _send(kc, "comm_msg", {"comm_id": slider_id,
                                   "data": {"method": "update", "state": {"index": 6}, "buffer_paths": []}})
    updates = [m["content"]["data"]["state"]["value"] for m in iopub_until_idle(kc, moved)
               if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == view_id]
    assert len(updates) == 1
    assert re.search(r"<tr class='gt-now'><td>7</td><td>AccumulateGrad\([xw]\)</td>", updates[0])
    _, messages = run_cell(kc, "print(w.grad)")
    assert [m["content"]["text"] for m in messages if m["msg_type"] == "stream"] == ["None\n"]


def test_matplotlib_widget_figures_are_ipympl_canvases_that_answer_the_front_end(kernel):
    pytest.importorskip("ipympl")
    _, kc = kernel
    messages, opened = _run_widgets(kc, "%matplotlib widget\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])")
    canvas_id = _model(opened, "MPLCanvasModel")
    views = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
    assert [v["application/vnd.jupyter.widget-view+json"]["model_id"] for v in views] == [canvas_id]
    # The front end asks for a redraw; the picture comes back as a binary buffer on the canvas's comm.
    asked = _send(kc, "comm_msg", {"comm_id": canvas_id, "data": {"method": "custom", "content": {"type": "draw"}}})
    images = [m for m in iopub_until_idle(kc, asked)
              if m["msg_type"] == "comm_msg" and m["content"]["data"].get("content", {}).get("data") == '{"type": "binary"}']
    picture = bytes(images[-1]["buffers"][0])  # a PNG, or RGBA pixels in ipympl's raw image mode
    assert len(picture) > 1000 and (picture[:8] == b"\x89PNG\r\n\x1a\n" or len(picture) % 4 == 0)
    run_cell(kc, "%matplotlib inline")


@pytest.mark.slow
def test_nbclient_saves_the_widget_state_of_a_notebook_run():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from kernel_harness import KERNEL_NAME, jupyter_env

    jupyter_env()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code) for code in (
        "import ipywidgets as w\nw.IntSlider(5)",
        "from tqdm.notebook import trange\nfor i in trange(3):\n    pass",
        "import torch\nx = torch.tensor(3., requires_grad=True)\ny = x * x\n%backward y",
    )]
    nbclient.NotebookClient(notebook, kernel_name=KERNEL_NAME, timeout=60).execute()
    states = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = sorted({s["model_name"] for s in states.values()})
    assert {"IntSliderModel", "FloatProgressModel", "SelectionSliderModel", "VBoxModel"} <= set(models)
    shown = [output["data"] for cell in notebook.cells for output in cell.outputs if "data" in output]
    assert all("application/vnd.jupyter.widget-view+json" in data for data in shown[:3])
    (replayed,) = [data for data in shown if "application/vnd.gradtrace.backward+json" in data]
    assert "x.grad would be 6" in replayed["text/plain"]


def test_a_stuck_widget_callback_is_interrupted_and_the_kernel_goes_on(kernel):
    km, kc = kernel
    _, opened = _run_widgets(kc, "import ipywidgets as w, time\nstuck = w.IntSlider(0)\n"
                                 "stuck.observe(lambda change: time.sleep(60), names='value')")
    stuck_id = _model(opened, "IntSliderModel")
    moved = _send(kc, "comm_msg", {"comm_id": stuck_id,
                                   "data": {"method": "update", "state": {"value": 1}, "buffer_paths": []}})
    time.sleep(1)  # the callback is sleeping now
    started = time.monotonic()
    km.interrupt_kernel()
    iopub_until_idle(kc, moved, timeout=20)
    assert time.monotonic() - started < 10
    reply, _ = run_cell(kc, "stuck.value")
    assert reply["content"]["status"] == "ok"
