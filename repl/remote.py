"""The remote transport: a Jupyter kernel driven through jupyter_client's BlockingKernelClient.

Socket ownership is strict (zmq sockets are not thread-safe): the main thread uses shell, stdin and
control; a watcher thread is the only reader of iopub. While an execution runs, the watcher hands
messages of that execution to the main thread through a queue and wakes it through an inproc zmq
pair, so the main thread waits on one zmq poll (shell, stdin, wake-up) instead of spinning. Output
of anyone else's execution, or arriving after ours, goes to the idle handlers (printed above the
prompt). The watcher also reports the kernel's death (heartbeat, or process exit for our kernel).
"""
import json
import os
import queue
import sys
import threading
import time

from .keys import fallback_is_complete
from .transport import ConnectError, ExecuteReply, KernelDied, keep_sigint_off_this_thread

KERNEL_INFO_TIMEOUT_S = float(os.environ.get("GRADTRACE_KERNEL_INFO_TIMEOUT", "10"))
IS_COMPLETE_TIMEOUT_S = 0.5
COMPLETE_TIMEOUT_S = 1.5
INSPECT_TIMEOUT_S = 2.0
HEARTBEAT_PROBE_S = 1.0
_POLL_MS = 250
# After execute_reply, the idle status should follow at once; don't wait forever for a lost one.
_IDLE_GRACE_S = 2.0
_CONNECTION_KEYS = ("transport", "ip", "shell_port", "iopub_port", "stdin_port", "control_port",
                    "hb_port", "key")
KERNEL_ARGV = [sys.executable, "-m", "gradtrace.kernel", "-f", "{connection_file}"]


def newest_connection_file():
    """The most recently modified kernel-*.json in Jupyter's runtime dir, as `jupyter console` picks."""
    import glob

    from jupyter_core.paths import jupyter_runtime_dir
    runtime_dir = jupyter_runtime_dir()
    files = glob.glob(os.path.join(runtime_dir, "kernel-*.json"))
    if not files:
        raise ConnectError(f"no kernel connection file (kernel-*.json) in {runtime_dir}; "
                           "pass one with --existing FILE.")
    return max(files, key=os.path.getmtime)


def resolve_connection_file(name):
    """A connection file given by path, or by name inside Jupyter's runtime dir."""
    if name is None:
        return newest_connection_file()
    if os.path.exists(name) or os.sep in name:
        return name
    from jupyter_core.paths import jupyter_runtime_dir
    in_runtime = os.path.join(jupyter_runtime_dir(), name)
    return in_runtime if os.path.exists(in_runtime) else name


def load_connection_info(path):
    """The connection file's contents, checked; ConnectError with one sentence otherwise."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConnectError(f"connection file {path} does not exist.") from None
    except OSError as error:
        raise ConnectError(f"cannot read connection file {path}: {error.strerror}.") from None
    try:
        info = json.loads(text)
    except ValueError:
        raise ConnectError(f"{path} is not a kernel connection file (it is not valid JSON).") from None
    if not isinstance(info, dict):
        raise ConnectError(f"{path} is not a kernel connection file (it is not a JSON object).")
    missing = [key for key in _CONNECTION_KEYS if key not in info]
    if missing:
        raise ConnectError(f"{path} is not a kernel connection file (it has no {missing[0]!r}).")
    return info


def _heartbeat_answers(info, timeout=HEARTBEAT_PROBE_S):
    """Whether something answers a ping on the connection's heartbeat port (no key needed)."""
    import zmq
    url = (f"tcp://{info['ip']}:{info['hb_port']}" if info["transport"] == "tcp"
           else f"ipc://{info['ip']}-{info['hb_port']}")
    socket = zmq.Context.instance().socket(zmq.REQ)
    socket.linger = 0
    if info.get("curve_publickey"):  # a CurveZMQ kernel answers encrypted clients only
        socket.curve_publickey, socket.curve_secretkey = zmq.curve_keypair()
        server_key = info["curve_publickey"]
        socket.curve_serverkey = server_key.encode("ascii") if isinstance(server_key, str) else server_key
    try:
        socket.connect(url)
        socket.send(b"ping")
        return bool(socket.poll(int(timeout * 1000)))
    finally:
        socket.close()


