"""Kernel start-up and round-trip latency: gradtrace's kernel against ipykernel.

Both kernels are started the way Jupyter starts them (jupyter_client's KernelManager with a
kernelspec), several times each; the medians and the ratios gradtrace/ipykernel are printed.

    python benchmarks/bench_kernel.py [--starts 5] [--executes 30]

Measured:
  start      KernelManager.start_kernel() -> first kernel_info_reply
  execute    execute_request "1+1" -> execute_reply
  idle       execute_request "1+1" -> status idle on iopub
ipykernel is a benchmark-only dependency (pip install ipykernel).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

KERNELS = {
    "ipykernel": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    "gradtrace": [sys.executable, "-m", "gradtrace.kernel", "-f", "{connection_file}"],
}


def _write_specs(root: str) -> None:
    for name, argv in KERNELS.items():
        spec_dir = os.path.join(root, "kernels", f"bench-{name}")
        os.makedirs(spec_dir)
        with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as handle:
            json.dump({"argv": argv, "display_name": name, "language": "python"}, handle)


def _reply_to(get, msg_id: str, timeout: float = 60.0) -> dict:
    deadline = time.perf_counter() + timeout
    while True:
        msg = get(timeout=max(0.001, deadline - time.perf_counter()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def _idle_for(kc, msg_id: str) -> None:
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            return


def measure(name: str, starts: int, executes: int) -> dict:
    """Medians (seconds) of start-up, execute round trip and execute-to-idle for one kernel."""
    from jupyter_client.manager import KernelManager

    start_times, execute_times, idle_times = [], [], []
    for _ in range(starts):
        km = KernelManager(kernel_name=f"bench-{name}")
        began = time.perf_counter()
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        _reply_to(kc.get_shell_msg, kc.kernel_info())
        start_times.append(time.perf_counter() - began)
        kc.execute("1+1")  # warm-up: the first execute may import what later ones reuse
        _idle_for(kc, _reply_to(kc.get_shell_msg, kc.execute("1+1"))["parent_header"]["msg_id"])
        for _ in range(executes):
            began = time.perf_counter()
            msg_id = kc.execute("1+1")
            _reply_to(kc.get_shell_msg, msg_id)
            execute_times.append(time.perf_counter() - began)
            _idle_for(kc, msg_id)
            idle_times.append(time.perf_counter() - began)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {"start": statistics.median(start_times), "execute": statistics.median(execute_times),
            "idle": statistics.median(idle_times)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="kernel starts per kernel (default 5)")
    parser.add_argument("--executes", type=int, default=30, help="executes per start (default 30)")
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-kernel-")
    try:
        _write_specs(root)
        os.environ["JUPYTER_PATH"] = root
        os.environ["GRADTRACE_HISTORY"] = os.path.join(root, "history.sqlite")
        results = {name: measure(name, args.starts, args.executes) for name in KERNELS}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{'':12}{'ipykernel':>12}{'gradtrace':>12}{'ratio':>8}")
    for key, label in (("start", "start->info"), ("execute", "execute"), ("idle", "to idle")):
        ipy, ours = results["ipykernel"][key], results["gradtrace"][key]
        print(f"{label:12}{ipy * 1000:10.1f}ms{ours * 1000:10.1f}ms{ours / ipy:8.2f}")
    print(f"(medians of {args.starts} starts x {args.executes} executes; target ratio <= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
