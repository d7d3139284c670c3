"""gradcheck / gradgradcheck: analytical gradients against float64 central finite differences."""
from .._grad_mode import no_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _differentiable_inputs(inputs):
    from .._tensor import Tensor

    return [(i, t) for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _numerical_jacobian(fn, inputs, out_index, eps):
    """J[i][k, j]: d out[k] / d input_i[j] by central differences, perturbing the inputs in place."""
    import numpy as np

    jacobians = []
    for _, t in _differentiable_inputs(inputs):
        flat = t._data.reshape(-1)
        cols = []
        for j in range(flat.size):
            orig = flat[j].item()
            with no_grad():
                flat[j] = orig + eps
                plus = _as_tuple(fn(*inputs))[out_index]._data.astype(np.float64).reshape(-1).copy()
                flat[j] = orig - eps
                minus = _as_tuple(fn(*inputs))[out_index]._data.astype(np.float64).reshape(-1).copy()
                flat[j] = orig
            cols.append((plus - minus) / (2 * eps))
        jacobians.append(np.stack(cols, axis=1) if cols else np.zeros((0, 0)))
    return jacobians


def _analytical_jacobian(fn, inputs, out_index):
    import numpy as np

    from .engine import grad as autograd_grad
    from ..ops.creation_ops import zeros_like

    out = _as_tuple(fn(*inputs))[out_index]
    diff = [t for _, t in _differentiable_inputs(inputs)]
    rows = [[] for _ in diff]
    n_out = out.numel()
    for k in range(n_out):
        seed = zeros_like(out)
        seed._data.reshape(-1)[k] = 1
        grads = autograd_grad(out, diff, seed, retain_graph=True, allow_unused=True) if out.requires_grad else [None] * len(diff)
        for i, g in enumerate(grads):
            rows[i].append(np.zeros(diff[i].numel()) if g is None else g._data.astype(np.float64).reshape(-1))
    return [np.stack(r, axis=0) if r else np.zeros((0, t.numel())) for r, t in zip(rows, diff)]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True when func's analytical Jacobian matches finite differences for every output and input."""
    import warnings

    import numpy as np

    inputs = _as_tuple(inputs)
    diff = _differentiable_inputs(inputs)
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.")
    for _, t in diff:
        if t.dtype.name != "float64":
            warnings.warn(
                f"Input #{_} requires gradient and is not a double precision floating point or complex. This check "
                "will likely fail if all the inputs are not of double precision floating point or complex. ",
                UserWarning,
                stacklevel=2,
            )
    outputs = _as_tuple(func(*inputs))
    for o_idx, out in enumerate(outputs):
        numerical = _numerical_jacobian(func, inputs, o_idx, eps)
        analytical = _analytical_jacobian(func, inputs, o_idx)
        for (i_idx, _), a, n in zip(diff, analytical, numerical):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {o_idx} with respect to input {i_idx},\n"
                    f"numerical:{_fmt(n)}\nanalytical:{_fmt(a)}\n"
                )
    return True


def _fmt(arr):
    from .._creation import tensor
    from .. import _dtype

    return repr(tensor(arr, dtype=_dtype.float64))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the gradient: checks second derivatives (create_graph backward formulas)."""
    from .. import _random
    from .._creation import tensor
    from .engine import grad as autograd_grad

    inputs = _as_tuple(inputs)
    outputs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        rng = _random.Generator().manual_seed(0)
        grad_outputs = tuple(
            tensor(rng.normal(tuple(o.shape), o._data.dtype), dtype=o.dtype, requires_grad=True) for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _as_tuple(func(*ins))
        diff = [t for _, t in _differentiable_inputs(ins)]
        return autograd_grad(outs, diff, gos, create_graph=True, allow_unused=True)

    return gradcheck(first_order, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
