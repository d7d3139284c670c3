"""What an active profiler costs: 1000 small ops and their backward, with and without a capture.

The workload is `z = (z / x) * y` 1000 times on 2x3 float32 tensors that require grad, then
`z.sum().backward()`: the small-tensor case where per-op overhead dominates, the worst case for a
profiler. It runs with no profiler and inside `start_capture()` (what the kernel wraps around every
input), interleaved, and prints the best CPU times, their ratio (target: <= 1.20) and what turning
the capture into a table costs afterwards. Forty repeats by default: on a shared two-core host
the best of fifteen still swings by several percent from run to run, mostly in the plain time.

    python benchmarks/bench_profiler.py [--iterations 1000] [--repeats 40] [--check]
"""
import argparse
import gc
import statistics
import sys
import time

import gradtrace.engine as gt
from gradtrace.engine.autograd.profiler import start_capture

TARGET_RATIO = 1.20


def workload(iterations):
    """The ops being profiled; returns nothing, keeps nothing."""
    x = gt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=gt.float32, requires_grad=True)
    y = gt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=gt.float32, requires_grad=True)
    z = gt.ones(2, 3, dtype=gt.float32, requires_grad=True)
    for _ in range(iterations):
        z = (z / x) * y
    z.sum().backward()


# CPU time of this process, not wall time: on a shared machine other processes' load would
# otherwise swamp a 20% difference.
clock = time.process_time


def time_plain(iterations):
    gc.collect()  # neither run pays for the garbage of the step before it (the last capture's table)
    start = clock()
    workload(iterations)
    return clock() - start


def time_captured(iterations):
    """Seconds for the workload with a capture running, and seconds to stop it and make its table."""
    gc.collect()
    capture = start_capture()
    start = clock()
    workload(iterations)
    elapsed = clock() - start
    start = clock()
    events = capture.stop()
    table = events.key_averages().table(sort_by="self_cpu_time_total", row_limit=20)
    processing = clock() - start
    return elapsed, processing, len(events), table  # the events themselves go: no GC load on later runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--check", action="store_true", help=f"exit 1 when the ratio exceeds {TARGET_RATIO}")
    args = parser.parse_args(argv)

    workload(args.iterations)  # warm caches (imports, dtype tables) before timing anything
    plain, captured, processing = [], [], []
    for _ in range(args.repeats):
        plain.append(time_plain(args.iterations))
        elapsed, post, n_events, table = time_captured(args.iterations)
        captured.append(elapsed)
        processing.append(post)
    best_plain, best_captured = min(plain), min(captured)
    ratio = best_captured / best_plain
    print(table)
    print(f"workload: {args.iterations} x `z = (z / x) * y` on 2x3 float32, then z.sum().backward()")
    print(f"no profiler:        {best_plain * 1e3:8.2f} ms (best of {args.repeats})")
    print(f"capture active:     {best_captured * 1e3:8.2f} ms (best of {args.repeats}), {n_events} events")
    print(f"overhead ratio:     {ratio:8.3f}   (target <= {TARGET_RATIO:.2f}: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    # Each repeat times both runs back to back, so their ratio cancels slow drifts in the host's load
    # that the two best times, taken at different moments, do not.
    paired = statistics.median(c / p for p, c in zip(plain, captured))
    print(f"paired ratio:       {paired:8.3f}   (median over the {args.repeats} back-to-back pairs)")
    print(f"stop + table:       {min(processing) * 1e3:8.2f} ms (best of {args.repeats})")
    if args.check and ratio > TARGET_RATIO:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
