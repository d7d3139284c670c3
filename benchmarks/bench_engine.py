"""Engine speed, measured side by side in one run: ratios against PyTorch and hand-written numpy.

    python benchmarks/bench_engine.py

1. small tensors: 1000 x `z = (z / x) * y` on 2x3 float32 leaves, then `z.sum().backward()`
   (engine / PyTorch with one thread; target <= 1.5, aim 1.0)
2. MLP forward+backward: 256x1024 input, 1024 hidden, tanh, 10 outputs, float32
   (engine / hand-written numpy with hand-derived gradients; target <= 1.15, aim 1.05)
3. a 20,000-deep scalar chain: backward completes (engine / PyTorch reported)
4. the blitz tutorial's LeNet (two 5x5 convs, max pools, three Linear layers) on a batch of 64 32x32
   images, forward + MSE + backward (engine / PyTorch with one thread, reported)
"""
import statistics
import sys
import time

import numpy as np

import gradtrace.engine as gt

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # the ratios against PyTorch are skipped without it
    torch = None


def best_of(fn, repeat=7):
    """Median wall time of `repeat` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def small_tensor_loop(lib):
    def run():
        x = lib.ones(2, 3, requires_grad=True)
        y = lib.full((2, 3), 1.0001, requires_grad=True)
        z = lib.ones(2, 3, requires_grad=True)
        for _ in range(1000):
            z = (z / x) * y
        z.sum().backward()

    return run


def mlp_engine(X, W1, b1, W2, b2):
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


def main():
    rows = []
    eng = best_of(small_tensor_loop(gt))
    if torch is not None:
        ref = best_of(small_tensor_loop(torch))
        rows.append(("small tensors, 1000 x (z/x)*y + backward", eng, ref, "PyTorch (1 thread)", "<= 1.5"))
    else:
        rows.append(("small tensors, 1000 x (z/x)*y + backward", eng, None, "PyTorch (absent)", "<= 1.5"))

    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 1024)).astype(np.float32)
    W1 = (rng.standard_normal((1024, 1024)) * 0.03).astype(np.float32)
    b1 = np.zeros(1024, np.float32)
    W2 = (rng.standard_normal((1024, 10)) * 0.03).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    eng = best_of(mlp_engine(X, W1, b1, W2, b2), repeat=9)
    ref = best_of(mlp_numpy(X, W1, b1, W2, b2), repeat=9)
    rows.append(("MLP 256x1024 -> 1024 tanh -> 10, fwd+bwd", eng, ref, "hand-written numpy", "<= 1.15"))

    old = sys.getrecursionlimit()
    eng = best_of(deep_chain(gt), repeat=3)
    ref = best_of(deep_chain(torch), repeat=3) if torch is not None else None
    sys.setrecursionlimit(old)
    rows.append(("20,000-deep scalar chain, fwd+bwd", eng, ref, "PyTorch", "report"))

    eng = best_of(lenet(gt))
    ref = best_of(lenet(torch)) if torch is not None else None
    rows.append(("LeNet (blitz), batch 64, fwd+bwd", eng, ref, "PyTorch (1 thread)", "report"))

    print(f"{'benchmark':44} {'gradtrace':>11} {'baseline':>11} {'ratio':>7}  baseline / target")
    for name, e, r, base, target in rows:
        ratio = f"{e / r:7.2f}" if r else "    n/a"
        rs = f"{r * 1e3:9.2f}ms" if r else "        n/a"
        print(f"{name:44} {e * 1e3:9.2f}ms {rs} {ratio}  {base} / {target}")


if __name__ == "__main__":
    main()
