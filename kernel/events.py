"""What one execution emits, turned into iopub messages under the execute_request's header."""
from __future__ import annotations

from typing import Callable


class StdinNotImplementedError(IOError, NotImplementedError):
    """input() was called for a request whose client does not answer input requests."""


class LateOutput:
    """Where sys.stdout/sys.stderr lead between inputs: to the output area of the last input.

    A thread started by a cell may go on printing after the cell finished (a training loop in the
    background); as in ipykernel, its text appears under that cell rather than in the kernel's log.
    """

    def __init__(self, publisher) -> None:
        self._publisher = publisher
        self.parent: dict | None = None

    def write(self, name: str, text: str) -> None:
        self._publisher.stream(name, text, self.parent)

    def deliver(self) -> None:
        """`sys.stdout.flush()` between inputs: returns once the text is on the iopub socket."""
        self._publisher.flush()


class ExecutionEvents:
    """The events object the language service writes to while it runs one execute_request.

    Every message carries the request's header as its parent, so clients attribute the outputs
    to the right cell. `request_input` is None when the request had allow_stdin false.
    """

    def __init__(self, publisher, parent: dict, request_input: Callable[[str, bool], str] | None) -> None:
        self._publisher = publisher
        self._parent = parent
        self._request_input = request_input

    def stream(self, name: str, text: str) -> None:
        """Text written to stdout or stderr."""
        self._publisher.stream(name, text, self._parent)

    def flush(self) -> None:
        """User code flushed a stream: return once its text is on the iopub socket, not behind a timer."""
        self._publisher.flush()

    def display(self, data: dict, metadata: dict | None = None, transient: dict | None = None,
                update: bool = False) -> None:
        """display_data, or update_display_data for an existing display_id."""
        content = {"data": data, "metadata": metadata or {}, "transient": transient or {}}
        self._publisher.publish("update_display_data" if update else "display_data", content, self._parent)

    def clear_output(self, wait: bool = False) -> None:
        """Clear the cell's output (now, or when the next output arrives when wait is true)."""
        self._publisher.publish("clear_output", {"wait": bool(wait)}, self._parent)

    def execute_result(self, execution_count: int, data: dict, metadata: dict | None = None) -> None:
        """The value of the input's last bare expression."""
        content = {"execution_count": execution_count, "data": data, "metadata": metadata or {}}
        self._publisher.publish("execute_result", content, self._parent)

    def report(self, data: dict, metadata: dict | None = None) -> None:
        """The autograd report: one display_data after the input's own outputs."""
        self._publisher.publish("display_data", {"data": data, "metadata": metadata or {}, "transient": {}},
                                self._parent)

    def input(self, prompt: str = "", password: bool = False) -> str:
        """Ask the client for a line of input over the stdin channel."""
        if self._request_input is None:
            raise StdinNotImplementedError(
                "input() was called, but this frontend does not support input requests."
            )
        self._publisher.flush()  # the prompt must follow the text printed before it
        return self._request_input(str(prompt), bool(password))
