"""The Jupyter kernel: the language service behind the five ZeroMQ channels of the messaging protocol.

Threads: the main thread serves shell (and stdin while input() waits), so user code runs where
Python expects it and SIGINT lands in it; control is served in its own thread so interrupts and
shutdowns are answered while a cell runs; heartbeat echoes from its own thread; iopub has a
publisher thread (iopub.py). One dispatch table per channel maps msg_type to a handler (as in
ipykernel's kernelbase), and every reply is built by `_reply`.

A client can never kill the kernel: frames that do not parse, fail the signature check or repeat
a signature already seen are logged and dropped (no reply, no busy status); unknown message
types and failing handlers are logged and survived.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

import zmq

from .capture import CapturedStream
from .events import ExecutionEvents, LateOutput
from .iopub import IOPubPublisher
from .wire import ConnectionInfo, bind_sockets, new_session, release_stand_in

log = logging.getLogger("gradtrace.kernel")

PROTOCOL_VERSION = "5.4"
HELP_LINKS = [
    {"text": "PyTorch autograd", "url": "https://pytorch.org/docs/stable/autograd.html"},
    {"text": "Python", "url": "https://docs.python.org/3/"},
]
_CONTROL_POLL_MS = 1000  # also how often the control thread checks that its parent is alive
_SHUTDOWN_GRACE = 2.0  # seconds a running cell gets to end after shutdown_request
# An interrupt_request that finds the shell idle still applies to an execute_request sent before it
# that reaches the shell loop this soon after (the two travel on different sockets, so the
# interrupt may overtake it; the headers' dates tell which was sent first).
_IDLE_INTERRUPT_GRACE = 5.0
_EXIT_LINGER_S = 2.0  # how long the last output may take to leave once the kernel is ending
# How long the shell must be quiet after the first reply before the warm-up starts: a client that
# sends its first execute_request right away (nbclient) runs it alone, not beside an import.
_WARM_UP_AFTER_IDLE_MS = 200


def _default_service():
    from .service import LanguageService

    return LanguageService(owns_process=True)


class KernelServer:
    """A running kernel: bound sockets, the signing session, the handlers and their threads."""

    def __init__(self, info: ConnectionInfo, service_factory=_default_service) -> None:
        self.info = info
        self.context = zmq.Context()
        # iopub in a context of its own: terminating it on exit waits until the last output is sent.
        self.iopub_context = zmq.Context()
        # Bind before importing jupyter_client.session (the slowest import): clients connect and
        # queue their first requests meanwhile, instead of waiting out a 100 ms reconnect interval.
        self.sockets = bind_sockets(self.context, info, self.iopub_context)
        self.session = new_session(info)
        # Shell and control threads share one Session, so a message replayed from one channel
        # onto the other is caught by the same digest history; the lock keeps that history sane.
        self._session_lock = threading.Lock()
        self.publisher = IOPubPublisher(self.sockets["iopub"], self.session)
        self._service_factory = service_factory
        self._service = None
        self._service_lock = threading.RLock()
        self._kernel_info = None
        self._warming = None  # the thread that prepares the service and the engine after the first reply
        self._main_thread = threading.main_thread()
        self._executing = False
        # Interrupt bookkeeping (see interrupt()): the execute_request being handled, whether an
        # interrupt came for it before its service existed, and an interrupt that found the shell idle.
        self._interrupt_lock = threading.Lock()
        self._current_execute = None
        self._interrupt_waiting = False
        self._idle_interrupt = None  # (time.monotonic(), header date) of that interrupt_request
        self._output_finished = threading.Lock()
        self._late_output = LateOutput(self.publisher)
        self._comms = None  # the comm manager, made off the start-up path (see `comms`)
        self._queued_behind_error = None  # requests waiting when a cell failed with stop_on_error
        self._stopping = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        self.shell_handlers = {
            "execute_request": self.execute_request,
            "complete_request": self.complete_request,
            "inspect_request": self.inspect_request,
            "is_complete_request": self.is_complete_request,
            "history_request": self.history_request,
            "kernel_info_request": self.kernel_info_request,
            "comm_info_request": self.comm_info_request,
            "comm_open": self.comm_open,
            "comm_msg": self.comm_msg,
            "comm_close": self.comm_close,
        }
        self.control_handlers = {
            "kernel_info_request": self.kernel_info_request,
            "shutdown_request": self.shutdown_request,
            "interrupt_request": self.interrupt_request,
        }

    # -- running --------------------------------------------------------------------------------
    @property
    def service(self):
        """The language service, created on first use (it may import the engine)."""
        if self._service is None:
            with self._service_lock:
                return self._service_locked()
        return self._service

    def _service_locked(self):
        if self._service is None:
            self._service = self._service_factory()
        return self._service

    def serve_forever(self) -> int:
        """Serve until shutdown_request or SIGTERM; returns the process exit status."""
        self.publisher.start()
        self._install_late_output()
        self._install_exit_hook()
        # Nothing heavy before the first reply (kernel_info needs neither the language service nor the
        # engine): they load in _warm_up once it is out, while the user reads the notebook.
        threading.Thread(target=self._serve_heartbeat, name="gradtrace-heartbeat", daemon=True).start()
        threading.Thread(target=self._serve_control, name="gradtrace-control", daemon=True).start()
        if threading.current_thread() is self._main_thread:
            signal.signal(signal.SIGINT, self._on_sigint)
            signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            self._serve_shell()
        finally:
            self._close()
        return 0

    def _install_exit_hook(self) -> None:
        """os._exit() sends the pending output first (in this process; a forked child just exits).

        os._exit skips every cleanup, and a message handed to ZeroMQ a moment before is not yet on
        the wire: without this, text that user code printed and flushed just before os._exit(1)
        would be lost under load.
        """
        real_exit, kernel_pid = os._exit, os.getpid()

        def exit_after_output(status):
            if os.getpid() == kernel_pid:
                self._finish_output(1.0)
            real_exit(status)

        os._exit = exit_after_output

    def _install_late_output(self) -> None:
        """Between inputs, what threads print goes to the last input's output area."""
        sys.stdout = CapturedStream(self._late_output, "stdout")
        sys.stderr = CapturedStream(self._late_output, "stderr")

    @property
    def comms(self):
        """The kernel's comm manager, made and installed into the `comm` package on first use."""
        if self._comms is None:
            with self._service_lock:
                if self._comms is None:
                    from .comms import KernelCommManager, install

                    manager = KernelCommManager(self.publisher, self._flush_cell_output)
                    install(manager)
                    self._comms = manager
        return self._comms

    def _flush_cell_output(self) -> None:
        if self._service is not None:
            self._service.flush_output()

    def _start_warm_up(self) -> None:
        if self._warming is None:
            self._warming = threading.Thread(target=self._warm_up, name="gradtrace-warm-up", daemon=True)
            self._warming.start()

    def _warm_up(self) -> None:
        """Create the language service and import the engine `import torch` gives, once the shell is
        idle after its first reply. An execute_request that arrives meanwhile waits for the rest of
        it (two threads importing the engine at once could see it half-initialised); other requests
        wait only for the service."""
        if hasattr(signal, "pthread_sigmask"):  # numpy's BLAS threads, started here, must not take SIGINT
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            # what the next message's deserialize would otherwise import (see wire.session_class)
            import jupyter_client  # noqa: F401

            service = self.service
            if getattr(service, "torch_mode", None) == "gradtrace":
                import gradtrace.engine  # noqa: F401
            self.comms  # noqa: B018 - installed before user code can import a comm library
        except Exception:
            log.debug("warming up failed; the first request that needs it will retry", exc_info=True)

    def _serve_shell(self) -> None:
        shell, stdin = self.sockets["shell"], self.sockets["stdin"]
        poller = zmq.Poller()
        poller.register(shell, zmq.POLLIN)
        poller.register(stdin, zmq.POLLIN)
        poller.register(self._wake_read, zmq.POLLIN)
        answered = False
        while not self._stopping.is_set():
            try:
                ready = dict(poller.poll(_WARM_UP_AFTER_IDLE_MS if answered and self._warming is None else None))
                if not ready and answered:
                    self._start_warm_up()
                if shell in ready:
                    self._receive_and_dispatch(shell, self.shell_handlers)
                    answered = True
                if stdin in ready:
                    self._drop_stray_stdin()
            except KeyboardInterrupt:
                log.info("SIGINT arrived between requests; ignored")
            except Exception:
                log.exception("the shell loop survived an unexpected error")

    def _serve_control(self) -> None:
        control = self.sockets["control"]
        parent_pid = int(os.environ.get("JPY_PARENT_PID") or 0)
        while not self._stopping.is_set():
            try:
                if control.poll(_CONTROL_POLL_MS):
                    self._receive_and_dispatch(control, self.control_handlers)
                elif parent_pid > 1 and os.getppid() != parent_pid:
                    log.warning("the process that started this kernel is gone; shutting down")
                    self._begin_shutdown()
            except Exception:
                log.exception("the control loop survived an unexpected error")

    def _serve_heartbeat(self) -> None:
        try:
            zmq.proxy(self.sockets["hb"], self.sockets["hb"])
        except zmq.ZMQError as exc:
            if exc.errno != zmq.ETERM:
                log.exception("heartbeat stopped")

    def _close(self) -> None:
        self._finish_output(_EXIT_LINGER_S)
        try:
            if self._service is not None:
                self._service.shutdown()
        except Exception:
            log.exception("the language service failed to shut down cleanly")
        for name, sock in self.sockets.items():
            if name not in ("hb", "iopub"):  # the heartbeat thread still owns its socket; the process is ending
                sock.close(linger=500)

    def _finish_output(self, timeout: float) -> None:
        """Send every pending byte of output, then close iopub; the kernel is about to end.

        Text still buffered by a running input goes to the publisher, the publisher sends its queue,
        and terminating iopub's own context waits (up to `timeout`) until ZeroMQ has written it all.
        Safe to call from several threads: the first one does the work.
        """
        if not self._output_finished.acquire(blocking=False):
            return
        service = self._service
        if service is not None and not service.flush_output(timeout=timeout / 2):
            log.warning("a running input held its output buffer; its last text may be lost")
        self.publisher.stop(timeout)
        self.sockets["iopub"].close(linger=int(timeout * 1000))
        self.iopub_context.term()

    # -- receiving ------------------------------------------------------------------------------
    def _receive_and_dispatch(self, sock: zmq.Socket, handlers: dict) -> None:
        frames = sock.recv_multipart()
        parsed = self._parse(frames)
        if parsed is None:
            return
        idents, msg = parsed
        self._dispatch(sock, handlers, idents, msg)

    def _parse(self, frames: list):
        """(idents, message) for a well-formed, correctly signed, fresh message; else None (logged)."""
        try:
            idents, rest = self.session.feed_identities(frames)
        except ValueError:
            log.warning("dropped a %d-frame message without the <IDS|MSG> delimiter", len(frames))
            return None
        try:
            with self._session_lock:
                msg = self.session.deserialize(rest, content=True)
        except Exception as exc:
            log.warning("dropped a message: %s", str(exc)[:200] or type(exc).__name__)
            return None
        finally:
            release_stand_in()  # before any handler (user code) runs: see wire.session_class
        header, content = msg.get("header"), msg.get("content")
        if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str) \
                or not isinstance(content, dict):
            log.warning("dropped a message whose header or content is not a JSON object")
            return None
        return idents, msg

    def _dispatch(self, sock: zmq.Socket, handlers: dict, idents: list, msg: dict) -> None:
        msg_type = msg["header"]["msg_type"]
        self.publisher.publish("status", {"execution_state": "busy"}, msg)
        try:
            handler = handlers.get(msg_type)
            if handler is None:
                log.warning("ignored a message of unknown type %r", msg_type[:100])
            else:
                handler(sock, idents, msg)
        except Exception as exc:
            if isinstance(exc, MalformedRequest):  # the client's fault: one line, not a traceback
                log.warning("answered a malformed %s with an error: %s", msg_type[:100], exc)
            else:
                log.exception("the %s handler failed", msg_type)
            if msg_type.endswith("_request"):
                self._reply(sock, idents, msg, {
                    "status": "error", "ename": type(exc).__name__,
                    "evalue": f"the kernel could not handle this {msg_type}: {exc}", "traceback": [],
                })
        finally:
            self.publisher.publish("status", {"execution_state": "idle"}, msg)
        if self._queued_behind_error is not None:  # after the failed cell's idle: messages stay together
            queued, self._queued_behind_error = self._queued_behind_error, None
            self._abort_queued(sock, queued)

    def _reply(self, sock: zmq.Socket, idents: list, parent: dict, content: dict) -> None:
        """Send the reply to a request: `xyz_request` is answered by `xyz_reply` to the same identities."""
        reply_type = parent["header"]["msg_type"].rsplit("_", 1)[0] + "_reply"
        metadata = {"status": content.get("status", "ok")}
        msg = self.session.msg(reply_type, content=content, parent=parent, metadata=metadata)
        sock.send_multipart(self.session.serialize(msg, ident=idents))

    # -- shell handlers -------------------------------------------------------------------------
    def execute_request(self, sock, idents, msg) -> None:
        """Run code; outputs go to iopub, then the reply; with stop_on_error, queued cells are aborted."""
        content = msg["content"]
        code = _text(content, "code")
        silent = bool(content.get("silent", False))
        store_history = bool(content.get("store_history", not silent))
        user_expressions = content.get("user_expressions") or {}
        self._execution_begins(msg)  # from here on an interrupt is this request's (see interrupt())
        if self._warming is not None:
            self._warming.join()
        service = self.service
        if not silent:
            # The service counts an input when it starts it: this one will be number count + 1.
            count = service.execution_count + (1 if store_history else 0)
            self.publisher.publish("execute_input", {"code": code, "execution_count": count}, msg)
        request_input = None
        if content.get("allow_stdin", False):
            request_input = lambda prompt, password: self._request_input(idents, msg, prompt, password)  # noqa: E731
        events = ExecutionEvents(self.publisher, msg, request_input)
        self.comms.parent = msg
        self._pass_waiting_interrupt(service)
        try:
            outcome = service.execute(code, events, silent=silent, store_history=store_history,
                                      user_expressions=user_expressions)
        finally:
            self._execution_ends()
        reply = {
            "status": outcome.status,
            "execution_count": outcome.execution_count,
            "payload": list(outcome.payload or []),
            "user_expressions": outcome.user_expressions or {},
        }
        if outcome.status == "error" and outcome.error is not None:
            ename, evalue, traceback = outcome.error
            error = {"ename": ename, "evalue": evalue, "traceback": list(traceback)}
            self.publisher.publish("error", error, msg)
            reply.update(error)
        if outcome.exit_requested and not any(p.get("source") == "ask_exit" for p in reply["payload"]):
            reply["payload"].append({"source": "ask_exit", "keepkernel": False})
        if not silent:
            self._late_output.parent = msg
        self.publisher.flush()
        if outcome.status == "error" and bool(content.get("stop_on_error", True)):
            # Taken off the socket before the reply goes out, so a request the client sends after
            # seeing the error is never aborted; only those already waiting behind the cell are.
            self._queued_behind_error = self._receive_waiting(sock)
        self._reply(sock, idents, msg, reply)

    def complete_request(self, sock, idents, msg) -> None:
        """Completions at cursor_pos (bounded in time by the service)."""
        code = _text(msg["content"], "code")
        cursor = _cursor(msg["content"], code)
        self._reply(sock, idents, msg, {"status": "ok", **self.service.complete(code, cursor)})

    def inspect_request(self, sock, idents, msg) -> None:
        """Help on the object at cursor_pos."""
        content = msg["content"]
        code = _text(content, "code")
        result = self.service.inspect(code, _cursor(content, code), int(content.get("detail_level") or 0))
        self._reply(sock, idents, msg, {"status": "ok", **result})

    def is_complete_request(self, sock, idents, msg) -> None:
        """complete / incomplete (with indent) / invalid."""
        self._reply(sock, idents, msg, dict(self.service.is_complete(_text(msg["content"], "code"))))

    def history_request(self, sock, idents, msg) -> None:
        """Input history: tail, range or search."""
        content = msg["content"]
        history = self.service.history(
            content.get("hist_access_type", "tail"), output=bool(content.get("output", False)),
            raw=bool(content.get("raw", True)), session=content.get("session"), start=content.get("start"),
            stop=content.get("stop"), n=content.get("n"), pattern=content.get("pattern"),
            unique=bool(content.get("unique", False)),
        )
        self._reply(sock, idents, msg, {"status": "ok", "history": [list(entry) for entry in history]})

    def kernel_info_request(self, sock, idents, msg) -> None:
        """Language, banner and protocol version (served on shell and control)."""
        self._reply(sock, idents, msg, self.kernel_info())

    def kernel_info(self) -> dict:
        """The kernel_info_reply content (computed once, without waiting for the language service)."""
        if self._kernel_info is None:
            from . import kernel_info
            from .torch_alias import resolve_torch_mode

            service = self._service
            self._kernel_info = {
                "status": "ok",
                "protocol_version": PROTOCOL_VERSION,
                "implementation": "gradtrace",
                "implementation_version": kernel_info.version(),
                "language_info": kernel_info.language_info(),
                "banner": service.banner if service is not None else kernel_info.banner(resolve_torch_mode()),
                "help_links": HELP_LINKS,
                "debugger": False,
            }
        return self._kernel_info

    def comm_info_request(self, sock, idents, msg) -> None:
        """The live comms, only those of `target_name` when the request names one."""
        target = msg["content"].get("target_name")
        comms = self.comms.info(target if isinstance(target, str) else None)
        self._reply(sock, idents, msg, {"status": "ok", "comms": comms})

    def comm_open(self, sock, idents, msg) -> None:
        """A comm the front end opens: handed to its registered target, else closed right away."""
        self._comm_handler(self.comms.comm_open, sock, idents, msg)

    def comm_msg(self, sock, idents, msg) -> None:
        """A message to a live comm (a widget's state update): its callback runs now."""
        self._comm_handler(self.comms.comm_msg, sock, idents, msg)

    def comm_close(self, sock, idents, msg) -> None:
        """The front end closed a comm: forget it and run its close callback."""
        self._comm_handler(self.comms.comm_close, sock, idents, msg)

    def _comm_handler(self, handler, sock, idents, msg) -> None:
        # Targets and callbacks are user code: comm messages they send go under this message, and
        # an interrupt stops them as it would stop a cell (a stuck callback must not hang the kernel).
        if not self.comms.accepts(msg):
            return
        self.comms.parent = msg
        try:
            with self.service.callback_scope():
                handler(sock, idents, msg)
        except KeyboardInterrupt:
            log.warning("interrupted the callback of comm %s", msg["content"]["comm_id"][:100])

    # -- control handlers -----------------------------------------------------------------------
    def shutdown_request(self, sock, idents, msg) -> None:
        """Reply, then stop serving (a restart is the manager's job: it starts a new process)."""
        restart = bool(msg["content"].get("restart", False))
        self._reply(sock, idents, msg, {"status": "ok", "restart": restart})
        self._begin_shutdown()

    def interrupt_request(self, sock, idents, msg) -> None:
        """Interrupt the running cell, as SIGINT would (for clients that cannot signal the process)."""
        self.interrupt(msg)
        self._reply(sock, idents, msg, {"status": "ok"})

    # -- interrupts, input, shutdown ------------------------------------------------------------
    def interrupt(self, request: dict | None = None) -> None:
        """Interrupt the execute_request being handled: its running code, or its code as soon as it begins.

        An interrupt never gets lost between the request's arrival and its code's start (the service
        being created, execute_input going out). One that finds the shell idle changes nothing,
        except that an interrupt_request (`request`) may have overtaken the execute_request it
        was meant for: that request is interrupted if it arrives within _IDLE_INTERRUPT_GRACE
        and its header says it was sent first.
        """
        with self._interrupt_lock:
            log.debug("interrupt (%s) while %s", "request" if request else "SIGINT",
                      "handling a request" if self._current_execute is not None else "idle")
            if self._current_execute is not None:
                if self._service is not None:
                    self._service.interrupt(when_code_starts=True)
                else:
                    self._interrupt_waiting = True
            elif request is not None:
                self._idle_interrupt = (time.monotonic(), request["header"].get("date"))

    def _execution_begins(self, msg: dict) -> None:
        with self._interrupt_lock:
            self._current_execute = msg
            idle, self._idle_interrupt = self._idle_interrupt, None
            self._interrupt_waiting = idle is not None and _sent_before(msg, *idle)
            if idle is not None:
                log.debug("an idle-time interrupt %s this request", "stops" if self._interrupt_waiting else "spares")
            self._executing = True

    def _pass_waiting_interrupt(self, service) -> None:
        with self._interrupt_lock:
            if self._interrupt_waiting:
                service.interrupt(when_code_starts=True)
                self._interrupt_waiting = False

    def _execution_ends(self) -> None:
        with self._interrupt_lock:
            if self._service is not None:
                self._service.forget_interrupt()  # one that came as the request ended
            self._current_execute = None
            self._interrupt_waiting = False
            self._executing = False

    def _on_sigint(self, signum, frame) -> None:
        # While user code runs the language service has its own SIGINT handler in place; this one
        # covers the rest of the time. Between requests (KernelManager sends one before every
        # shutdown) it must neither kill the kernel nor do anything; while a request is starting
        # it interrupts that request's code. The work is done in a thread: this handler may run
        # while the main thread holds the interrupt lock.
        if self._current_execute is None:
            log.info("SIGINT while no request runs; ignored")
            return
        threading.Thread(target=self.interrupt, name="gradtrace-sigint", daemon=True).start()

    def _on_sigterm(self, signum, frame) -> None:
        log.info("SIGTERM; flushing output and exiting")
        # Flush from another thread: this handler may have interrupted the main thread while it
        # held the publisher's lock, and waiting on that here would never end.
        flusher = threading.Thread(target=self._finish_output, args=(1.0,), daemon=True)
        flusher.start()
        flusher.join(2.0)
        os._exit(0)

    def _begin_shutdown(self) -> None:
        self._stopping.set()
        os.write(self._wake_write, b"x")
        if self._executing:
            self.interrupt()
            # A cell that ignores the interrupt still must not keep a shut-down kernel alive.
            threading.Timer(_SHUTDOWN_GRACE, self._exit_now).start()

    def _exit_now(self) -> None:
        self._finish_output(1.0)
        os._exit(0)

    def _request_input(self, idents: list, parent: dict, prompt: str, password: bool) -> str:
        """Send input_request to the shell client's identity on stdin; wait for its input_reply."""
        stdin = self.sockets["stdin"]
        self._drop_stray_stdin()
        msg = self.session.msg("input_request", content={"prompt": prompt, "password": password}, parent=parent)
        stdin.send_multipart(self.session.serialize(msg, ident=idents))
        while True:
            if self._stopping.is_set():
                raise KeyboardInterrupt
            if not stdin.poll(100):
                continue
            parsed = self._parse(stdin.recv_multipart())
            if parsed is None:
                continue
            reply = parsed[1]
            if reply["header"]["msg_type"] != "input_reply":
                log.warning("ignored a %r on the stdin channel", reply["header"]["msg_type"][:100])
                continue
            value = reply["content"].get("value", "")
            return value if isinstance(value, str) else str(value)

    def _drop_stray_stdin(self) -> None:
        stdin = self.sockets["stdin"]
        while True:
            try:
                frames = stdin.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            log.warning("ignored a %d-frame message on stdin outside an input request", len(frames))

    @staticmethod
    def _receive_waiting(sock: zmq.Socket) -> list:
        """The messages waiting on a socket now, as frame lists."""
        waiting = []
        while True:
            try:
                waiting.append(sock.recv_multipart(zmq.NOBLOCK))
            except zmq.Again:
                return waiting

    def _abort_queued(self, sock: zmq.Socket, queued: list) -> None:
        """Answer execute_requests that were queued behind a failed cell with status 'aborted'."""
        for frames in queued:
            parsed = self._parse(frames)
            if parsed is None:
                continue
            idents, msg = parsed
            if msg["header"]["msg_type"] != "execute_request":
                self._dispatch(sock, self.shell_handlers, idents, msg)
                continue
            self.publisher.publish("status", {"execution_state": "busy"}, msg)
            self._reply(sock, idents, msg, {"status": "aborted"})
            self.publisher.publish("status", {"execution_state": "idle"}, msg)


