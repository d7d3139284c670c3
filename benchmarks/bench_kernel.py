"""Kernel start-up and round-trip latency: gradtrace's kernel against ipykernel.

Both kernels are started the way Jupyter starts them (jupyter_client's KernelManager with a
kernelspec), several times each; the medians and the ratios gradtrace/ipykernel are printed.

    python benchmarks/bench_kernel.py [--starts 5] [--executes 30] [--load]

Measured:
  start      KernelManager.start_kernel() -> first kernel_info_reply
  execute    execute_request "1+1" -> execute_reply
  idle       execute_request "1+1" -> status idle on iopub
Targets (issue 14): start-up ratio <= 0.5, aiming at 0.35, also with `--load` (a competing
CPU-bound process running while everything is measured a second time).
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


def _start_once(name: str, executes: int) -> tuple:
    """One start of a kernel: (start-up seconds, execute round trips, execute-to-idle times)."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=f"bench-{name}")
    began = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    _reply_to(kc.get_shell_msg, kc.kernel_info())
    start = time.perf_counter() - began
    kc.wait_for_ready(timeout=60)  # iopub subscribed before anything is timed on it
    _idle_for(kc, _reply_to(kc.get_shell_msg, kc.execute("1+1"))["parent_header"]["msg_id"])  # warm-up
    execute_times, idle_times = [], []
    for _ in range(executes):
        began = time.perf_counter()
        msg_id = kc.execute("1+1")
        _reply_to(kc.get_shell_msg, msg_id)
        execute_times.append(time.perf_counter() - began)
        _idle_for(kc, msg_id)
        idle_times.append(time.perf_counter() - began)
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return start, execute_times, idle_times


def measure(starts: int, executes: int) -> dict:
    """Medians (seconds) per kernel of start-up, execute round trip and execute-to-idle.

    One untimed start of each kernel first (jupyter_client's first KernelManager pays one-off
    costs such as loading provisioner entry points), then timed starts alternate between the
    kernels so that drift in the machine's load hits both alike.
    """
    for name in KERNELS:
        _start_once(name, 1)
    samples = {name: ([], [], []) for name in KERNELS}
    for _ in range(starts):
        for name in KERNELS:
            start, execute_times, idle_times = _start_once(name, executes)
            samples[name][0].append(start)
            samples[name][1].extend(execute_times)
            samples[name][2].extend(idle_times)
    return {name: {"start": statistics.median(s), "execute": statistics.median(e), "idle": statistics.median(i)}
            for name, (s, e, i) in samples.items()}


def _spin() -> None:
    while True:
        pass


def _print(title: str, results: dict, args) -> None:
    print(title)
    print(f"{'':12}{'ipykernel':>12}{'gradtrace':>12}{'ratio':>8}")
    for key, label in (("start", "start->info"), ("execute", "execute"), ("idle", "to idle")):
        ipy, ours = results["ipykernel"][key], results["gradtrace"][key]
        print(f"{label:12}{ipy * 1000:10.1f}ms{ours * 1000:10.1f}ms{ours / ipy:8.2f}")
    print(f"(medians of {args.starts} starts x {args.executes} executes; start-up target ratio <= 0.5, aim 0.35)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="kernel starts per kernel (default 5)")
    parser.add_argument("--executes", type=int, default=30, help="executes per start (default 30)")
    parser.add_argument("--load", action="store_true", help="measure again with a competing CPU-bound process")
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-kernel-")
    try:
        _write_specs(root)
        os.environ["JUPYTER_PATH"] = root
        os.environ["GRADTRACE_HISTORY"] = os.path.join(root, "history.sqlite")
        _print("quiet", measure(args.starts, args.executes), args)
        if args.load:
            import multiprocessing

            spinner = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
            spinner.start()
            try:
                print()
                _print("loaded: one competing CPU-bound process", measure(args.starts, args.executes), args)
            finally:
                spinner.terminate()
                spinner.join()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
