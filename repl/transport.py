"""The small interface the REPL drives, whether the language service is in-process or a kernel.

app.py talks only to a Transport and receives output through an OutputHandlers; local.py and
remote.py implement them. Everything here is cheap to import (no prompt_toolkit, no zmq).
"""
import signal
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol


class ConnectError(Exception):
    """The service could not be started or attached to; the message is one sentence for the user."""


class KernelDied(Exception):
    """The remote kernel stopped answering its heartbeat (or its process exited)."""


@dataclass
class ExecuteReply:
    """What an execution ended with, output aside (that went to the handlers as it came)."""

    status: str  # "ok", "error" or "aborted"
    execution_count: Optional[int]
    payload: list = field(default_factory=list)

    @property
    def exit_requested(self):
        """True when the code asked to leave (`exit()` / `quit()` in the service)."""
        return any(p.get("source") == "ask_exit" for p in self.payload if isinstance(p, dict))

    @property
    def pages(self):
        """The text/plain of pager payloads (`x?`), to print after the output."""
        return [p.get("data", {}).get("text/plain", "") for p in self.payload
                if isinstance(p, dict) and p.get("source") == "page"]


class OutputHandlers(Protocol):
    """Receives an execution's output in the order it happens (iopub order for a kernel)."""

    def stream(self, name: str, text: str) -> None: ...
    def display(self, data: dict, metadata: dict) -> None: ...
    def execute_result(self, execution_count: int, data: dict, metadata: dict) -> None: ...
    def error(self, ename: str, evalue: str, traceback: list) -> None: ...
    def clear_output(self, wait: bool) -> None: ...
    def input(self, prompt: str, password: bool) -> str: ...


class Transport(Protocol):
    """One language service, wherever it runs. Every call that asks it something is bounded in time."""

    banner: str
    execution_count: int  # of the last input stored in history (the next prompt shows one more)
    can_restart: bool  # True only for a kernel this REPL started
    can_reconnect: bool  # False for the in-process service

    def execute(self, code: str, handlers: OutputHandlers) -> ExecuteReply:
        """Run `code`, feeding output to `handlers`; Ctrl-C (KeyboardInterrupt) interrupts the code."""

    def complete(self, code: str, cursor_pos: int) -> Optional[dict]:
        """complete_reply content, or None when the service did not answer in time."""

    def is_complete(self, code: str) -> dict:
        """is_complete_reply content; falls back to a local decision when the service is slow."""

    def inspect(self, code: str, cursor_pos: int, detail_level: int = 0) -> Optional[dict]:
        """inspect_reply content, or None when the service did not answer in time."""

    def interrupt(self) -> None:
        """Interrupt running code."""

    def is_alive(self) -> bool:
        """Whether the service still answers."""

    def watch(self, idle_handlers: OutputHandlers, on_death: Callable[[], None]) -> None:
        """Start serving the prompt: the banner (to `idle_handlers.banner(text)`), then output
        arriving between executions, go to `idle_handlers`; `on_death` is called (from another
        thread) if the service dies."""

    def close(self) -> None:
        """Detach; shut the kernel down only if this REPL started it."""


def keep_sigint_off_this_thread():
    """Block SIGINT in the calling (helper) thread and the threads it starts; the main thread takes it."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
