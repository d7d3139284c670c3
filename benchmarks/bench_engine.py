"""Engine speed, measured side by side in one run: ratios against PyTorch and hand-written numpy.

    python benchmarks/bench_engine.py [--rounds N] [--load]

1. small tensors: 1000 x `z = (z / x) * y` on 2x3 float32 leaves, then `z.sum().backward()`
   (engine / PyTorch with one thread; target <= 1.0, aim 0.8)
2. MLP forward+backward: 256x1024 input, 1024 hidden, tanh, 10 outputs, float32
   (engine / hand-written numpy with hand-derived gradients; target <= 1.05)
3. a 20,000-deep scalar chain, forward + backward (engine / PyTorch; target <= 1.2), and a
   100,000-deep one that must still complete (its time is reported)
4. the blitz tutorial's LeNet (two 5x5 convs, max pools, three Linear layers) on a batch of 64 32x32
   images, forward + MSE + backward (engine / PyTorch with one thread, reported)

Each library runs in a process of its own, as a user's session would (a process that also holds
PyTorch's hundred thousand Python objects makes every full garbage collection slower). The machine
this runs on is shared, so each comparison alternates the two sides run by run and reports medians;
the ratio is the median of the per-pair ratios of CPU time (process_time: other processes' load does
not count), with the wall-clock ratio beside it. `--load` measures everything again while a competing
CPU-bound process spins (what a notebook next to a training job sees).
"""
import argparse
import importlib.util
import multiprocessing
import statistics
import sys
import time

import numpy as np

SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: the engine's worker never imports torch


def small_tensor_loop(lib):
    def run():
        x = lib.ones(2, 3, requires_grad=True)
        y = lib.full((2, 3), 1.0001, requires_grad=True)
        z = lib.ones(2, 3, requires_grad=True)
        for _ in range(1000):
            z = (z / x) * y
        z.sum().backward()

    return run


def mlp_engine(gt, X, W1, b1, W2, b2):
    W1g, b1g, W2g, b2g = (gt.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2))
    Xg = gt.from_numpy(X)

    def run():
        for p in (W1g, b1g, W2g, b2g):
            p.grad = None
        h = (Xg @ W1g + b1g).tanh()
        out = h @ W2g + b2g
        loss = (out * out).mean()
        loss.backward()

    return run


def mlp_numpy(X, W1, b1, W2, b2):
    def run():
        pre = X @ W1 + b1
        h = np.tanh(pre)
        out = h @ W2 + b2
        loss = (out * out).mean()
        d_out = (2.0 / out.size) * out
        gW2 = h.T @ d_out
        gb2 = d_out.sum(0)
        d_h = d_out @ W2.T
        d_pre = d_h * (1 - h * h)
        gW1 = X.T @ d_pre
        gb1 = d_pre.sum(0)
        return loss, gW1, gb1, gW2, gb2

    return run


def deep_chain(lib, depth=20000):
    def run():
        x = lib.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(depth):
            y = y * 1.0001
        y.backward()
        return x.grad

    return run


def lenet(lib, batch=64):
    """The "Neural Networks" blitz tutorial's network, one training step's forward and backward."""
    nn, F = lib.nn, lib.nn.functional
    lib.manual_seed(0)
    convs = [nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)]
    fcs = [nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)]
    x, target = lib.randn(batch, 1, 32, 32), lib.randn(batch, 10)

    def run():
        h = x
        for conv in convs:
            h = F.max_pool2d(F.relu(conv(h)), 2)
        h = lib.flatten(h, 1)
        for fc in fcs[:-1]:
            h = F.relu(fc(h))
        F.mse_loss(fcs[-1](h), target).backward()

    return run


def _library(name):
    if name == "gradtrace":
        import gradtrace.engine as lib
    elif name == "torch":
        import torch as lib
        lib.set_num_threads(1)
    else:
        lib = np
    return lib


def _mlp_arrays():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 1024)).astype(np.float32)
    W1 = (rng.standard_normal((1024, 1024)) * 0.03).astype(np.float32)
    b1 = np.zeros(1024, np.float32)
    W2 = (rng.standard_normal((1024, 10)) * 0.03).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    return X, W1, b1, W2, b2


def workload(lib, name):
    """The benchmark `name` written for `lib` (a callable that runs it once)."""
    if name == "small":
        return small_tensor_loop(lib)
    if name == "mlp":
        return mlp_numpy(*_mlp_arrays()) if lib is np else mlp_engine(lib, *_mlp_arrays())
    if name == "deep":
        return deep_chain(lib)
    if name == "deep100k":
        return deep_chain(lib, 100_000)
    return lenet(lib)


