"""The op-testing harness shared by test_ops.py, test_more_ops.py, test_norm.py and test_activations.py.

A case is one row `(id, fn, specs, ...)`: `fn(T, *inputs)` is written once against the torch API and runs
with T either real torch (the oracle) or gradtrace.engine; `specs` says how to make each input. A spec is
either a numpy array, used as is and never requiring grad (indices, masks, targets), or a string
"KIND:d0,d1,...": a random float input of that shape. "f" (a normal input that requires grad) and "c" (a
normal constant) mean the same everywhere; what the other kinds mean ("p", "u", "t") differs from file to
file, so each file passes its own `kinds`. Each file binds its settings once with functools.partial
(`_arrays = partial(make_arrays, kinds=KINDS)`, ...), so its tests read as before.

Not a test module: pytest collects nothing here. The test files import it as a sibling (`from op_harness
import ...`), which works because tests/engine has no __init__.py and pytest's default "prepend" import
mode puts the directory of each test file on sys.path before importing it.
"""
import zlib

import numpy as np

# gradcheck / gradgradcheck settings every file uses against float64 finite differences
GRADCHECK_TOLERANCES = {"eps": 1e-6, "atol": 1e-6, "rtol": 1e-5}
GRADGRADCHECK_TOLERANCES = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-4}


def _normal(rng, shape):
    return rng.standard_normal(shape)


def make_arrays(case, np_dtype, *, kinds, seed=None, no_grad_kinds=("c",)):
    """The numpy inputs of a case and, for each, whether it requires grad: `(arrays, flags)`.

    `kinds` maps a spec kind to `sample(rng, shape)`, which draws that kind's values as float64; "f" and "c"
    draw standard normal values unless `kinds` says otherwise, and a kind found in neither raises KeyError.
    Each float input is drawn in spec order from one generator, then cast to `np_dtype`. `seed` is that
    generator's seed; None (the default) seeds it with the CRC-32 of the case id, so every case has its own
    reproducible inputs. String specs whose kind is in `no_grad_kinds` are constants; array specs (copied)
    never require grad.
    """
    samplers = {"f": _normal, "c": _normal, **kinds}
    rng = np.random.default_rng(zlib.crc32(case[0].encode()) if seed is None else seed)
    values, flags = [], []
    for spec in case[2]:
        if isinstance(spec, np.ndarray):
            values.append(spec.copy())
            flags.append(False)
            continue
        kind, dims = spec.split(":")
        shape = tuple(int(d) for d in dims.split(","))
        values.append(samplers[kind](rng, shape).astype(np_dtype))
        flags.append(kind not in no_grad_kinds)
    return values, flags


def tensors(T, arrays, flags):
    """Fresh tensors of T (real torch or gradtrace.engine) holding copies of `arrays`, requiring grad per `flags`."""
    return [T.tensor(a.copy(), requires_grad=f) for a, f in zip(arrays, flags)]


def outputs(out):
    """The tensors an op returned, as a list (ops like split, sort and max(dim) return several)."""
    return list(out) if isinstance(out, (tuple, list)) else [out]


def float_outputs(outs):
    """The outputs that can carry a gradient: floating point and requiring grad."""
    return [o for o in outs if o.dtype.is_floating_point and o.requires_grad]


def float_op(fn, T):
    """`fn` as a function of the inputs alone (for gradcheck), returning a tuple of its floating point outputs."""

    def op(*inputs):
        return tuple(o for o in outputs(fn(T, *inputs)) if o.dtype.is_floating_point)

    return op


def assert_close(ours, theirs, dtype_name, what="", *, tolerances):
    """assert_allclose with the `(rtol, atol)` that `tolerances` gives for `dtype_name` ("float32", "float64")."""
    rtol, atol = tolerances[dtype_name]
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol, err_msg=what)


def grad_np(g, like, *, missing_in_input_dtype):
    """A gradient as numpy. A missing gradient reads as zeros of `like`'s shape: with `missing_in_input_dtype`,
    None and torch's ZeroTensor both read as zeros of the input's dtype; without it, only None is missing and
    it reads as float64 zeros (so a dtype check still tells a None on one side from a float32 gradient)."""
    if missing_in_input_dtype:
        if g is None or (hasattr(g, "_is_zerotensor") and g._is_zerotensor()):
            return np.zeros(tuple(like.shape), np.dtype(str(like.dtype).replace("torch.", "")))
        return g.detach().numpy()
    return np.zeros(tuple(like.shape)) if g is None else g.detach().numpy()


def gradients(T, case, arrays, flags, order, *, allow_unused=True, second_seed=2, every_gradient_draws=False,
              missing_in_input_dtype=False):
    """First or second order gradients of a weighted sum of the case's outputs, as numpy arrays, one per
    input that requires grad.

    The loss weighs every element of every differentiable output (see `float_outputs`) by standard normal
    weights drawn from a generator seeded with 1, output by output. Order 1 returns d loss / d inputs; order 2
    returns the gradient of sum(first_i * v_i) with random vectors v_i, or float64 zeros when no first-order
    gradient carries a graph. Settings where the files differ:

    - `allow_unused`: passed to the first-order autograd.grad; False makes an input the loss does not use
      an error (the second-order call always allows unused inputs).
    - `second_seed`: the seed of the generator the v_i come from; None draws them on from the weights'
      generator instead.
    - `every_gradient_draws`: draw a v_i for every first-order gradient, also those without a graph (which
      then add nothing); False draws only for those that have one.
    - `missing_in_input_dtype`: how a missing gradient reads (see `grad_np`).
    """
    inputs = tensors(T, arrays, flags)
    outs = float_outputs(outputs(case[1](T, *inputs)))
    diff = [t for t, f in zip(inputs, flags) if f]
    rng = np.random.default_rng(1)
    loss = _weighted_sum(T, outs, (rng.standard_normal(tuple(o.shape)) for o in outs))
    firsts = T.autograd.grad(loss, diff, create_graph=order == 2, allow_unused=allow_unused)
    if order == 2:
        vs = rng if second_seed is None else np.random.default_rng(second_seed)
        live = []
        for g, t in zip(firsts, diff):
            has_graph = g is not None and g.requires_grad
            if has_graph or (every_gradient_draws and g is not None):
                v = vs.standard_normal(tuple(t.shape))
                if has_graph:
                    live.append((g, v))
        if not live:
            return [np.zeros(tuple(t.shape)) for t in diff]
        inner = _weighted_sum(T, [g for g, _ in live], (v for _, v in live))
        firsts = T.autograd.grad(inner, diff, allow_unused=True)
    return [grad_np(g, t, missing_in_input_dtype=missing_in_input_dtype) for g, t in zip(firsts, diff)]


def _weighted_sum(T, tensors_, weights):
    """sum((x * w).sum()) over the tensors, each w (numpy) cast to its tensor's dtype; None when there are none."""
    total = None
    for x, w in zip(tensors_, weights):
        term = (x * T.tensor(w, dtype=x.dtype)).sum()
        total = term if total is None else total + term
    return total
