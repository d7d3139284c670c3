"""`gradtrace kernel start`: a kernel for remote use that writes its own connection file.

`python -m gradtrace.kernel -f FILE` comes here too when FILE does not exist yet (as ipykernel
does): the kernel binds fresh ports, writes FILE with a fresh key, and removes it when it ends.
"""
from __future__ import annotations

import os
import sys
import uuid

import zmq

from .server import KernelServer, _configure_logging
from .wire import CHANNELS, ConnectionInfo


def default_connection_file() -> str:
    """kernel-gradtrace-PID.json in Jupyter's runtime directory (where `--existing NAME` looks)."""
    from jupyter_core.paths import jupyter_runtime_dir

    runtime = jupyter_runtime_dir()
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    return os.path.join(runtime, f"kernel-gradtrace-{os.getpid()}.json")


def write_connection_file(path: str, info: ConnectionInfo) -> None:
    """Write info as a 0600 Jupyter connection file (jupyter_client's writer, jupyter_core's secure_write)."""
    from jupyter_client.connect import write_connection_file as jupyter_write

    jupyter_write(
        path, ip=info.ip, key=info.key, transport=info.transport, signature_scheme=info.signature_scheme,
        kernel_name=info.kernel_name, curve_publickey=info.curve_publickey,
        curve_secretkey=info.curve_secretkey, **{f"{name}_port": info.ports[name] for name in CHANNELS},
    )


def tunnel_command(info: ConnectionInfo) -> str:
    """The ssh command that forwards the kernel's five ports from a client machine."""
    forwards = " ".join(f"-L {port}:127.0.0.1:{port}" for port in info.ports.values())
    return f"ssh -N {forwards} USER@THIS_HOST"


def is_loopback(info: ConnectionInfo) -> bool:
    """Whether only this machine can reach the kernel's sockets (ipc, or a loopback address)."""
    if info.transport == "ipc" or info.ip in ("127.0.0.1", "localhost"):
        return True
    import ipaddress  # only for unusual addresses: start-up time is measured

    try:
        return ipaddress.ip_address(info.ip).is_loopback
    except ValueError:  # a host name, or "*"
        return False


def exposure_warning(info: ConnectionInfo) -> str:
    """The warning for a kernel bound beyond loopback: the risk, and the two safe ways."""
    if is_loopback(info):
        return ""
    if info.encrypted:
        risk = ("its traffic is CurveZMQ-encrypted and every message signed, but its five ports are open "
                "to any host that can reach this one.")
    else:
        risk = ("its traffic is NOT encrypted: anyone on the network path can read the code you run and "
                "its outputs, and the signing key only guards against forged messages, not eavesdropping.")
    return (
        f"WARNING: this kernel listens on {info.ip}, beyond this machine's loopback interface; {risk}\n"
        "The two safe ways: start it with --encrypt (CurveZMQ; clients need the connection file's keys), or\n"
        "listen on 127.0.0.1 (the default) and reach it through ssh tunnels from the client machine:\n"
        f"  {tunnel_command(info)}\n"
    )


def attach_instructions(path: str, info: ConnectionInfo) -> str:
    """How to attach the REPL or Jupyter, locally and through ssh tunnels."""
    host_note = ""
    if info.ip in ("0.0.0.0", "*", "::"):
        host_note = (f"It listens on every interface: in the copy of {os.path.basename(path)} on another "
                     "machine, set \"ip\" to this machine's address, or tunnel as below.\n")
    encryption = "CurveZMQ-encrypted; " if info.encrypted else ""
    return (
        f"gradtrace kernel ({encryption}pid {os.getpid()}) listening on {info.ip}.\n"
        f"Connection file: {path}  (keep it private: it holds the signing key)\n"
        f"Attach the REPL:    gradtrace --existing {path}\n"
        f"Attach Jupyter:     jupyter console --existing {path}\n"
        f"{host_note}"
        "From another machine: copy the connection file there, open ssh tunnels for the five ports,\n"
        f"  {tunnel_command(info)}\n"
        "then attach with the same commands there (on the client the file's ip must be 127.0.0.1).\n"
        "Stop the kernel with Ctrl-\\ or by sending it shutdown_request (e.g. `exit` in jupyter console).\n"
    )


def start(*, ip: str = "127.0.0.1", connection_file: str | None = None, encrypt: bool = False,
          transport: str = "tcp", out=None) -> int:
    """Bind a new kernel on random ports at ip, write its connection file, print how to attach, serve."""
    out = out or sys.stdout
    _configure_logging()
    info = ConnectionInfo(ip=ip, transport=transport, key=str(uuid.uuid4()).encode("ascii"), kernel_name="gradtrace")
    if encrypt:
        if not zmq.has("curve"):
            print("gradtrace kernel: --encrypt needs CurveZMQ, which this pyzmq/libzmq build lacks.", file=sys.stderr)
            return 2
        info.curve_publickey, info.curve_secretkey = zmq.curve_keypair()
    path = os.path.abspath(connection_file or default_connection_file())
    try:
        # Made before binding: ipc endpoints live next to the connection file.
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        server = KernelServer(info)
    except (OSError, zmq.ZMQError) as exc:
        print(f"gradtrace kernel: cannot listen on {ip}: {exc}", file=sys.stderr)
        return 1
    try:
        write_connection_file(path, info)
    except OSError as exc:
        print(f"gradtrace kernel: cannot write the connection file {path}: {exc.strerror}", file=sys.stderr)
        return 1
    print(attach_instructions(path, info), file=out, flush=True)
    warning = exposure_warning(info)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    try:
        return server.serve_forever()
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
