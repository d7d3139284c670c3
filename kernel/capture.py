"""Capture of an input's stdout, stderr and warnings, forwarded to the front end's events.

Writes are buffered and flushed in chunks, so a cell printing a million lines costs a few hundred
events rather than a million, while the order of stdout and stderr text is kept exactly: a switch
from one stream to the other flushes the buffer first.
"""
import contextlib
import io
import sys
import threading
import time
import warnings

FLUSH_BYTES = 64 * 1024
FLUSH_SECONDS = 0.05


class StreamRouter:
    """Collects text for 'stdout'/'stderr' and hands it to `events.stream` in order."""

    def __init__(self, events, owner_thread):
        self._events = events
        self._owner = owner_thread
        self._lock = threading.Lock()
        self._name = None
        self._parts = []
        self._size = 0
        self._last_flush = time.monotonic()

    def write(self, name, text):
        with self._lock:
            if self._name is not None and name != self._name:
                self._flush_locked()
            self._name = name
            self._parts.append(text)
            self._size += len(text)
            due = self._size >= FLUSH_BYTES or time.monotonic() - self._last_flush >= FLUSH_SECONDS
        # Only the executing thread talks to the front end: its events need not be thread-safe.
        if due and threading.current_thread() is self._owner:
            self.flush()

    def flush(self):
        """Send what is buffered (no-op from other threads, whose text waits for the next flush)."""
        if threading.current_thread() is not self._owner:
            return
        with self._lock:
            self._flush_locked()

    def _flush_locked(self):
        if self._parts:
            text = "".join(self._parts)
            self._parts.clear()
            self._size = 0
            self._events.stream(self._name, text)
        self._last_flush = time.monotonic()


class CapturedStream(io.TextIOBase):
    """A text stream standing in for sys.stdout or sys.stderr during an input."""

    def __init__(self, router, name, original):
        self._router = router
        self.name = name
        self._original = original

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self._router.write(self.name, text)
        return len(text)

    def flush(self):
        self._router.flush()

    def fileno(self):
        # Libraries that need a real descriptor (faulthandler, subprocess) get the process's own.
        return self._original.fileno()


class OutputCapture:
    """Context manager routing sys.stdout/sys.stderr of the executing thread to `events.stream`.

    `self.events` wraps the front end's events: each call runs with the process's own streams back
    in place, so a front end that prints (the REPL) writes to the terminal instead of into itself.
    """

    def __init__(self, events):
        self.events = UncapturedEvents(events, self)
        self.router = StreamRouter(self.events, threading.current_thread())
        self.stdout = CapturedStream(self.router, "stdout", sys.__stdout__)
        self.stderr = CapturedStream(self.router, "stderr", sys.__stderr__)
        self._saved = None

    def __enter__(self):
        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.stdout, self.stderr
        return self

    def __exit__(self, *exc):
        self.router.flush()
        sys.stdout, sys.stderr = self._saved
        self._saved = None
        return False

    @contextlib.contextmanager
    def suspended(self):
        """The process's own stdout/stderr for the duration (when this capture is in place)."""
        if self._saved is None or sys.stdout is not self.stdout:
            yield
            return
        sys.stdout, sys.stderr = self._saved
        try:
            yield
        finally:
            sys.stdout, sys.stderr = self.stdout, self.stderr

    def flush(self):
        self.router.flush()


class UncapturedEvents:
    """The front end's events object, each method called outside the capture."""

    def __init__(self, events, capture):
        self._events = events
        self._capture = capture

    def __getattr__(self, name):
        method = getattr(self._events, name)

        def call(*args, **kwargs):
            with self._capture.suspended():
                return method(*args, **kwargs)
        return call


class WarningCapture:
    """Shows each warning once per input, formatted as Python does, on the captured stderr.

    The session keeps its own filter list, so `warnings.filterwarnings(...)` in one input holds for the
    next ones, while the host process's filters (a test runner's, say) are restored after each input.
    """

    def __init__(self):
        self.filters = [("default", None, Warning, None, 0)]

    def capture(self, stderr):
        return _WarningScope(self, stderr)


class _WarningScope:
    def __init__(self, owner, stderr):
        self._owner = owner
        self._stderr = stderr
        self.notes = []

    def __enter__(self):
        self._saved = warnings.filters, warnings.showwarning
        warnings.filters = list(self._owner.filters)
        warnings._filters_mutated()  # the "default" action's registries start afresh for this input
        warnings.showwarning = self._show
        return self

    def _show(self, message, category, filename, lineno, file=None, line=None):
        self._stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
        self.notes.append(f"{category.__name__}: {message}")

    def __exit__(self, *exc):
        self._owner.filters = list(warnings.filters)
        warnings.filters, warnings.showwarning = self._saved
        warnings._filters_mutated()
        return False
