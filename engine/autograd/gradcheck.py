"""gradcheck / gradgradcheck: analytical gradients against central finite differences, like torch's slow mode.

Jacobians are laid out as torch prints them in its errors: one (numel(input), numel(output)) matrix per
differentiable input and differentiable output; numerical ones in the output's dtype, analytical ones in
the input's.
"""
import warnings

import numpy as np


class GradcheckError(RuntimeError):
    """Error raised by gradcheck and gradgradcheck."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x):
    from .._tensor import Tensor

    return isinstance(x, Tensor)


def _differentiable_inputs(inputs):
    """(position among all inputs, tensor) for every input that requires grad."""
    return [(i, t) for i, t in enumerate(inputs) if _is_tensor(t) and t.requires_grad]


def _differentiable_outputs(outputs):
    return tuple(o for o in _as_tuple(outputs) if o.requires_grad)


def _check_inputs(inputs):
    any_requires_grad = False
    for idx, t in enumerate(inputs):
        if _is_tensor(t) and t.requires_grad:
            if t.dtype.name not in ("float64", "complex128"):
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                    "This check will likely fail if all the inputs are not of double precision floating point or "
                    "complex. ",
                    UserWarning,
                    stacklevel=3,
                )
            if any(s == 0 for s, n in zip(t.stride(), t.shape) if n > 1):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs that are "
                    "non-overlapping to be able to compute the numerical gradients correctly. You should call "
                    ".contiguous on the input before passing it to gradcheck."
                )
            any_requires_grad = True
    if not any_requires_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have "
            "requires_grad=True."
        )


def _numerical_jacobians(func, inputs, eps):
    """J[input][output] as (numel(input), numel(output)) arrays, perturbing each input element in place."""
    outputs = [o for o in _as_tuple(func(*inputs)) if _is_tensor(o)]
    per_input = []
    for _, t in _differentiable_inputs(inputs):
        flat = t._data.reshape(-1)  # a view: writes reach the tensor the function reads
        columns = [[] for _ in outputs]
        for j in range(flat.size):
            orig = flat[j].item()
            # Grad mode stays as the caller has it: gradgradcheck's function calls autograd.grad.
            flat[j] = orig - eps
            low = [o._data.copy() for o in _as_tuple(func(*inputs)) if _is_tensor(o)]
            flat[j] = orig + eps
            high = [o._data.copy() for o in _as_tuple(func(*inputs)) if _is_tensor(o)]
            flat[j] = orig
            for k, (hi, lo, out) in enumerate(zip(high, low, outputs)):
                _check_same_shape_and_dtype(hi, lo, eps, j)
                dtype = out._data.dtype if out.dtype.is_floating_point or out.dtype.is_complex else np.dtype(np.float64)
                diff = (hi.astype(dtype) - lo.astype(dtype)) / dtype.type(2 * eps)
                columns[k].append(diff.reshape(-1))
        per_input.append([
            np.stack(col, axis=0) if col else np.zeros((0, out.numel()), dtype=out._data.dtype)
            for col, out in zip(columns, outputs)
        ])
    return outputs, per_input


def _check_same_shape_and_dtype(high, low, eps, index):
    if high.shape != low.shape:
        raise AssertionError(
            f"Expected `func` to return outputs with the same shape when inputs are perturbed on index {index} "
            f"by {eps}, but got: shapes {tuple(high.shape)} and {tuple(low.shape)}."
        )


def _analytical_jacobians(output, inputs, nondet_tol, check_grad_dtypes):
    """Rows of J from one vjp per output element, computed twice to check the backward is deterministic."""
    from ..ops.creation_ops import zeros_like
    from .engine import grad as autograd_grad

    diff = [t for _, t in _differentiable_inputs(inputs)]

    def rows():
        jac = [np.zeros((t.numel(), output.numel()), dtype=t._data.dtype) for t in diff]
        types_ok, sizes_ok = True, True
        for k in range(output.numel()):
            seed = zeros_like(output)
            seed._data.reshape(-1)[k] = 1
            grads = autograd_grad(output, diff, seed, retain_graph=True, allow_unused=True)
            for i, (g, t) in enumerate(zip(grads, diff)):
                if g is None:
                    continue
                types_ok = types_ok and g.dtype is t.dtype
                if g.numel() != t.numel():
                    sizes_ok = False
                    continue
                jac[i][:, k] = g._data.reshape(-1)
        return jac, types_ok, sizes_ok

    first, types_ok, sizes_ok = rows()
    second, _, _ = rows()
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    for a, b in zip(first, second):
        if a.size and np.max(np.abs(a - b)) > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                "times gives different values, although analytical gradient matches numerical gradient."
                f"The tolerance for nondeterminism was {nondet_tol}."
            )
    return first


def _as_printed_tensor(array):
    from .._tensor import Tensor

    return Tensor._make(np.ascontiguousarray(array))


def _check(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes):
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    func_out = _as_tuple(func(*inputs))
    all_outputs, numerical = _numerical_jacobians(func, inputs, eps)
    differentiable = [k for k, o in enumerate(all_outputs) if o.requires_grad]
    if not differentiable:
        for per_output in numerical:
            for jac in per_output:
                if np.count_nonzero(jac):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    outputs = [o for o in func_out if _is_tensor(o) and o.requires_grad]
    for i, (out, k) in enumerate(zip(outputs, differentiable)):
        analytical = _analytical_jacobians(out, inputs, nondet_tol, check_grad_dtypes)
        for j, a in enumerate(analytical):
            n = numerical[j][k]
            if not np.allclose(a, n.astype(np.result_type(a, n)), rtol=rtol, atol=atol):
                raise GradcheckError(
                    f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                    f"numerical:{_as_printed_tensor(n)!r}\nanalytical:{_as_printed_tensor(a)!r}\n"
                )
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True when func's analytical Jacobian matches central finite differences for every output and input.

    With raise_exception=False a mismatch returns False instead of raising GradcheckError. The
    forward-AD, batched and fast-mode switches are accepted for compatibility; the check is torch's
    slow mode.
    """
    try:
        return _check(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """gradcheck of the first derivatives: checks second derivatives (backward formulas under create_graph).

    Without grad_outputs, random ones uniform in [-1, 1) are drawn (like torch's make_tensor) for each
    differentiable output; gradients that come back None (inputs the output does not depend on) are
    left out of the checked function's outputs, as in torch.
    """
    from .. import _dtype
    from .._creation import rand
    from .engine import grad as autograd_grad

    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            (rand(tuple(o.shape), dtype=o.dtype if (o.dtype.is_floating_point or o.dtype.is_complex)
                  else _dtype.float64) * 2 - 1).requires_grad_(True)
            for o in outputs
        )
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_indices = {i for i, x in enumerate(tupled_inputs) if _is_tensor(x) and x.requires_grad}
    diff_grad_output_indices = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def first_derivatives(*args):
        input_args = tuple(x.requires_grad_() if i in diff_input_indices else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        grads_out = tuple(x.requires_grad_() if i in diff_grad_output_indices else x
                          for i, x in enumerate(args[-num_outputs:]))
        diff_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_indices)
        grads = autograd_grad(outputs, diff_args, grads_out, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev, masked=masked)
