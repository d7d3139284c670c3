"""Jupyter comms in the kernel, through the `comm` package that ipywidgets, tqdm.notebook and ipympl use.

`comm.create_comm` and `comm.get_comm_manager` are the package's replaceable entry points (the
base ipykernel and xeus-python build on); `install` points them at this kernel, so those libraries
work unchanged. Comm messages go out on iopub under the shell message being handled (the cell
that created a widget, or the front end's comm_msg that moved a slider), after the text the code
printed before them, so a cell's output keeps its order.
"""
from __future__ import annotations

import logging
import sys
import threading

import comm
from comm.base_comm import BaseComm, CommManager

log = logging.getLogger("gradtrace.kernel")

# Targets a library registers only when it finds a live IPython shell (ipywidgets does): the
# kernel registers them for it, on the front end's first comm_open, if the library is loaded.
_WIDGET_TARGETS = ("jupyter.widget", "jupyter.widget.control")


class KernelComm(BaseComm):
    """One comm, published on iopub through the kernel's comm manager."""

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        content = {"data": {} if data is None else data, "comm_id": self.comm_id, **keys}
        _manager.publish(msg_type, content, metadata, buffers)

    def handle_msg(self, msg):
        # The base class asks IPython's shell for pre/post-execute events; there is no IPython here.
        if self._msg_callback:
            self._msg_callback(msg)


class KernelCommManager(CommManager):
    """The comms and targets of one kernel, and the shell handlers for comm_open/msg/close/info."""

    def __init__(self, publisher, flush_output=lambda: None) -> None:
        super().__init__()
        self._publisher = publisher
        self._flush_output = flush_output  # sends the running cell's buffered stdout/stderr first
        self._lock = threading.Lock()
        #: the shell message comm output is attributed to (what ipykernel calls the parent)
        self.parent: dict | None = None

    def publish(self, msg_type: str, content: dict, metadata: dict | None, buffers) -> None:
        """Send a comm message on iopub, after the output the code wrote before it."""
        self._flush_output()
        frames = [bytes(b) if not isinstance(b, bytes) else b for b in buffers or ()]
        self._publisher.publish(msg_type, content, self.parent, metadata, buffers=frames)

    def register_comm(self, comm_: BaseComm) -> str:
        with self._lock:  # a widget made in a thread and one made by a cell may register at once
            return super().register_comm(comm_)

    def unregister_comm(self, comm_: BaseComm) -> None:
        with self._lock:
            self.comms.pop(comm_.comm_id, None)

    def info(self, target_name: str | None = None) -> dict:
        """comm_info_reply's `comms`: the live comms, only those of `target_name` when given."""
        with self._lock:
            live = list(self.comms.values())
        return {c.comm_id: {"target_name": c.target_name} for c in live
                if target_name is None or c.target_name == target_name}

    def accepts(self, msg: dict) -> bool:
        """True when a front end's comm message names its comm (and a comm_open its target) by string."""
        content, msg_type = msg["content"], msg["header"]["msg_type"]
        keys = ("comm_id", "target_name") if msg_type == "comm_open" else ("comm_id",)
        for key in keys:
            if not isinstance(content.get(key), str) or not content[key]:
                log.warning("ignored a %s whose %r is not a non-empty string", msg_type, key)
                return False
        return True

    def comm_open(self, stream, ident, msg) -> None:
        target = msg["content"].get("target_name")
        if target in _WIDGET_TARGETS and target not in self.targets and "ipywidgets" in sys.modules:
            register = getattr(sys.modules["ipywidgets"], "register_comm_target", None)
            if register is not None:
                register()
        super().comm_open(stream, ident, msg)


_manager: KernelCommManager | None = None


def installed() -> bool:
    """True in a kernel process whose comm manager is in place (widgets reach a front end)."""
    return _manager is not None


def install(manager: KernelCommManager) -> None:
    """Make `comm.create_comm` / `comm.get_comm_manager` (and so every comm library) use this kernel."""
    global _manager
    _manager = manager
    comm.create_comm = KernelComm
    comm.get_comm_manager = lambda: _manager
    # The comm package logs a failing target or callback on its own logger; without a handler
    # Python's last-resort one writes it to sys.stderr, which between cells is a cell's output area.
    comm_log = logging.getLogger("Comm")
    comm_log.handlers = list(log.handlers)
    comm_log.propagate = False
