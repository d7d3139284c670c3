"""autograd.functional against real torch (structures, values, reprs, errors) and finite differences."""
import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import functional as F


def _inputs(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = lib.tensor([[0.5, -1.], [2., 0.25]], requires_grad=True)
    return x, y


# Each case calls the functional API of `lib` (gradtrace.engine or torch) on the same inputs.
CASES = {
    "jacobian_vector_to_vector": lambda lib, F, x, y: F.jacobian(lambda a: a ** 2, x),
    "jacobian_scalar_output": lambda lib, F, x, y: F.jacobian(lambda a: (a ** 2).sum(), x),
    "jacobian_scalar_input": lambda lib, F, x, y: F.jacobian(lambda a: a * 2, lib.tensor(1.5)),
    "jacobian_tuple_in_tuple_out": lambda lib, F, x, y: F.jacobian(lambda a, b: (a * 2, b @ b), (x, y)),
    "jacobian_tuple_in_single_out": lambda lib, F, x, y: F.jacobian(lambda a, b: a.sum() * b, (x, y)),
    "jacobian_single_in_tuple_out": lambda lib, F, x, y: F.jacobian(lambda a: (a.exp(), a.sin()), x),
    "jacobian_unused_input_zeros": lambda lib, F, x, y: F.jacobian(lambda a, b: a * 2, (x, y)),
    "jacobian_create_graph": lambda lib, F, x, y: F.jacobian(lambda a: a ** 3, x, create_graph=True),
    "jacobian_vectorize": lambda lib, F, x, y: F.jacobian(lambda a: a ** 3, x, vectorize=True),
    "jacobian_vectorize_tuples": lambda lib, F, x, y: F.jacobian(
        lambda a, b: (a * 2, b @ b), (x, y), vectorize=True),
    "jacobian_vectorize_create_graph": lambda lib, F, x, y: F.jacobian(
        lambda a, b: (a * 2, b @ b), (x, y), vectorize=True, create_graph=True),
    "jacobian_forward_mode_vectorized": lambda lib, F, x, y: F.jacobian(
        lambda a: a.tanh(), x.detach(), vectorize=True, strategy="forward-mode"),
    "jacobian_matrix_function": lambda lib, F, x, y: F.jacobian(lambda b: b @ b.t() + b.sum(0), y),
    "hessian_cubic": lambda lib, F, x, y: F.hessian(lambda a: (a ** 3).sum(), x),
    "hessian_tuple_inputs": lambda lib, F, x, y: F.hessian(lambda a, b: (a ** 2).sum() * (b ** 2).sum(), (x, y)),
    "hessian_create_graph": lambda lib, F, x, y: F.hessian(lambda a: (a ** 3).sum(), x, create_graph=True),
    "hessian_vectorize": lambda lib, F, x, y: F.hessian(lambda a: (a ** 3).sum(), x, vectorize=True),
    "hessian_of_linear_is_zero": lambda lib, F, x, y: F.hessian(lambda a: a.sum(), x),
    "hessian_matrix_input": lambda lib, F, x, y: F.hessian(lambda b: (b.sin() * b).sum() * b[0, 1], y),
    "vjp_with_v": lambda lib, F, x, y: F.vjp(lambda a: a ** 2, x, lib.ones(3)),
    "vjp_scalar_without_v": lambda lib, F, x, y: F.vjp(lambda a: (a ** 2).sum(), x),
    "vjp_tuples": lambda lib, F, x, y: F.vjp(
        lambda a, b: (a * 2, b.sum()), (x, y), (lib.ones(3), lib.tensor(2.))),
    "vjp_create_graph": lambda lib, F, x, y: F.vjp(lambda a: a ** 2, x, lib.ones(3), create_graph=True),
    "jvp_with_v": lambda lib, F, x, y: F.jvp(lambda a: a ** 2, x, lib.ones(3)),
    "jvp_scalar_input_without_v": lambda lib, F, x, y: F.jvp(lambda a: a ** 2, lib.tensor(1.5)),
    "jvp_tuples": lambda lib, F, x, y: F.jvp(
        lambda a, b: (a * b[0, 0], b @ b), (x, y), (lib.ones(3), lib.ones(2, 2))),
    "jvp_create_graph": lambda lib, F, x, y: F.jvp(lambda a: a ** 2, x, lib.ones(3), create_graph=True),
    "jvp_strict_ok": lambda lib, F, x, y: F.jvp(lambda a: a ** 2, x, lib.ones(3), strict=True),
    "vhp": lambda lib, F, x, y: F.vhp(lambda a: (a ** 3).sum(), x, lib.tensor([1., 0., -1.])),
    "hvp": lambda lib, F, x, y: F.hvp(lambda a: (a ** 3).sum(), x, lib.tensor([1., 0., -1.])),
    "hvp_tuples": lambda lib, F, x, y: F.hvp(
        lambda a, b: (a ** 3).sum() * b.sum(), (x, y), (lib.ones(3), lib.ones(2, 2))),
    "vhp_tuples_create_graph": lambda lib, F, x, y: F.vhp(
        lambda a, b: (a ** 3).sum() * b.sum(), (x, y), (lib.ones(3), lib.ones(2, 2)), create_graph=True),
    "hvp_create_graph": lambda lib, F, x, y: F.hvp(lambda a: (a ** 3).sum(), x, lib.ones(3), create_graph=True),
    "vhp_linear_function": lambda lib, F, x, y: F.vhp(lambda a: a.sum(), x, lib.ones(3)),
    "vhp_scalar_input_without_v": lambda lib, F, x, y: F.vhp(lambda a: a.sin(), lib.tensor(0.5)),
    "hvp_strict_quadratic": lambda lib, F, x, y: F.hvp(lambda a: (a ** 2).sum(), x, lib.ones(3), strict=True),
    "vhp_strict_quadratic_create_graph": lambda lib, F, x, y: F.vhp(
        lambda a: (a ** 2).sum(), x, lib.ones(3), strict=True, create_graph=True),
}

ERROR_CASES = {
    "jacobian_strict_unused_input": lambda lib, F, x, y: F.jacobian(lambda a, b: a * 2, (x, y), strict=True),
    "jacobian_strict_constant_output": lambda lib, F, x, y: F.jacobian(lambda a: lib.ones(3), x, strict=True),
    "jacobian_strict_create_graph_linear": lambda lib, F, x, y: F.jacobian(
        lambda a: a, x, strict=True, create_graph=True),
    "jacobian_strict_vectorize": lambda lib, F, x, y: F.jacobian(lambda a: a * 2, x, strict=True, vectorize=True),
    "jacobian_list_input": lambda lib, F, x, y: F.jacobian(lambda a: a, [x]),
    "jacobian_non_tensor_output": lambda lib, F, x, y: F.jacobian(lambda a: 3, x),
    "jacobian_tuple_with_number": lambda lib, F, x, y: F.jacobian(lambda a, b: a, (x, 2.0)),
    "jacobian_bad_strategy": lambda lib, F, x, y: F.jacobian(lambda a: a, x, strategy="foo"),
    "jacobian_forward_mode_create_graph": lambda lib, F, x, y: F.jacobian(
        lambda a: a, x, create_graph=True, strategy="forward-mode"),
    "jacobian_forward_mode_not_vectorized": lambda lib, F, x, y: F.jacobian(
        lambda a: a, x, strategy="forward-mode"),
    "hessian_vector_output": lambda lib, F, x, y: F.hessian(lambda a: a ** 3, x),
    "hessian_tuple_output": lambda lib, F, x, y: F.hessian(lambda a: (a.sum(), a.sum()), x),
    "hessian_strict_linear": lambda lib, F, x, y: F.hessian(lambda a: a.sum(), x, strict=True),
    "vjp_without_v_vector_output": lambda lib, F, x, y: F.vjp(lambda a: a ** 2, x),
    "vjp_v_wrong_size": lambda lib, F, x, y: F.vjp(lambda a: a ** 2, x, lib.ones(2)),
    "vjp_v_wrong_length": lambda lib, F, x, y: F.vjp(lambda a, b: (a * 2, b.sum()), (x, y), (lib.ones(3),)),
    "vjp_v_tuple_entry_wrong_size": lambda lib, F, x, y: F.vjp(
        lambda a, b: (a * 2, b.sum()), (x, y), (lib.ones(3), lib.ones(2))),
    "vjp_single_output_two_v": lambda lib, F, x, y: F.vjp(lambda a: a * 2, x, (lib.ones(3), lib.ones(3))),
    "vjp_strict_unused_input": lambda lib, F, x, y: F.vjp(lambda a, b: a * 2, (x, y), lib.ones(3), strict=True),
    "jvp_without_v_vector_input": lambda lib, F, x, y: F.jvp(lambda a: a ** 2, x),
    "jvp_strict_constant_output": lambda lib, F, x, y: F.jvp(lambda a: lib.ones(3), x, lib.ones(3), strict=True),
    "hvp_vector_output": lambda lib, F, x, y: F.hvp(lambda a: a ** 3, x, lib.ones(3)),
    "vhp_tuple_output": lambda lib, F, x, y: F.vhp(lambda a: (a ** 3, a), x, lib.ones(3)),
    "vhp_many_elements": lambda lib, F, x, y: F.vhp(lambda a: a ** 3, x, lib.ones(3)),
    "hvp_strict_linear": lambda lib, F, x, y: F.hvp(lambda a: a.sum(), x, lib.ones(3), strict=True),
    "vhp_strict_linear": lambda lib, F, x, y: F.vhp(lambda a: a.sum(), x, lib.ones(3), strict=True),
    "vhp_without_v_vector_input": lambda lib, F, x, y: F.vhp(lambda a: (a ** 2).sum(), x),
}


def _call(case, lib, functional):
    x, y = _inputs(lib)
    return case(lib, functional, x, y)


def _leaves(result):
    if isinstance(result, tuple):
        return [leaf for item in result for leaf in _leaves(item)]
    return [result]


def _structure(result):
    if isinstance(result, tuple):
        return tuple(_structure(item) for item in result)
    return (tuple(result.shape), result.requires_grad)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_result_matches_torch(name, real_torch):
    ours = _call(CASES[name], gt, F)
    theirs = _call(CASES[name], real_torch, real_torch.autograd.functional)
    assert _structure(ours) == _structure(theirs)
    for mine, ref in zip(_leaves(ours), _leaves(theirs)):
        np.testing.assert_allclose(mine.detach().numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert repr(ours) == repr(theirs)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_error_matches_torch(name, real_torch):
    with pytest.raises(Exception) as theirs:
        _call(ERROR_CASES[name], real_torch, real_torch.autograd.functional)
    with pytest.raises(type(theirs.value)) as ours:
        _call(ERROR_CASES[name], gt, F)
    assert str(ours.value) == str(theirs.value)


def test_inputs_are_not_modified_and_results_are_detached():
    x = gt.tensor([1., 2.], requires_grad=True)
    jac = F.jacobian(lambda a: a * a, x)
    assert jac.grad_fn is None and not jac.requires_grad
    assert x.grad is None and x.is_leaf


def test_create_graph_result_is_differentiable_with_respect_to_the_inputs():
    x = gt.tensor([1., 2.], requires_grad=True)
    jac = F.jacobian(lambda a: a ** 3, x, create_graph=True)  # diag(3 x^2)
    jac.sum().backward()
    assert x.grad.tolist() == [6., 12.]


@pytest.mark.torch
def test_forward_mode_jacobian_stays_attached_to_inputs_that_require_grad(real_torch):
    ours = F.jacobian(lambda a: a ** 3, gt.tensor([1., 2.], requires_grad=True), vectorize=True,
                      strategy="forward-mode")
    theirs = real_torch.autograd.functional.jacobian(
        lambda a: a ** 3, real_torch.tensor([1., 2.], requires_grad=True), vectorize=True, strategy="forward-mode")
    assert ours.requires_grad and theirs.requires_grad
    assert ours.tolist() == theirs.tolist() == [[3., 0.], [0., 12.]]


def test_results_under_no_grad_are_plain_tensors():
    x = gt.tensor([1., 2.], requires_grad=True)
    with gt.no_grad():
        out, prod = F.vjp(lambda a: a.exp(), x, gt.ones(2))
    assert not out.requires_grad and not prod.requires_grad
    np.testing.assert_allclose(prod.numpy(), np.exp([1., 2.]))


# ---- finite differences in float64 -------------------------------------------------------------
def _function(a, b):
    return (a.sin() * b[:2]).sum(1) * b[1:].exp(), a @ a.t()


def _central_difference_jacobian(fn, inputs, out_index, in_index, eps=1e-6):
    base = [t.detach().numpy().copy() for t in inputs]
    out_shape = tuple(fn(*[gt.tensor(b) for b in base])[out_index].shape)
    columns = []
    for j in range(base[in_index].size):
        plus = [b.copy() for b in base]
        minus = [b.copy() for b in base]
        plus[in_index].reshape(-1)[j] += eps
        minus[in_index].reshape(-1)[j] -= eps
        hi = fn(*[gt.tensor(b) for b in plus])[out_index].numpy()
        lo = fn(*[gt.tensor(b) for b in minus])[out_index].numpy()
        columns.append(((hi - lo) / (2 * eps)).reshape(-1))
    return np.stack(columns, axis=1).reshape(out_shape + base[in_index].shape)


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_matches_central_differences(vectorize):
    gen = np.random.default_rng(0)
    a = gt.tensor(gen.standard_normal((3, 2)), requires_grad=True)
    b = gt.tensor(gen.standard_normal(4), requires_grad=True)
    jac = F.jacobian(_function, (a, b), vectorize=vectorize)
    assert [[tuple(j.shape) for j in row] for row in jac] == [[(3, 3, 2), (3, 4)], [(3, 3, 3, 2), (3, 3, 4)]]
    for o in range(2):
        for i in range(2):
            expected = _central_difference_jacobian(_function, (a, b), o, i)
            np.testing.assert_allclose(jac[o][i].numpy(), expected, rtol=1e-6, atol=1e-8)


def test_hessian_matches_differences_of_gradients():
    def energy(p, q):
        return (p.sin() * q[0]).sum() + (p * p).sum() * q.sum() ** 3 + (q.log() * q).sum()

    gen = np.random.default_rng(1)
    p0, q0 = gen.standard_normal(3), gen.uniform(0.5, 2.0, 2)
    hess = F.hessian(energy, (gt.tensor(p0, requires_grad=True), gt.tensor(q0, requires_grad=True)))

    def gradient(p, q):
        pt, qt = gt.tensor(p, requires_grad=True), gt.tensor(q, requires_grad=True)
        return [g.numpy() for g in gt.autograd.grad(energy(pt, qt), (pt, qt))]

    eps = 1e-6
    point = [p0, q0]
    for j_in in range(2):  # differentiate the gradient with respect to input j_in
        for k in range(point[j_in].size):
            hi = [v.copy() for v in point]
            lo = [v.copy() for v in point]
            hi[j_in][k] += eps
            lo[j_in][k] -= eps
            column = [(gh - gl) / (2 * eps) for gh, gl in zip(gradient(*hi), gradient(*lo))]
            for i_out in range(2):
                np.testing.assert_allclose(hess[i_out][j_in].numpy()[..., k], column[i_out], rtol=1e-5, atol=1e-7)


def test_hvp_and_vhp_agree_with_the_hessian():
    def f(a):
        return (a.sin() * a.sum()).sum()

    gen = np.random.default_rng(2)
    a = gt.tensor(gen.standard_normal(4), requires_grad=True)
    v = gt.tensor(gen.standard_normal(4))
    hess = F.hessian(f, a).numpy()
    np.testing.assert_allclose(F.hvp(f, a, v)[1].numpy(), hess @ v.numpy(), rtol=1e-10)
    np.testing.assert_allclose(F.vhp(f, a, v)[1].numpy(), v.numpy() @ hess, rtol=1e-10)


def test_jvp_and_vjp_agree_with_the_jacobian():
    gen = np.random.default_rng(3)
    a = gt.tensor(gen.standard_normal(3), requires_grad=True)
    u, w = gt.tensor(gen.standard_normal(3)), gt.tensor(gen.standard_normal(2))

    def f(t):
        return gt.stack([t.prod(), (t * t).sum().sqrt()])

    jac = F.jacobian(f, a).numpy()
    np.testing.assert_allclose(F.jvp(f, a, u)[1].numpy(), jac @ u.numpy(), rtol=1e-10)
    np.testing.assert_allclose(F.vjp(f, a, w)[1].numpy(), w.numpy() @ jac, rtol=1e-10)


@pytest.mark.torch
@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "sqrt", "reciprocal"])
def test_hessian_through_ops_whose_backward_uses_their_output(op, real_torch):
    values = [0.5, 1.5, 2.0]
    ours = F.hessian(lambda a: getattr(a, op)().sum(), gt.tensor(values, dtype=gt.float64))
    theirs = real_torch.autograd.functional.hessian(
        lambda a: getattr(a, op)().sum(), real_torch.tensor(values, dtype=real_torch.float64))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
