"""The in-process transport: the language service runs in this Python, user code in the main thread.

Running user code in the main thread means Ctrl-C arrives as SIGINT and the service's handler
raises KeyboardInterrupt inside it, as in the plain Python REPL. The helper threads here block
SIGINT so that the kernel always hands the signal to the main thread.
"""
import threading

from .keys import fallback_is_complete
from .transport import ConnectError, ExecuteReply, KernelDied, keep_sigint_off_this_thread

# A completion or inspection slower than this is dropped rather than freezing the prompt (jedi can be slow).
QUERY_TIMEOUT_S = 1.0


class _ServiceEvents:
    """The events object the LanguageService calls during execute, forwarded to OutputHandlers."""

    def __init__(self, handlers):
        self._handlers = handlers

    def stream(self, name, text):
        self._handlers.stream(name, text)

    def display(self, data, metadata, transient=None, update=False):
        self._handlers.display(data, metadata)

    def clear_output(self, wait):
        self._handlers.clear_output(wait)

    def execute_result(self, execution_count, data, metadata):
        self._handlers.execute_result(execution_count, data, metadata)

    def report(self, data, metadata):
        # The report bundle is a display like any other; the app recognises its MIME type.
        self._handlers.display(data, metadata)

    def input(self, prompt, password):
        return self._handlers.input(prompt, password)


class _BoundedCall:
    """Runs one query at a time in a worker thread and gives up waiting after a bound."""

    def __init__(self, timeout):
        self._timeout = timeout
        self._busy = threading.Lock()

    def __call__(self, fn, *args, **kwargs):
        if not self._busy.acquire(blocking=False):
            return None  # the previous slow query is still running; don't pile up more
        result = {}

        def work():
            keep_sigint_off_this_thread()
            try:
                result["value"] = fn(*args, **kwargs)
            except Exception:  # a failing completer must not break the prompt
                result["value"] = None
            finally:
                self._busy.release()

        worker = threading.Thread(target=work, daemon=True, name="gradtrace-query")
        worker.start()
        worker.join(self._timeout)
        return result.get("value")


class LocalTransport:
    """Drives a gradtrace.kernel.service.LanguageService in this process.

    Without a service given, it is built in a background thread started by `watch()` (after the
    first prompt is on screen), so the user can start typing while the engine's modules load;
    anything that needs the service waits for it.
    """

    can_restart = False
    can_reconnect = False

    def __init__(self, service=None, *, torch_mode=None):
        self._service = service
        self._load_error = None
        self._loaded = threading.Event()
        self._loader = None
        if service is not None:
            self._loaded.set()
        else:
            from gradtrace.kernel.torch_alias import resolve_torch_mode
            try:
                self._torch_mode = resolve_torch_mode(torch_mode)  # a bad value fails now, not later
            except ValueError as error:
                raise ConnectError(str(error)) from None
        self._bounded = _BoundedCall(QUERY_TIMEOUT_S)

    # -- loading the service ------------------------------------------------------------------------
    def _start_loading(self):
        if self._loader is None and not self._loaded.is_set():
            self._loader = threading.Thread(target=self._load, daemon=True, name="gradtrace-service")
            self._loader.start()

    def _load(self):
        keep_sigint_off_this_thread()
        try:
            from gradtrace.kernel.service import LanguageService
            self._service = LanguageService(torch_mode=self._torch_mode, owns_process=True)
            # numpy starts BLAS worker threads; created from here they inherit a mask without SIGINT,
            # so a Ctrl-C always lands in the main thread and wakes a blocking call there (a signal
            # taken by another thread leaves time.sleep asleep). So no input runs before it is loaded.
            # The rest of the engine is left to the first `import torch`: the first input (`1 + 1`)
            # need not wait for it, and importing it here while that input imports it too could hand
            # the input a half-initialised module.
            import numpy  # noqa: F401
        except Exception as error:  # reported by whoever needs the service
            self._load_error = error
        finally:
            self._loaded.set()

    @property
    def service(self):
        """The LanguageService, waiting for it to load; KernelDied when it could not be built."""
        self._start_loading()
        self._loaded.wait()
        if self._service is None:
            raise KernelDied(f"the language service could not start: {self._load_error}")
        return self._service

    @property
    def banner(self):
        return self.service.banner

    @property
    def execution_count(self):
        return self._service.execution_count if self._service is not None else 0

    def execute(self, code, handlers):
        try:
            outcome = self.service.execute(code, _ServiceEvents(handlers))
        except KeyboardInterrupt:
            # Ctrl-C landed outside the user's code (in the service's own bookkeeping).
            handlers.error("KeyboardInterrupt", "", ["KeyboardInterrupt"])
            return ExecuteReply("error", self.execution_count)
        if outcome.status == "error" and outcome.error:
            ename, evalue, traceback = outcome.error
            handlers.error(ename, evalue, list(traceback))
        # outcome.payload carries {"source": "ask_exit"} when the code called exit(), as a kernel's does.
        return ExecuteReply(outcome.status, outcome.execution_count, list(outcome.payload or []))

    def complete(self, code, cursor_pos):
        try:
            return self._bounded(self.service.complete, code, cursor_pos)
        except KernelDied:
            return None

    def is_complete(self, code):
        try:
            service = self.service
        except KernelDied:
            return fallback_is_complete(code)
        return service.is_complete(code)  # in-process and cheap: no bound needed

    def inspect(self, code, cursor_pos, detail_level=0):
        return self._bounded(self.service.inspect, code, cursor_pos, detail_level)

    def interrupt(self):
        self.service.interrupt()

    def is_alive(self):
        return True

    def watch(self, idle_handlers, on_death):
        """Load the service in the background; show its banner, or report that it failed."""
        def load_then_greet():
            keep_sigint_off_this_thread()
            try:
                banner = self.banner
            except KernelDied as error:
                idle_handlers.stream("stderr", f"gradtrace: {error}\n")
                on_death()
                return
            idle_handlers.banner(banner)

        threading.Thread(target=load_then_greet, daemon=True, name="gradtrace-greeter").start()

    def close(self):
        if self._service is not None:
            self._service.shutdown()

