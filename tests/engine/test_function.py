"""Custom autograd.Function: the ctx contract, grad_fn naming, checks on backward's results, double backward."""
import re
import warnings

import numpy as np
import pytest

import gradtrace.engine as gt


def _library(lib):
    """The same custom Functions defined against `lib` (gradtrace.engine or real torch)."""

    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k=2.0):
            ctx.save_for_backward(x)
            ctx.k = k
            ctx.seen_needs = ctx.needs_input_grad
            return x * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.k, None

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x ** 3
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * 3 * y / x

    class Identity(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class DoubleInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class WithIndex(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            index = x.argmax()
            ctx.mark_non_differentiable(index)
            return x * 2, index

        @staticmethod
        def backward(ctx, g, g_index):
            ctx.g_index = g_index
            return g * 2

    class TwoOutputs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, materialize):
            ctx.set_materialize_grads(materialize)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.received = (g1, g2)
            return g1 if g2 is None else g1 + 2 * g2, None

    def bad(backward):
        return type("Bad", (lib.autograd.Function,), {
            "forward": staticmethod(lambda ctx, x, k: x * k),
            "backward": staticmethod(backward),
        })

    return {"Scale": Scale, "Cube": Cube, "Identity": Identity, "DoubleInPlace": DoubleInPlace,
            "WithIndex": WithIndex, "TwoOutputs": TwoOutputs, "bad": bad}


OURS = _library(gt)


def _strip_addresses(text):
    return re.sub(r"0x[0-9a-f]+", "0x", text)


def test_apply_names_the_node_after_the_function_and_backward_uses_ctx():
    x = gt.tensor([1., 2.], requires_grad=True)
    y = OURS["Scale"].apply(x, 3.0)
    assert type(y.grad_fn).__name__ == "ScaleBackward" and y.grad_fn.name() == "ScaleBackward"
    assert _strip_addresses(repr(y.grad_fn)) == "<torch.autograd.function.ScaleBackward object at 0x>"
    assert repr(y) == "tensor([3., 6.], grad_fn=<ScaleBackward>)"
    assert y.grad_fn.next_functions[0][0] is x._accumulator() and len(y.grad_fn.next_functions) == 1
    assert y.grad_fn.needs_input_grad == (True, False)
    y.sum().backward()
    assert x.grad.tolist() == [3., 3.]


@pytest.mark.torch
def test_keyword_arguments_are_inputs_like_torch(real_torch):
    for lib, fns in ((gt, OURS), (real_torch, _library(real_torch))):
        x = lib.tensor([1., 2.], requires_grad=True)
        by_keyword = fns["Scale"].apply(x, k=4.0)
        all_keywords = fns["Scale"].apply(x=x, k=5.0)
        default = fns["Scale"].apply(x)
        assert by_keyword.tolist() == [4., 8.] and all_keywords.tolist() == [5., 10.]
        assert by_keyword.grad_fn.seen_needs == (True, False)
        assert default.grad_fn.seen_needs == (True,)


def test_saved_tensors_are_freed_after_backward():
    x = gt.tensor([1., 2.], requires_grad=True)
    y = OURS["Scale"].apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        y.sum().backward()


def test_saved_tensors_refuse_in_place_changes():
    x = gt.tensor([1., 2.], requires_grad=True)
    y = OURS["Scale"].apply(x)
    with gt.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError) as err:
        y.sum().backward()
    assert str(err.value) == (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[torch.FloatTensor [2]] is at version 1; expected version 0 instead. Hint: enable anomaly detection to "
        "find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def test_saved_output_unpacks_with_this_node_as_grad_fn_and_gives_second_derivatives():
    x = gt.tensor([2.], dtype=gt.float64, requires_grad=True)
    y = OURS["Cube"].apply(x)
    x2, y2 = y.grad_fn.saved_tensors
    assert x2 is x and y2.grad_fn is y.grad_fn and y2.requires_grad and y2.tolist() == [8.]
    (g,) = gt.autograd.grad(y, x, create_graph=True)
    assert g.tolist() == [12.] and g.requires_grad
    (h,) = gt.autograd.grad(g, x)
    assert h.tolist() == [12.]  # d/dx 3x^2 = 6x


def test_second_derivative_matches_finite_differences():
    def first_derivative(value):
        x = gt.tensor([value], dtype=gt.float64, requires_grad=True)
        return gt.autograd.grad(OURS["Cube"].apply(x).sin(), x)[0].item()

    x = gt.tensor([0.7], dtype=gt.float64, requires_grad=True)
    (g,) = gt.autograd.grad(OURS["Cube"].apply(x).sin(), x, create_graph=True)
    (h,) = gt.autograd.grad(g, x)
    eps = 1e-6
    expected = (first_derivative(0.7 + eps) - first_derivative(0.7 - eps)) / (2 * eps)
    np.testing.assert_allclose(h.item(), expected, rtol=1e-7)


def test_input_returned_unchanged_becomes_a_view_with_the_function_as_grad_fn():
    x = gt.tensor([1., 2.], requires_grad=True)
    z = OURS["Identity"].apply(x)
    assert z is not x and x.grad_fn is None
    assert repr(z) == "tensor([1., 2.], grad_fn=<IdentityBackward>)"


def test_mark_dirty_rewrites_the_history_of_the_modified_input():
    x = gt.tensor([1., 2.], requires_grad=True)
    a = x.clone()
    b = OURS["DoubleInPlace"].apply(a)
    assert b is a and a._version == 2  # once by mul_, once for being marked dirty
    assert type(a.grad_fn).__name__ == "DoubleInPlaceBackward"
    assert a.grad_fn.next_functions[0][0].name() == "CloneBackward0"
    a.sum().backward()
    assert x.grad.tolist() == [2., 2.]


def test_mark_dirty_on_a_leaf_that_requires_grad_raises():
    with pytest.raises(RuntimeError) as err:
        OURS["DoubleInPlace"].apply(gt.tensor([1., 2.], requires_grad=True))
    assert str(err.value) == "a leaf Variable that requires grad has been used in an in-place operation."


def test_non_differentiable_outputs_get_materialized_zero_gradients():
    x = gt.tensor([1., 3., 2.], requires_grad=True)
    doubled, index = OURS["WithIndex"].apply(x)
    assert not index.requires_grad and index.grad_fn is None
    assert repr(doubled) == "tensor([2., 6., 4.], grad_fn=<WithIndexBackward>)"
    doubled.sum().backward()
    assert repr(doubled.grad_fn.g_index) == "tensor(0)"
    assert x.grad.tolist() == [2., 2., 2.]


@pytest.mark.parametrize("materialize, expected_second", [(True, "tensor([0., 0.])"), (False, "None")])
def test_set_materialize_grads(materialize, expected_second):
    x = gt.tensor([1., 2.], requires_grad=True)
    p, q = OURS["TwoOutputs"].apply(x, materialize)
    assert q.grad_fn is p.grad_fn and q._output_nr == 1
    p.sum().backward()
    g1, g2 = p.grad_fn.received
    assert repr(g1) == "tensor([1., 1.])" and repr(g2) == expected_second


@pytest.mark.torch
@pytest.mark.parametrize("backward", [
    lambda ctx, g: g,
    lambda ctx, g: (g, g),
    lambda ctx, g: (g, None, None),
    lambda ctx, g: (g[:1], None),
    lambda ctx, g: (g.sum(), None),
    lambda ctx, g: (g.expand(3, 2), None),
], ids=["too_few", "grad_for_number", "extra_nones", "wrong_shape", "scalar", "broadcast_summed"])
def test_checks_on_the_gradients_backward_returns_match_torch(backward, real_torch):
    outcomes = []
    for lib, fns in ((gt, OURS), (real_torch, _library(real_torch))):
        x = lib.tensor([1., 2.], requires_grad=True)
        try:
            fns["bad"](backward).apply(x, 2.0).sum().backward()
            outcomes.append(("ok", x.grad.tolist()))
        except RuntimeError as err:
            outcomes.append(("error", str(err)))
    assert outcomes[0] == outcomes[1]


def test_no_graph_when_no_input_requires_grad_or_grad_mode_is_off():
    x = gt.tensor([1., 2.], requires_grad=True)
    with gt.no_grad():
        y = OURS["Scale"].apply(x)
    assert y.grad_fn is None and not y.requires_grad
    assert OURS["Scale"].apply(x.detach()).grad_fn is None


def test_setup_context_style():
    class Square(gt.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = gt.tensor([3.], requires_grad=True)
    Square.apply(x).backward()
    assert x.grad.tolist() == [6.]


def test_once_differentiable_backward_refuses_a_second_differentiation():
    class Square(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @gt.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = gt.tensor([3.], requires_grad=True)
    y = Square.apply(x)
    (g,) = gt.autograd.grad(y, x, gt.ones(1, requires_grad=True), create_graph=True)
    assert g.tolist() == [6.] and g.requires_grad
    with pytest.raises(RuntimeError, match="^trying to differentiate twice a function that was marked with "
                                           "@once_differentiable$"):
        g.sum().backward()


def test_legacy_instantiation_warns_and_calling_raises():
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        fn = OURS["Scale"]()
    with pytest.raises(RuntimeError, match="^Legacy autograd function with non-static forward method"):
        fn(gt.ones(1))


def test_missing_backward_raises_torch_error():
    class NoBackward(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(NotImplementedError) as err:
        NoBackward.apply(gt.ones(2, requires_grad=True)).sum().backward()
    assert str(err.value) == ("You must implement either the backward or vjp method for your custom "
                              "autograd.Function to use it with backward mode AD.")


def test_gradient_none_for_a_non_leaf_input_still_reaches_other_paths():
    class Pick(gt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return None, g

    x = gt.tensor([1., 2.], requires_grad=True)
    Pick.apply(x * 2, x).sum().backward()
    assert x.grad.tolist() == [1., 1.]
