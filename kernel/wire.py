"""The kernel's ZeroMQ endpoints: connection files, bound sockets, the signing session.

Only pyzmq and jupyter_client.session are imported here, so a kernel starts fast.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass, field

import zmq

log = logging.getLogger("gradtrace.kernel")

CHANNELS = ("shell", "iopub", "stdin", "control", "hb")
_SOCKET_TYPES = {
    "shell": zmq.ROUTER,
    "iopub": zmq.XPUB,
    "stdin": zmq.ROUTER,
    "control": zmq.ROUTER,
    "hb": zmq.REP,
}
# Larger messages are dropped by ZeroMQ itself before they reach Python: a client cannot
# make the kernel allocate without bound.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_BIND_ATTEMPTS = 20


class ConnectionFileError(ValueError):
    """A connection file that the kernel cannot use (missing, unreadable, or a bad field)."""


@dataclass
class ConnectionInfo:
    """What a connection file says: where to bind, how to sign, which CurveZMQ keys to use."""

    ip: str = "127.0.0.1"
    transport: str = "tcp"
    key: bytes = b""
    signature_scheme: str = "hmac-sha256"
    ports: dict = field(default_factory=lambda: {name: 0 for name in CHANNELS})
    curve_publickey: bytes | None = None
    curve_secretkey: bytes | None = None
    kernel_name: str = ""

    @classmethod
    def from_file(cls, path: str) -> "ConnectionInfo":
        """Read a Jupyter connection file; raise ConnectionFileError naming the file and field at fault."""
        try:
            with open(path, encoding="utf-8") as handle:
                raw = json.load(handle)
        except OSError as exc:
            raise ConnectionFileError(f"cannot read connection file {path}: {exc.strerror}") from None
        except ValueError:
            raise ConnectionFileError(f"connection file {path} is not valid JSON") from None
        if not isinstance(raw, dict):
            raise ConnectionFileError(f"connection file {path} must hold a JSON object")
        return cls.from_dict(raw, source=path)

    @classmethod
    def from_dict(cls, raw: dict, source: str = "connection info") -> "ConnectionInfo":
        """Validate a connection-info dict (the connection file's JSON object)."""
        info = cls()
        info.ip = str(raw.get("ip") or "127.0.0.1")
        info.transport = str(raw.get("transport") or "tcp")
        if info.transport not in ("tcp", "ipc"):
            raise ConnectionFileError(f"{source}: 'transport' must be 'tcp' or 'ipc', not {info.transport!r}")
        key = raw.get("key", "")
        if not isinstance(key, str):
            raise ConnectionFileError(f"{source}: 'key' must be a string")
        info.key = key.encode("ascii", "strict") if key.isascii() else key.encode("utf-8")
        info.signature_scheme = str(raw.get("signature_scheme") or "hmac-sha256")
        if not info.signature_scheme.startswith("hmac-"):
            raise ConnectionFileError(f"{source}: 'signature_scheme' must start with 'hmac-', not {info.signature_scheme!r}")
        for name in CHANNELS:
            port = raw.get(f"{name}_port", 0)
            if not isinstance(port, int) or not 0 <= port < 65536:
                raise ConnectionFileError(f"{source}: '{name}_port' must be a port number, not {port!r}")
            info.ports[name] = port
        public, secret = raw.get("curve_publickey"), raw.get("curve_secretkey")
        if (public is None) != (secret is None):
            raise ConnectionFileError(f"{source}: 'curve_publickey' and 'curve_secretkey' must be given together")
        if public is not None:
            for label, value in (("curve_publickey", public), ("curve_secretkey", secret)):
                if not isinstance(value, str) or len(value) != 40:
                    raise ConnectionFileError(f"{source}: '{label}' must be a 40-character Z85 CurveZMQ key")
            if not zmq.has("curve"):
                raise ConnectionFileError(f"{source} asks for CurveZMQ encryption, which this pyzmq/libzmq lacks")
            info.curve_publickey, info.curve_secretkey = public.encode("ascii"), secret.encode("ascii")
        info.kernel_name = str(raw.get("kernel_name") or "")
        return info

    @property
    def encrypted(self) -> bool:
        """Whether the sockets use CurveZMQ transport encryption."""
        return self.curve_secretkey is not None

    def to_dict(self) -> dict:
        """The connection-file JSON object (with the ports actually bound)."""
        raw = {f"{name}_port": self.ports[name] for name in CHANNELS}
        raw.update(ip=self.ip, key=self.key.decode(), transport=self.transport,
                   signature_scheme=self.signature_scheme, kernel_name=self.kernel_name)
        if self.encrypted:
            raw["curve_publickey"] = self.curve_publickey.decode("ascii")
            raw["curve_secretkey"] = self.curve_secretkey.decode("ascii")
        return raw

    def url(self, channel: str) -> str:
        """The ZeroMQ endpoint of one channel."""
        if self.transport == "tcp":
            return f"tcp://{self.ip}:{self.ports[channel]}"
        return f"ipc://{self.ip}-{self.ports[channel]}"


def bind_sockets(context: zmq.Context, info: ConnectionInfo, iopub_context: zmq.Context | None = None) -> dict:
    """Create and bind the five kernel sockets; ports of 0 are chosen here and written back into info.

    Binding a port that another process holds for a moment (jupyter_client picks ports by
    binding and releasing them, jupyter_client#154) is retried before giving up. The iopub socket
    may live in a context of its own, which the kernel can terminate on exit (waiting until the
    last output is sent) while the heartbeat thread still holds its socket in the other.
    """
    sockets = {}
    try:
        for name in CHANNELS:
            owner = iopub_context if name == "iopub" and iopub_context is not None else context
            sock = owner.socket(_SOCKET_TYPES[name])
            sock.linger = 1000
            if name != "hb":
                sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
            if name == "iopub":
                # Deliver every subscription message, so each new subscriber is welcomed.
                sock.setsockopt(zmq.XPUB_VERBOSE, 1)
                sock.sndhwm = 0  # never silently drop output (a million-line cell must arrive whole)
            if info.encrypted:
                sock.curve_secretkey = info.curve_secretkey
                sock.curve_publickey = info.curve_publickey
                sock.curve_server = True
            sockets[name] = sock
            _bind_with_retry(sock, info, name)
    except Exception:
        for sock in sockets.values():
            sock.close(linger=0)
        raise
    return sockets


def _bind_with_retry(sock: zmq.Socket, info: ConnectionInfo, channel: str) -> None:
    if info.transport == "tcp" and info.ports[channel] == 0:
        info.ports[channel] = sock.bind_to_random_port(f"tcp://{info.ip}")
        return
    if info.transport == "ipc" and info.ports[channel] == 0:
        info.ports[channel] = _free_ipc_number(info.ip)
    delay = 0.01
    for attempt in range(_BIND_ATTEMPTS):
        try:
            sock.bind(info.url(channel))
            return
        except zmq.ZMQError as exc:
            if exc.errno != zmq.EADDRINUSE or attempt == _BIND_ATTEMPTS - 1:
                raise OSError(f"cannot bind the {channel} channel to {info.url(channel)}: {exc.strerror}") from None
            log.warning("%s is in use; retrying in %.0f ms", info.url(channel), delay * 1000)
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _free_ipc_number(prefix: str) -> int:
    import os

    number = 1
    while os.path.exists(f"{prefix}-{number}"):
        number += 1
    return number


def new_session(info: ConnectionInfo):
    """The jupyter_client Session that signs, checks signatures and rejects replays."""
    return session_class()(key=info.key, signature_scheme=info.signature_scheme, username="gradtrace")


def session_class():
    """jupyter_client.session.Session, imported without the rest of jupyter_client when possible.

    `import jupyter_client.session` first runs jupyter_client/__init__.py, which imports the
    clients, managers and provisioners (about 70 ms, a fifth of the start-up budget) that a
    kernel never uses. So the module is loaded under a bare stand-in for the package. The stand-in
    stays until `release_stand_in()` (after the first message is deserialized: Session.deserialize
    calls jupyter_client.adapter.adapt, which imports `.session` on every call and would load the
    whole package without it); then the stand-in and the modules loaded under it leave
    sys.modules, so a later `import jupyter_client` (user code, the standalone writer) gets the real
    package, whole.
    """
    if "jupyter_client" in sys.modules:
        from jupyter_client.session import Session

        return Session
    import importlib.util
    import types

    spec = importlib.util.find_spec("jupyter_client")
    stand_in = types.ModuleType("jupyter_client")
    stand_in.__path__ = list(spec.submodule_search_locations or [])
    sys.modules["jupyter_client"] = stand_in
    _STAND_IN.append(stand_in)
    try:
        from jupyter_client.session import Session
    except BaseException:
        release_stand_in()
        raise
    return Session


_STAND_IN = []  # the stand-in package while it is in sys.modules


def release_stand_in():
    """Take session_class's stand-in package, and the modules loaded under it, out of sys.modules."""
    if not _STAND_IN:
        return
    stand_in = _STAND_IN.pop()
    if sys.modules.get("jupyter_client") is stand_in:
        for name in [name for name in sys.modules if name == "jupyter_client" or name.startswith("jupyter_client.")]:
            sys.modules.pop(name, None)