def _sent_before(execute: dict, interrupted_at: float, interrupt_date) -> bool:
    """Whether an execute_request reaching the shell now was sent before an idle-time interrupt.

    The two requests' header dates decide (clients stamp them; on one machine they share a clock);
    without comparable dates the interrupt is taken to be the idle one it looked like.
    """
    if time.monotonic() - interrupted_at > _IDLE_INTERRUPT_GRACE:
        return False
    execute_date = execute["header"].get("date")
    try:
        return bool(execute_date <= interrupt_date)
    except TypeError:  # missing, unparsed or naive-vs-aware dates
        return False


class MalformedRequest(TypeError):
    """A signed request whose content has a field of the wrong type."""


def _text(content: dict, key: str) -> str:
    value = content.get(key, "")
    if not isinstance(value, str):
        raise MalformedRequest(f"'{key}' must be a string, not {type(value).__name__}")
    return value


def _cursor(content: dict, code: str) -> int:
    cursor = content.get("cursor_pos")
    if cursor is None:
        return len(code)
    if not isinstance(cursor, int) or isinstance(cursor, bool):
        raise MalformedRequest(f"'cursor_pos' must be an integer, not {type(cursor).__name__}")
    return max(0, min(cursor, len(code)))


def run_kernel(connection_file: str, *, insecure: bool = False) -> int:
    """Serve the kernel described by a connection file (the kernelspec's entry point)."""
    import sys

    from .wire import ConnectionFileError

    _configure_logging()
    try:
        info = ConnectionInfo.from_file(connection_file)
    except ConnectionFileError as exc:
        print(f"gradtrace kernel: {exc}", file=sys.stderr)
        return 2
    if not info.key and not insecure:
        print(f"gradtrace kernel: the connection file {connection_file} has an empty 'key', so messages "
              "would not be signed; refusing to start (pass --insecure to allow it).", file=sys.stderr)
        return 2
    from .standalone import exposure_warning

    warning = exposure_warning(info)
    if warning:
        print(warning, file=sys.stderr, end="", flush=True)
    try:
        server = KernelServer(info)
    except OSError as exc:
        print(f"gradtrace kernel: {exc}", file=sys.stderr)
        return 1
    return server.serve_forever()


def _configure_logging() -> None:
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[gradtrace kernel %(levelname)s] %(message)s"))
        log.addHandler(handler)
        log.setLevel(os.environ.get("GRADTRACE_KERNEL_LOG", "WARNING").upper())
        log.propagate = False
