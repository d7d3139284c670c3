"""Cost of the report's bookkeeping around one input: two snapshots and their diff.

With 1,000 live tensors in the namespace (a tenth of them leaves with grads) the snapshot before,
the snapshot after and the diff must together stay under 1 ms. Run: python benchmarks/bench_report.py
"""
import time

import gradtrace.engine as gt
from gradtrace.kernel.report import Snapshot, changed_grads, changed_tensors, tensor_and_module_types

LIVE_TENSORS = 1000
BUDGET_MS = 1.0


def make_namespace(count=LIVE_TENSORS):
    """A namespace like a long session's: many tensors, some leaves with grads, some other values."""
    namespace = {"__builtins__": {}, "n": 3, "name": "text"}
    for index in range(count):
        if index % 10 == 0:
            leaf = gt.ones(4, requires_grad=True)
            leaf.grad = gt.zeros(4)
            namespace[f"w{index}"] = leaf
        else:
            namespace[f"t{index}"] = gt.ones(4)
    return namespace


def measure(namespace, repeats=200):
    """Median milliseconds of snapshot + snapshot + diff."""
    types = tensor_and_module_types()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        before = Snapshot(namespace)
        after = Snapshot(namespace)
        changed_tensors(before, after)
        changed_grads(before, after)
        timings.append((time.perf_counter() - start) * 1000)
    assert types
    timings.sort()
    return timings[len(timings) // 2]


def main():
    median = measure(make_namespace())
    verdict = "within" if median <= BUDGET_MS else "OVER"
    print(f"report snapshot+diff, {LIVE_TENSORS} live tensors: {median:.3f} ms (median; budget {BUDGET_MS} ms, {verdict})")


if __name__ == "__main__":
    main()
