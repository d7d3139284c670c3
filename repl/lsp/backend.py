"""The one owner of the transport: every call into the language service runs on the main thread.

User code must run on the main thread (only there does SIGINT raise KeyboardInterrupt inside a
blocking call such as time.sleep, so an interrupt lands within a second), and a kernel client's
sockets must stay with one thread. So the LSP server runs its asyncio loop on another thread and
hands work here as jobs; a job that waited past its deadline (the service was busy running code) is
dropped, and the server answers from static analysis instead.
"""
from ..local import LocalTransport, _ServiceEvents
from ..remote import RemoteTransport
from ..transport import ConnectError, KernelDied
from .jobs import JobQueue
from .outcome import OutcomeCollector

EVALUATE_TIMEOUT_S = 2.0


class _LiveLocal(LocalTransport):
    """The in-process service, able to evaluate expressions without running an input."""

    def evaluate(self, expressions):
        """user_expressions results of a silent, unstored run (no report, no execution count)."""
        collector = OutcomeCollector(lambda text: None, lambda report, text: None)
        outcome = self.service.execute("", _ServiceEvents(collector), silent=True, store_history=False,
                                       user_expressions=expressions)
        return outcome.user_expressions


class _LiveRemote(RemoteTransport):
    """A kernel attached through jupyter_client, able to evaluate expressions the same way."""

    def evaluate(self, expressions):
        msg_id = self.client.execute("", silent=True, store_history=False, user_expressions=expressions,
                                     allow_stdin=False)
        reply = self._ask(msg_id, EVALUATE_TIMEOUT_S)
        return None if reply is None else reply.get("user_expressions")


class IdleLog(OutcomeCollector):
    """Output that arrives between runs (another client's, a background thread's) and the banner."""

    def banner(self, text):
        self.stream("stdout", text if text.endswith("\n") else text + "\n")


class Backend:
    """A transport behind a job queue served by the main thread; see the module docstring."""

    def __init__(self, existing=None):
        self.existing = existing          # None: in-process; "" or a path: attach to a kernel
        self.transport = None
        self.failure = None               # one sentence once the service is unreachable or dead
        self._jobs = JobQueue()
        self._on_failure = lambda sentence: None
        self._idle_log = None

    @property
    def label(self):
        return "the in-process language service" if self.existing is None else "the kernel"

    def start(self, on_failure, on_text, on_report):
        """Open the transport (as the first job); `on_failure(sentence)` is called once if it fails or dies."""
        self._on_failure = on_failure
        self._idle_log = IdleLog(on_text, on_report)
        return self.submit(self._open)

    def _open(self):
        try:
            if self.existing is None:
                transport = _LiveLocal()
            else:
                transport = _LiveRemote.attach(self.existing or None)
        except ConnectError as error:
            self._fail(f"gradtrace: {error}")
            return
        self.transport = transport
        transport.watch(self._idle_log, lambda: self._fail(self._death_sentence()))
        # The service's first completion loads jedi and gives up before it is done (it answers
        # within ~200 ms); ask once now so the user's first completion has jedi's kinds.
        transport.complete("", 0)

    def _death_sentence(self):
        where = getattr(self.transport, "label", self.label)
        return (f"gradtrace: {where} died or stopped answering; running code and live values are off, "
                "static completion and hover keep working.")

    def _fail(self, sentence):
        if self.failure is None:
            self.failure = sentence
            self._on_failure(sentence)

    @property
    def alive(self):
        return self.failure is None and self.transport is not None

    # -- the job queue ------------------------------------------------------------------------------
    def submit(self, fn, *args, deadline=None):
        """Run fn(*args) on the main thread; a concurrent Future of its result."""
        return self._jobs.submit(fn, *args, deadline=deadline)

    def serve(self, stop):
        """Run jobs on this (the main) thread until `stop` is set."""
        self._jobs.serve(stop)

    def close(self):
        """Detach from the service; a kernel this server attached to keeps running."""
        if self.transport is not None:
            try:
                self.transport.close()
            except Exception:  # noqa: BLE001 - leaving anyway
                pass

    # -- what the server asks (each runs on the main thread, through submit) ------------------------
    def execute(self, code, collector):
        """Run an input; the transport's ExecuteReply, or None when the service is gone."""
        if not self.alive:
            return None
        try:
            return self.transport.execute(code, collector)
        except KernelDied:
            self._fail(self._death_sentence())
            return None

    def complete(self, code, cursor_pos):
        return self.transport.complete(code, cursor_pos) if self.alive else None

    def inspect(self, code, cursor_pos):
        return self.transport.inspect(code, cursor_pos, 0) if self.alive else None

    def evaluate(self, expressions):
        return self.transport.evaluate(expressions) if self.alive else None

    def interrupt(self):
        """Interrupt the running input; safe from any thread (a signal, or interrupt_request on control)."""
        if self.alive:
            self.transport.interrupt()
