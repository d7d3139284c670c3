"""Registering the gradtrace kernel with Jupyter (kernel.json in a kernels directory)."""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile

DEFAULT_NAME = "gradtrace"
DISPLAY_NAME = "gradtrace (autograd)"


def kernel_json(python: str | None = None) -> dict:
    """The kernelspec: run this Python's `-m gradtrace.kernel`, interrupted by SIGINT, CurveZMQ-capable."""
    return {
        "argv": [python or sys.executable, "-m", "gradtrace.kernel", "-f", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "python",
        "interrupt_mode": "signal",
        "env": {},
        "metadata": {"debugger": False, "supported_encryption": ["curve"]},
        "kernel_protocol_version": "5.4",
    }


def install(*, user: bool = False, sys_prefix: bool = False, prefix: str | None = None,
            name: str = DEFAULT_NAME) -> str:
    """Install the kernelspec (system-wide by default); return the directory it was written to."""
    from jupyter_client.kernelspec import KernelSpecManager

    if not re.fullmatch(r"[A-Za-z0-9._-]+", name or ""):
        raise ValueError(f"kernel name {name!r} may use only ASCII letters, digits, '-', '.' and '_'")
    if sum((bool(user), bool(sys_prefix), prefix is not None)) > 1:
        raise ValueError("choose at most one of user, sys_prefix and prefix")
    if sys_prefix:
        prefix = sys.prefix
    with tempfile.TemporaryDirectory() as source:
        with open(os.path.join(source, "kernel.json"), "w", encoding="utf-8") as handle:
            json.dump(kernel_json(), handle, indent=1)
        return KernelSpecManager().install_kernel_spec(source, kernel_name=name, user=user, prefix=prefix)