def _worker(library, conn):
    """Serve timing requests: receive a workload's name, run it once, send back (cpu, wall) seconds."""
    lib = _library(library)
    ready = {}
    while True:
        name = conn.recv()
        if name is None:
            return
        if name not in ready:
            ready[name] = workload(lib, name)
            ready[name]()  # warm-up
        wall, cpu = time.perf_counter(), time.process_time()
        ready[name]()
        conn.send((time.process_time() - cpu, time.perf_counter() - wall))


class Worker:
    """One library's process, running workloads on request."""

    def __init__(self, library):
        self.conn, child = SPAWN.Pipe()
        self.process = SPAWN.Process(target=_worker, args=(library, child), daemon=True)
        self.process.start()

    def time(self, name):
        self.conn.send(name)
        return self.conn.recv()

    def close(self):
        self.conn.send(None)
        self.process.join(10)


def paired(ours, theirs, name, rounds):
    """Alternate a workload between two workers `rounds` times: medians of (CPU, wall) seconds of
    both, and the median per-pair ratios ours/theirs (CPU, wall)."""
    samples = {"ours": [], "theirs": []}
    for _ in range(rounds):
        samples["ours"].append(ours.time(name))
        samples["theirs"].append(theirs.time(name))
    med = {key: tuple(statistics.median(col) for col in zip(*rows)) for key, rows in samples.items()}
    ratios = tuple(statistics.median(o[i] / t[i] for o, t in zip(samples["ours"], samples["theirs"]))
                   for i in (0, 1))
    return med["ours"], med["theirs"], ratios


def rows(rounds):
    """(name, ours (cpu, wall), baseline (cpu, wall) or None, (cpu, wall) ratios or None, baseline, target)."""
    engine, numpy_side = Worker("gradtrace"), Worker("numpy")
    reference = Worker("torch") if importlib.util.find_spec("torch") is not None else None
    try:
        out = []
        if reference is not None:
            out.append(("small tensors, 1000 x (z/x)*y + backward", *paired(engine, reference, "small", rounds),
                        "PyTorch (1 thread)", "<= 1.0 (aim 0.8)"))
        out.append(("MLP 256x1024 -> 1024 tanh -> 10, fwd+bwd", *paired(engine, numpy_side, "mlp", rounds),
                    "hand-written numpy", "<= 1.05"))
        if reference is not None:
            out.append(("20,000-deep scalar chain, fwd+bwd", *paired(engine, reference, "deep", max(3, rounds // 2)),
                        "PyTorch", "<= 1.2"))
        out.append(("100,000-deep scalar chain, fwd+bwd", engine.time("deep100k"), None, None, "-", "completes"))
        if reference is not None:
            out.append(("LeNet (blitz), batch 64, fwd+bwd", *paired(engine, reference, "lenet", rounds),
                        "PyTorch (1 thread)", "report"))
        return out
    finally:
        for worker in (engine, numpy_side, reference):
            if worker is not None:
                worker.close()


def _spin():
    while True:
        pass


def print_rows(title, table):
    print(title)
    print(f"{'benchmark':44} {'gradtrace':>10} {'baseline':>10} {'ratio cpu':>9} {'wall':>6}  baseline / target")
    for name, ours, theirs, ratios, base, target in table:
        ref = f"{theirs[0] * 1e3:8.2f}ms" if theirs else f"{'-':>10}"
        ratio = f"{ratios[0]:9.2f} {ratios[1]:6.2f}" if ratios else f"{'-':>9} {'-':>6}"
        print(f"{name:44} {ours[0] * 1e3:8.2f}ms {ref} {ratio}  {base} / {target}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="alternating runs per comparison (default 9)")
    parser.add_argument("--load", action="store_true",
                        help="measure a second time with a competing CPU-bound process running")
    args = parser.parse_args(argv)
    print_rows("quiet (times: medians of CPU time)", rows(args.rounds))
    if args.load:
        spinner = SPAWN.Process(target=_spin, daemon=True)
        spinner.start()
        try:
            print()
            print_rows("loaded: one competing CPU-bound process spins meanwhile", rows(args.rounds))
        finally:
            spinner.terminate()
            spinner.join()


if __name__ == "__main__":
    main()
