"""The in-process transport: the language service runs in this Python, user code in the main thread.

Running user code in the main thread means Ctrl-C arrives as SIGINT and Python raises
KeyboardInterrupt inside it, exactly as in the plain Python REPL; no signal juggling is needed.
"""
import threading

from .transport import ConnectError, ExecuteReply

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
    """Drives a gradtrace.kernel.service.LanguageService in this process."""

    can_restart = False

    def __init__(self, service=None, *, torch_mode=None):
        if service is None:
            from gradtrace.kernel.service import LanguageService
            try:
                service = LanguageService(torch_mode=torch_mode)
            except ValueError as error:  # a bad GRADTRACE_TORCH value
                raise ConnectError(str(error)) from None
        self.service = service
        self._bounded = _BoundedCall(QUERY_TIMEOUT_S)

    @property
    def banner(self):
        return self.service.banner

    @property
    def execution_count(self):
        return self.service.execution_count

    def execute(self, code, handlers):
        try:
            outcome = self.service.execute(code, _ServiceEvents(handlers))
        except KeyboardInterrupt:
            # Ctrl-C landed outside the user's code (in the service's own bookkeeping).
            handlers.error("KeyboardInterrupt", "", ["KeyboardInterrupt"])
            return ExecuteReply("error", getattr(self.service, "execution_count", None))
        if outcome.status == "error" and outcome.error:
            ename, evalue, traceback = outcome.error
            handlers.error(ename, evalue, list(traceback))
        payload = list(outcome.payload or [])
        if getattr(outcome, "exit_requested", False) and not any(
                isinstance(p, dict) and p.get("source") == "ask_exit" for p in payload):
            payload.append({"source": "ask_exit", "keepkernel": False})
        return ExecuteReply(outcome.status, outcome.execution_count, payload)

    def complete(self, code, cursor_pos):
        return self._bounded(self.service.complete, code, cursor_pos)

    def is_complete(self, code):
        # In-process and cheap (codeop-level work): no bound needed.
        return self.service.is_complete(code)

    def inspect(self, code, cursor_pos, detail_level=0):
        return self._bounded(self.service.inspect, code, cursor_pos, detail_level)

    def interrupt(self):
        self.service.interrupt()

    def is_alive(self):
        return True

    def watch(self, idle_handlers, on_death):
        """Nothing runs between executions in-process, so there is nothing to watch."""

    def close(self):
        self.service.shutdown()

