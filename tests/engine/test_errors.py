"""Every error and warning of reference section 3: the exception type and exact text, against real torch."""
import warnings

import pytest

import gradtrace.engine as gt

# (id, statements). Each runs with T bound to torch or gradtrace.engine and `a` a float leaf of shape (3,)
# that requires grad; the exception it raises must be the same type with the same text in both.
SITUATIONS = [
    ("backward_no_grad", "T.tensor([1., 2.]).sum().backward()"),
    ("backward_0d_no_grad", "T.tensor(1.).backward()"),
    ("backward_int", "T.tensor([1, 2]).sum().backward()"),
    ("backward_under_no_grad", "with T.no_grad():\n    y = (a * 2).sum()\ny.backward()"),
    ("backward_non_scalar", "(a * 2).backward()"),
    ("grad_non_scalar", "T.autograd.grad(a * 2, a)"),
    ("second_backward_mul", "y = (a * a).sum()\ny.backward()\ny.backward()"),
    ("second_backward_exp", "y = a.exp().sum()\ny.backward()\ny.backward()"),
    ("inplace_leaf_sin_", "T.sin_(a)"),
    ("inplace_leaf_iadd", "a += 1"),
    ("inplace_leaf_add_", "a.add_(1)"),
    ("inplace_leaf_exp_", "a.exp_()"),
    ("inplace_leaf_zero_", "a.zero_()"),
    ("inplace_leaf_setitem", "a[0] = 5."),
    ("inplace_leaf_view_mul_", "a[:1].mul_(2)"),
    ("version_saved_output_exp", "b = a * 1\nc = b.exp()\nc += 1\nc.sum().backward()"),
    ("version_saved_output_sigmoid",
     "b = T.ones(2, 2, requires_grad=True) * 1\nd = b.sigmoid()\nd[0, 0] = 0\nd.sum().backward()"),
    ("version_saved_output_tanh_double",
     "b = T.ones(2, dtype=T.float64, requires_grad=True)\nd = b.tanh()\nd.add_(1)\nd.sum().backward()"),
    ("version_saved_input", "b = a[:2] * 2\nd = b ** 2\nb.add_(1)\nd.sum().backward()"),
    ("version_saved_constant", "c = T.ones(2)\nd = a[:2] * c\nc.add_(1)\nd.sum().backward()"),
    ("version_transposed_view", "m = T.ones(2, 2, requires_grad=True) * 1\nd = m * m\nm.t().mul_(2)\nd.sum().backward()"),
    ("numpy_leaf", "a.numpy()"),
    ("numpy_nonleaf", "(a * 2).numpy()"),
    ("int_requires_grad_ctor", "T.tensor([1, 2], requires_grad=True)"),
    ("int_requires_grad_", "T.tensor([1, 2]).requires_grad_()"),
    ("int_requires_grad_attr", "t = T.tensor([1, 2])\nt.requires_grad = True"),
    ("nonleaf_requires_grad_false", "(a * 2).requires_grad = False"),
    ("broadcast_3_4", "T.ones(3) + T.ones(4)"),
    ("broadcast_23_32", "T.ones(2, 3) + T.ones(3, 2)"),
    ("broadcast_mul", "T.ones(2, 3) * T.ones(2)"),
    ("mv_mismatch", "T.ones(2, 3).mv(T.ones(4))"),
    ("matmul_mv_mismatch", "T.ones(2, 3) @ T.ones(4)"),
    ("mm_mismatch", "T.ones(2, 3).mm(T.ones(4, 5))"),
    ("matmul_mm_mismatch", "T.ones(2, 3) @ T.ones(4, 5)"),
    ("dot_matmul_mismatch", "T.ones(3) @ T.ones(4)"),
    ("dot_mismatch", "T.ones(3).dot(T.ones(4))"),
    ("mm_not_matrix", "T.ones(3).mm(T.ones(3, 3))"),
    ("mv_not_vector", "T.ones(3, 3).mv(T.ones(3, 1))"),
    ("grad_unused", "x = T.tensor(1., requires_grad=True)\ny = T.tensor(1., requires_grad=True)\n"
                    "T.autograd.grad(x * 2, [x, y])"),
    ("item_many", "T.tensor([1., 2.]).item()"),
    ("item_empty", "T.tensor([]).item()"),
    ("float_many", "float(T.tensor([1., 2.]))"),
    ("int_many", "int(T.tensor([1., 2.]))"),
    ("bool_many", "bool(T.tensor([1., 2.]))"),
    ("view_noncontig", "T.ones(2, 3).t().view(6)"),
    ("view_bad_size", "T.ones(2, 3).view(4)"),
    ("reshape_bad_size", "T.ones(2, 3).reshape(4)"),
    ("index_out_of_bounds", "T.ones(3)[5]"),
    ("dim_out_of_range", "T.ones(3).sum(1)"),
    ("cat_sizes", "T.cat([T.ones(2, 3), T.ones(2, 4)])"),
    ("stack_sizes", "T.stack([T.ones(3), T.ones(4)])"),
    ("mul_long_by_float_inplace", "T.ones(3, dtype=T.long).mul_(1.5)"),
    ("backward_gradient_shape", "(a * 2).backward(T.ones(2))"),
    ("ragged_list", "T.tensor([[1, 2], [3]])"),
    ("int_negative_power", "T.tensor([1, 2]) ** -1"),
    ("requires_grad_nonleaf_retain", "T.tensor([1., 2.]).retain_grad()"),
    ("hook_no_grad", "T.tensor([1.]).register_hook(lambda g: g)"),
    ("backward_inputs_empty", "(a * 2).sum().backward(inputs=[])"),
    ("grad_input_no_grad", "T.autograd.grad((a * 2).sum(), T.ones(2))"),
]


