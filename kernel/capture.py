"""Capture of an input's stdout, stderr and warnings, forwarded to the front end's events.

Writes are buffered and sent in chunks, so a cell printing a million lines costs a few hundred
events rather than a million, while the order of stdout and stderr text is kept exactly: a switch
from one stream to the other sends the buffer first. Buffered text never waits longer than
FLUSH_SECONDS: a flusher thread sends it, so `print("epoch 1"); time.sleep(5)` shows the line at
once. Text printed by any thread while the input runs is captured, in the order it was written.
`flush()` on the captured streams goes further: it returns once the front end has the text (the
events object's optional `flush`), so nothing a user flushed is lost if the process dies next.
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
    """Collects text for 'stdout'/'stderr' and hands it to `events.stream` in order.

    `events.stream` is called with the router's lock held, from whichever thread flushes (the
    writer, or the flusher thread), so the front end receives chunks one at a time and in order.
    """

    def __init__(self, events):
        self._events = events
        self._lock = threading.RLock()  # reentrant: a front end that writes while sending must not deadlock
        self._due = threading.Condition(self._lock)
        self._name = None
        self._parts = []
        self._size = 0
        self._since = 0.0  # when the oldest buffered text was written
        self._flusher = None
        self._closed = False

    def write(self, name, text):
        with self._lock:
            if self._parts and name != self._name:
                self._send_locked()
            self._name = name
            if not self._parts:
                self._since = time.monotonic()
                self._start_timer_locked()
            self._parts.append(text)
            self._size += len(text)
            if self._size >= FLUSH_BYTES or self._closed:
                self._send_locked()

    def flush(self, timeout=None):
        """Send what is buffered now; with a timeout, give up (False) when another thread holds the buffer."""
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            return False
        try:
            self._send_locked()
        finally:
            self._lock.release()
        return True

    def deliver(self):
        """flush(), then wait until the front end has the text (its events' optional `flush`).

        This is what `sys.stdout.flush()` in user code means: once it returns, the text is on its
        way to the client, so a process that dies right after (`os._exit`) has shown it.
        """
        self.flush()
        front_end_flush = getattr(self._events, "flush", None)
        if front_end_flush is not None:
            front_end_flush()

    def close(self):
        """Send what is left and stop the flusher thread; later writes are sent at once."""
        with self._lock:
            self._closed = True
            self._send_locked()
            self._due.notify()
        if self._flusher is not None and self._flusher is not threading.current_thread():
            self._flusher.join()

    def _send_locked(self):
        if self._parts:
            text = "".join(self._parts)
            self._parts.clear()
            self._size = 0
            self._events.stream(self._name, text)

    def _start_timer_locked(self):
        if self._closed:
            return
        if self._flusher is None:
            self._flusher = threading.Thread(target=self._flush_when_due, daemon=True,
                                             name="gradtrace-output-flusher")
            self._flusher.start()
        else:
            self._due.notify()

    def _flush_when_due(self):
        with self._lock:
            while not self._closed:
                if not self._parts:
                    self._due.wait()
                    continue
                remaining = self._since + FLUSH_SECONDS - time.monotonic()
                if remaining > 0:
                    self._due.wait(remaining)
                    continue
                try:
                    self._send_locked()
                except Exception:  # noqa: BLE001 - the front end is gone; the writer's own flush will say so
                    self._parts.clear()
                    self._size = 0


class CapturedStream(io.TextIOBase):
    """A text stream standing in for sys.stdout or sys.stderr during an input.

    A thread inside `OutputCapture.uncaptured()` (the front end's own code) writes straight to the
    stream that was in place before the capture, without touching sys.stdout, which other threads
    keep using.
    """

    def __init__(self, router, name, bypass=None):
        self._router = router  # anything with write(name, text) and deliver()
        self.name = name
        self._bypass = bypass if bypass is not None else threading.local()
        self.original = None  # the stream this one replaced, set while the capture is in place

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
        if getattr(self._bypass, "active", False) and self.original is not None:
            return self.original.write(text)
        if text:
            self._router.write(self.name, text)
        return len(text)

    def flush(self):
        if getattr(self._bypass, "active", False) and self.original is not None:
            self.original.flush()
        else:
            self._router.deliver()

    def __del__(self):
        # io.IOBase.__del__ would close(), and so flush(), from inside the garbage collector, which
        # may run while this very thread holds the front end's lock (the iopub publisher's): a
        # deadlock. Buffered text is sent when the capture closes, never by the collector.
        pass

    def fileno(self):
        # Libraries that need a real descriptor (faulthandler, subprocess) get the process's own.
        return getattr(sys, f"__{self.name}__").fileno()


class OutputCapture:
    """Context manager routing sys.stdout/sys.stderr to `events.stream` while an input runs.

    `self.events` wraps the front end's events: each call runs uncaptured, so a front end that
    prints (the REPL) writes to the terminal instead of into itself.
    """

    def __init__(self, events):
        self._bypass = threading.local()
        self.events = UncapturedEvents(events, self)
        self.router = StreamRouter(self.events)
        self.stdout = CapturedStream(self.router, "stdout", self._bypass)
        self.stderr = CapturedStream(self.router, "stderr", self._bypass)
        self._saved = None

    def __enter__(self):
        self._saved = sys.stdout, sys.stderr
        self.stdout.original, self.stderr.original = self._saved
        sys.stdout, sys.stderr = self.stdout, self.stderr
        return self

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self._saved
        # Closing after the swap back: a thread still printing now reaches the restored streams,
        # and what it printed just before is sent by close().
        self.router.close()
        self._saved = None
        return False

    @contextlib.contextmanager
    def uncaptured(self):
        """In this thread only, writes to the captured streams go to the streams they replaced."""
        previous = getattr(self._bypass, "active", False)
        self._bypass.active = True
        try:
            yield
        finally:
            self._bypass.active = previous

    def flush(self, timeout=None):
        """Hand buffered text to the front end (False when `timeout` passed waiting for the buffer)."""
        return self.router.flush(timeout)


class UncapturedEvents:
    """The front end's events object, each method called outside the capture."""

    def __init__(self, events, capture):
        self._events = events
        self._capture = capture

    def __getattr__(self, name):
        method = getattr(self._events, name)

        def call(*args, **kwargs):
            with self._capture.uncaptured():
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
