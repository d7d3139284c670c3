"""The reliability suite's parts against gradtrace's kernel and ipykernel, side by side.

    python benchmarks/bench_reliability.py [--quick] [--only fuzz,interrupts,...]

Each part is one of tests/kernel/reliability_probes.py, run on both kernels (started by
KernelManager from private kernelspecs, loopback only); the figures are printed in two columns.
Parts: fuzz (3,000 generated frames), interrupts (100 randomly timed interrupt_requests from a
second client), lines (10^6 numbered lines), threads (both streams), endings (prints around raise,
KeyboardInterrupt, sys.exit), exit (flushed os._exit, 10 restarts), crash (death seen, restart),
memory (10,000-step MLP loop; ipykernel runs real torch, gradtrace its engine).
ipykernel is a benchmark-only dependency (pip install ipykernel).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "kernel"))

import reliability_probes as probes  # noqa: E402

KERNELS = {
    "gradtrace": [sys.executable, "-m", "gradtrace.kernel", "-f", "{connection_file}"],
    "ipykernel": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
}


def _write_specs(root: str) -> None:
    for name, argv in KERNELS.items():
        spec_dir = os.path.join(root, "share", "jupyter", "kernels", f"reliability-{name}")
        os.makedirs(spec_dir)
        with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as handle:
            json.dump({"argv": argv, "display_name": name, "language": "python"}, handle)


def _start(name: str):
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name=f"reliability-{name}", startup_timeout=60)
    kc.hb_channel.time_to_dead = 10.0
    probes.answers(kc, "1", "1", timeout=60)  # the first input's imports are not what is measured
    return km, kc


def _second_client(km):
    from jupyter_client.blocking import BlockingKernelClient

    other = BlockingKernelClient(connection_file=km.connection_file)
    other.load_connection_file()
    other.start_channels()
    other.wait_for_ready(timeout=60)
    return other


def _part(name: str, part: str, quick: bool, scratch: str) -> dict:
    km, kc = _start(name)
    try:
        if part == "fuzz":
            info = km.get_connection_info(session=False)
            info = {**info, "key": info["key"].decode() if isinstance(info["key"], bytes) else info["key"]}
            return probes.fuzz_wire(info, kc, count=1000 if quick else 3000, big=3, seed=7,
                                    marker=os.path.join(scratch, f"{name}-forged-code-ran"))
        if part == "interrupts":
            other = _second_client(km)
            try:
                return probes.interrupt_timing(other, trials=20 if quick else 100, seed=7)
            finally:
                other.stop_channels()
        if part == "lines":
            return probes.numbered_lines(kc, 100_000 if quick else 1_000_000)
        if part == "threads":
            return probes.threads_on_both_streams(kc, threads=4, lines=2000)
        if part == "endings":
            return probes.output_around_endings(kc)
        if part == "exit":
            return probes.flushed_before_exit(km, kc, runs=3 if quick else 10)
        if part == "crash":
            return probes.crash_and_restart(km, kc)
        if part == "memory":
            return probes.memory_over_a_loop(kc, steps=2000 if quick else 10_000)
        raise ValueError(f"unknown part {part!r}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--only", help="comma-separated parts (default: all)")
    args = parser.parse_args()
    parts = args.only.split(",") if args.only else ["fuzz", "interrupts", "lines", "threads", "endings",
                                                     "exit", "crash", "memory"]
    root = tempfile.mkdtemp(prefix="gradtrace-bench-reliability-")
    os.environ["JUPYTER_PATH"] = os.path.join(root, "share", "jupyter")
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(root, "runtime")
    os.environ["GRADTRACE_HISTORY"] = os.path.join(root, "history.sqlite")
    try:
        _write_specs(root)
        print(f"{'part / figure':<34} {'gradtrace':>14} {'ipykernel':>14}")
        for part in parts:
            started = time.perf_counter()
            figures = {}
            for name in KERNELS:
                try:
                    figures[name] = _part(name, part, args.quick, root)
                except Exception as error:  # noqa: BLE001 - a kernel failing a part is a figure too
                    figures[name] = {"failed": f"{type(error).__name__}: {str(error)[:60]}"}
            keys = list(dict.fromkeys(k for f in figures.values() for k in f))
            print(f"{part} ({time.perf_counter() - started:.0f} s)")
            for key in keys:
                print(f"  {key:<32} " + " ".join(f"{_show(figures[n].get(key, '-')):>14}" for n in KERNELS))
            sys.stdout.flush()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