def _raise(T, source):
    """The (type name, message) a snippet raises, or None."""
    env = {"T": T, "a": T.tensor([1.0, 2.0, 3.0], requires_grad=True)}
    try:
        exec(source, env)
    except Exception as exc:  # the type is part of what is compared
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.torch
@pytest.mark.parametrize("source", [s for _, s in SITUATIONS], ids=[i for i, _ in SITUATIONS])
def test_error_matches_torch(real_torch, source):
    theirs = _raise(real_torch, source)
    assert theirs is not None
    assert _raise(gt, source) == theirs


# where no torch runs: the texts the reference verified
REFERENCE_TEXTS = [
    ("T.tensor([1., 2.]).sum().backward()", "RuntimeError",
     "element 0 of tensors does not require grad and does not have a grad_fn"),
    ("(a * 2).backward()", "RuntimeError", "grad can be implicitly created only for scalar outputs"),
    ("a.add_(1)", "RuntimeError", "a leaf Variable that requires grad is being used in an in-place operation."),
    ("T.ones(2, 3).mm(T.ones(4, 5))", "RuntimeError", "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ("b = a * 1\nc = b.exp()\nc += 1\nc.sum().backward()", "RuntimeError",
     "one of the variables needed for gradient computation has been modified by an inplace operation: "
     "[torch.FloatTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead. "
     "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
     "torch.autograd.set_detect_anomaly(True, check_nan=False).".replace("ExpBackward0", "Exp")),
    ("float(T.tensor([1., 2.]))", "ValueError", "only one element tensors can be converted to Python scalars"),
    ("T.ones(3)[5]", "IndexError", "index 5 is out of bounds for dimension 0 with size 3"),
]


@pytest.mark.parametrize("source,kind,message", REFERENCE_TEXTS)
def test_error_matches_reference_text(source, kind, message):
    assert _raise(gt, source) == (kind, message)


@pytest.mark.parametrize(
    "source",
    [
        "(a + a).sum()",  # no saved tensors: a second backward is fine and accumulates
        "a.data.add_(1)\n(a * 1).sum()",  # in-place through .data is allowed on a leaf
        "with T.no_grad():\n    a -= 0.1\n(a * 1).sum()",  # and under no_grad
        "(a * 2).sum()",
    ],
)
def test_allowed_situations_do_not_raise(source):
    env = {"T": gt, "a": gt.tensor([1.0, 2.0, 3.0], requires_grad=True)}
    *setup, last = source.split("\n")
    exec("\n".join(setup), env)
    y = eval(last, env)
    y.backward(retain_graph=False)
    if source.startswith("(a + a)"):
        y.backward()
        assert env["a"].grad.tolist() == [4.0, 4.0, 4.0]


def _non_leaf_grad_warning(T):
    c = T.tensor([1.0], requires_grad=True) * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert c.grad is None
    return [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.torch
def test_non_leaf_grad_warning_matches_torch(real_torch):
    ours = _non_leaf_grad_warning(gt)
    assert ours == _non_leaf_grad_warning(real_torch)
    assert ours[0][1].startswith("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed.")


def test_non_leaf_grad_warning_points_at_the_user_line():
    c = gt.tensor([1.0], requires_grad=True) * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c.grad  # noqa: B018 - the access is the point
    assert caught[0].filename == __file__


def test_retained_non_leaf_grad_does_not_warn():
    c = gt.tensor([1.0], requires_grad=True) * 2
    c.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert c.grad is None


@pytest.mark.torch
@pytest.mark.parametrize("key", ["a[0] = 1.", "a[1:] = 1.", "a[:] = 1.", "a[...] = 1.", "a[a > 1] = 0.",
                                 "a[[0]] = 1."])
def test_leaf_index_assignment_error_matches_torch(real_torch, key):
    assert _raise(gt, key) == _raise(real_torch, key)