def _kernel_spec_manager():
    """A KernelSpecManager that knows one spec: this Python running gradtrace's kernel."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class PrivateSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name, *args, **kwargs):
            return KernelSpec(argv=list(KERNEL_ARGV), display_name="gradtrace (private)",
                              language="python", interrupt_mode="signal")

    return PrivateSpecManager()


class RemoteTransport:
    """A kernel behind five ZeroMQ sockets; see the module docstring for the threading."""

    can_reconnect = True

    def __init__(self, client, *, manager=None, connection_file=None, label="the kernel"):
        self.client = client
        self.manager = manager
        self.connection_file = connection_file
        self.label = label
        self.banner = ""
        self.execution_count = 0
        self._current = None           # msg_id of the execution the main thread waits on
        self._current_queue = queue.Queue()
        self._route_lock = threading.Lock()
        self._watcher = None
        self._stop_watching = threading.Event()
        self._idle_handlers = None
        self._on_death = None
        self._open_wake_pair()

    # -- attaching --------------------------------------------------------------------------------
    @classmethod
    def attach(cls, connection_file):
        """Attach to a running kernel; ConnectError with one sentence when that is not possible."""
        path = resolve_connection_file(connection_file)
        info = load_connection_info(path)
        client = cls._connected_client(info, path)
        transport = cls(client, connection_file=path, label=f"the kernel of {path}")
        transport._handshake()
        return transport

    @staticmethod
    def _connected_client(info, path):
        from jupyter_client import BlockingKernelClient
        client = BlockingKernelClient()
        try:
            client.load_connection_info(info)
        except Exception as error:  # traitlets validation of odd values
            raise ConnectError(f"{path} is not a usable kernel connection file ({error}).") from None
        client.start_channels()
        try:
            client.kernel_info(reply=True, timeout=KERNEL_INFO_TIMEOUT_S)
        except TimeoutError:
            alive = _heartbeat_answers(info)
            client.stop_channels()
            if alive:
                raise ConnectError(
                    f"the kernel at {info['ip']} did not answer kernel_info within "
                    f"{KERNEL_INFO_TIMEOUT_S:g} s; check that the key in {path} is the kernel's.") from None
            raise ConnectError(f"no kernel answers at {info['ip']} on the ports in {path}; "
                               "is it running?") from None
        return client

    @classmethod
    def start_private(cls):
        """Start a kernel of our own through KernelManager; it is shut down on close()."""
        from jupyter_client import KernelManager
        manager = KernelManager(kernel_name="gradtrace-private", kernel_spec_manager=_kernel_spec_manager())
        try:
            manager.start_kernel()
        except OSError as error:
            raise ConnectError(f"could not start a gradtrace kernel: {error}.") from None
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=max(KERNEL_INFO_TIMEOUT_S, 30))
        except RuntimeError:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
            raise ConnectError("the gradtrace kernel started but did not answer kernel_info.") from None
        transport = cls(client, manager=manager, label="the private kernel")
        transport._handshake()
        return transport

    def _handshake(self):
        """Read the banner, and learn the execution count so the first prompt shows the right number."""
        try:
            reply = self.client.kernel_info(reply=True, timeout=KERNEL_INFO_TIMEOUT_S)
        except TimeoutError:
            raise ConnectError(f"{self.label} did not answer kernel_info within "
                               f"{KERNEL_INFO_TIMEOUT_S:g} s.") from None
        self.banner = reply["content"].get("banner", "")
        try:
            reply = self.client.execute("", silent=True, store_history=False, reply=True,
                                        timeout=KERNEL_INFO_TIMEOUT_S)
            self.execution_count = int(reply["content"].get("execution_count") or 0)
        except (TimeoutError, ValueError, TypeError):
            self.execution_count = 0

    # -- Transport --------------------------------------------------------------------------------
    @property
    def can_restart(self):
        return self.manager is not None

    def execute(self, code, handlers):
        """Send execute_request; wait on shell, stdin and the watcher's wake-up until reply and idle."""
        import zmq
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": True, "stop_on_error": True}
        if self._watcher is None:
            self._start_watcher()  # the iopub reader; watch() may not have been called yet
        request = self.client.session.msg("execute_request", content)
        msg_id = request["header"]["msg_id"]
        with self._route_lock:
            self._current = msg_id
            self._current_queue = queue.Queue()
        messages = self._current_queue
        poller = zmq.Poller()
        shell, stdin = self.client.shell_channel, self.client.stdin_channel
        poller.register(shell.socket, zmq.POLLIN)
        poller.register(stdin.socket, zmq.POLLIN)
        poller.register(self._wake_recv, zmq.POLLIN)
        reply = None
        idle = False
        idle_deadline = None
        try:
            shell.send(request)
            while reply is None or not idle:
                try:
                    ready = dict(poller.poll(_POLL_MS))
                    if self._wake_recv in ready:
                        while self._wake_recv.poll(0):
                            self._wake_recv.recv()
                    idle = self._show_routed(messages, handlers) or idle
                    if stdin.socket in ready:
                        self._answer_input(stdin.get_msg(timeout=0), handlers)
                    if shell.socket in ready:
                        message = shell.get_msg(timeout=0)
                        if message["parent_header"].get("msg_id") == msg_id:
                            reply = message
                            idle_deadline = time.monotonic() + _IDLE_GRACE_S
                    if reply is not None and time.monotonic() > idle_deadline:
                        break
                    if not ready and not self.is_alive():
                        raise KernelDied()
                except KeyboardInterrupt:
                    self.interrupt()
        finally:
            with self._route_lock:
                self._current = None
        content = reply["content"]
        return ExecuteReply(content.get("status", "error"), content.get("execution_count"),
                            content.get("payload") or [])

    @staticmethod
    def _show_routed(messages, handlers):
        """Dispatch the iopub messages the watcher queued for this execution; True once idle came."""
        idle = False
        while True:
            try:
                message = messages.get_nowait()
            except queue.Empty:
                return idle
            if message["msg_type"] == "status":
                idle = idle or message["content"].get("execution_state") == "idle"
            else:
                dispatch_output(message, handlers)

    def _answer_input(self, message, handlers):
        if message["msg_type"] != "input_request":
            return
        content = message["content"]
        try:
            value = handlers.input(content.get("prompt", ""), content.get("password", False))
        except EOFError:
            value = ""
        self.client.input(value)

    def complete(self, code, cursor_pos):
        return self._ask(self.client.complete(code, cursor_pos), COMPLETE_TIMEOUT_S)

    def is_complete(self, code):
        reply = self._ask(self.client.is_complete(code), IS_COMPLETE_TIMEOUT_S)
        if reply is None or reply.get("status") not in ("complete", "incomplete", "invalid"):
            return fallback_is_complete(code)
        return reply

    def inspect(self, code, cursor_pos, detail_level=0):
        return self._ask(self.client.inspect(code, cursor_pos, detail_level), INSPECT_TIMEOUT_S)

    def _ask(self, msg_id, timeout):
        """The content of the shell reply to `msg_id`, or None after `timeout` seconds.

        Replies to earlier requests that timed out arrive late; they are skipped here.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                message = self.client.get_shell_msg(timeout=remaining)
            except queue.Empty:
                return None
            if message["parent_header"].get("msg_id") == msg_id:
                return message["content"]

    def interrupt(self):
        """interrupt_request on control: works for any kernel, also one this REPL did not start."""
        self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))

    def is_alive(self):
        if self.manager is not None and not self.manager.is_alive():
            return False
        return self.client.hb_channel.is_beating()

    def watch(self, idle_handlers, on_death):
        """Show the banner, then print output that arrives while idle and report the kernel's death."""
        if self.banner:
            idle_handlers.banner(self.banner)
            self.banner = ""  # once per attachment
        self._idle_handlers = idle_handlers
        self._on_death = on_death
        self._start_watcher()

    def close(self):
        self._stop_watcher()
        self.client.stop_channels()
        if self.manager is not None:
            self.manager.shutdown_kernel()
        self._wake_send.close()
        self._wake_recv.close()

    # -- after a death ----------------------------------------------------------------------------
    def restart(self):
        """Restart the kernel this REPL started, and attach to the new one."""
        self._stop_watcher()
        self.client.stop_channels()
        try:
            self.manager.restart_kernel(now=True)
        except Exception as error:
            raise ConnectError(f"could not restart the kernel: {error}.") from None
        self.client = self.manager.client()
        self.client.start_channels()
        try:
            self.client.wait_for_ready(timeout=30)
        except RuntimeError:
            raise ConnectError("the restarted kernel did not answer kernel_info.") from None
        self._handshake()

    def reconnect(self):
        """Attach again through the connection file (a kernel restarted on the same ports)."""
        self._stop_watcher()
        self.client.stop_channels()
        if self.manager is not None:
            self.client = self.manager.client()
            self.client.start_channels()
            try:
                self.client.kernel_info(reply=True, timeout=KERNEL_INFO_TIMEOUT_S)
            except TimeoutError:
                raise ConnectError("the kernel did not answer kernel_info.") from None
        else:
            info = load_connection_info(self.connection_file)
            self.client = self._connected_client(info, self.connection_file)
        self._handshake()

    # -- the iopub watcher ------------------------------------------------------------------------
    def _open_wake_pair(self):
        import zmq
        # Not the client's context: a KernelManager destroys its own on restart.
        context = zmq.Context.instance()
        address = f"inproc://gradtrace-wake-{id(self)}"
        self._wake_recv = context.socket(zmq.PAIR)
        self._wake_recv.linger = 0
        self._wake_recv.bind(address)
        self._wake_send = context.socket(zmq.PAIR)
        self._wake_send.linger = 0
        self._wake_send.connect(address)

    def _start_watcher(self):
        self._stop_watching = threading.Event()
        self._watcher = threading.Thread(target=self._watch_iopub, args=(self._stop_watching,),
                                         daemon=True, name="gradtrace-iopub")
        self._watcher.start()

    def _stop_watcher(self):
        if self._watcher is not None:
            self._stop_watching.set()
            self._watcher.join(2)
            self._watcher = None

    def _watch_iopub(self, stop):
        keep_sigint_off_this_thread()
        iopub = self.client.iopub_channel
        last_check = time.monotonic()
        while not stop.is_set():
            try:
                if iopub.socket.poll(_POLL_MS):
                    self._route(iopub.get_msg(timeout=0))
            except Exception:
                if stop.is_set():
                    return  # channels closed under us while leaving
                if self._on_death is not None:
                    self._on_death()  # without iopub the REPL is blind: treat it as a lost kernel
                return
            now = time.monotonic()
            if now - last_check >= 0.5 and self._current is None:
                last_check = now
                if not self.is_alive():
                    if self._on_death is not None:
                        self._on_death()
                    return

    def _route(self, message):
        parent = message["parent_header"].get("msg_id")
        with self._route_lock:
            if parent is not None and parent == self._current:
                self._current_queue.put(message)
                self._wake_send.send(b"")
                return
        if self._idle_handlers is not None and message["msg_type"] != "status":
            dispatch_output(message, self._idle_handlers)


def dispatch_output(message, handlers):
    """Hand one iopub output message to the OutputHandlers method for it."""
    kind, content = message["msg_type"], message["content"]
    if kind == "stream":
        handlers.stream(content.get("name", "stdout"), content.get("text", ""))
    elif kind in ("display_data", "update_display_data"):
        handlers.display(content.get("data", {}), content.get("metadata", {}))
    elif kind == "execute_result":
        handlers.execute_result(content.get("execution_count"), content.get("data", {}),
                                content.get("metadata", {}))
    elif kind == "error":
        handlers.error(content.get("ename", ""), content.get("evalue", ""), content.get("traceback", []))
    elif kind == "clear_output":
        handlers.clear_output(content.get("wait", False))
