"""gradcheck / gradgradcheck: results and GradcheckError texts as torch gives them."""
import warnings

import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd.gradcheck import GradcheckError


def _wrong_product(lib):
    class WrongProduct(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, g1, g2):
            x, y = ctx.saved_tensors
            return g1 * y + g2, g1 * x * 2 + g2  # the second gradient is doubled by mistake

    return WrongProduct


def _outcome(lib, check, *args, **kwargs):
    try:
        return ("ok", check(*args, **kwargs))
    except Exception as err:  # the type and text are what is compared
        return (type(err).__name__, str(err))


def _pair(lib, dtype_name="float64"):
    dtype = getattr(lib, dtype_name)
    return (lib.tensor([1., 2.], dtype=dtype, requires_grad=True),
            lib.tensor([3., 4.], dtype=dtype, requires_grad=True))


CASES = {
    "correct_function": lambda lib, x, y: (lib.autograd.gradcheck, lambda a, b: (a * b).sin(), (x, y)),
    "wrong_backward": lambda lib, x, y: (lib.autograd.gradcheck, _wrong_product(lib).apply, (x, y)),
    "wrong_backward_no_raise": lambda lib, x, y: (
        lambda f, i: lib.autograd.gradcheck(f, i, raise_exception=False), _wrong_product(lib).apply, (x, y)),
    "constant_input": lambda lib, x, y: (lib.autograd.gradcheck, lambda a, b: (a * b).sin(), (x, y.detach())),
    "no_input_requires_grad": lambda lib, x, y: (lib.autograd.gradcheck, lambda a: a * 2, (x.detach(),)),
    "non_tensor_argument": lambda lib, x, y: (lib.autograd.gradcheck, lambda a, k: a * k, (x, 3.0)),
    "integer_output_only": lambda lib, x, y: (lib.autograd.gradcheck, lambda a: a.argmax(), (x,)),
    "integer_and_float_outputs": lambda lib, x, y: (lib.autograd.gradcheck, lambda a: (a * 2, a.argmax()), (x,)),
    "matrix_input_reduced_output": lambda lib, x, y: (
        lib.autograd.gradcheck, lambda m: _wrong_product(lib).apply(m, m)[0].sum(0), (x.reshape(2, 1) * 1.,)),
    "gradgradcheck_correct": lambda lib, x, y: (lib.autograd.gradgradcheck, lambda a, b: (a * b).sin(), (x, y)),
    "gradgradcheck_linear_none_gradients": lambda lib, x, y: (lib.autograd.gradgradcheck, lambda a, b: a + b, (x, y)),
    "gradgradcheck_given_grad_outputs": lambda lib, x, y: (
        lambda f, i: lib.autograd.gradgradcheck(f, i, (lib.tensor([1., -1.], dtype=lib.float64, requires_grad=True),)),
        lambda a: a ** 3, x),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, real_torch):
    outcomes = []
    for lib in (gt, real_torch):
        check, fn, inputs = CASES[name](lib, *_pair(lib))
        outcomes.append(_outcome(lib, check, fn, inputs))
    assert outcomes[0] == outcomes[1]


def test_mismatch_message_text():
    x, y = _pair(gt)
    with pytest.raises(GradcheckError) as err:
        gt.autograd.gradcheck(_wrong_product(gt).apply, (x, y))
    assert str(err.value) == (
        "Jacobian mismatch for output 0 with respect to input 1,\n"
        "numerical:tensor([[1.0000, 0.0000],\n        [0.0000, 2.0000]], dtype=torch.float64)\n"
        "analytical:tensor([[2., 0.],\n        [0., 4.]], dtype=torch.float64)\n")
    assert isinstance(err.value, RuntimeError)


@pytest.mark.torch
def test_float32_inputs_warn_and_differences_are_taken_in_float32(real_torch):
    outcomes = []
    for lib in (gt, real_torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outcome = _outcome(lib, lib.autograd.gradcheck, lambda a: a * 2, (lib.tensor([1., 2.], requires_grad=True),))
        outcomes.append((outcome, [str(w.message) for w in caught if w.category is UserWarning]))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == ["Input #0 requires gradient and is not a double precision floating point or complex. "
                              "This check will likely fail if all the inputs are not of double precision floating "
                              "point or complex. "]


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    class DetachedSecond(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x.detach()  # right value, half of the second derivative is lost

    x = gt.tensor([1., 2.], dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradcheck(DetachedSecond.apply, x)
    with pytest.raises(GradcheckError, match=r"^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:"):
        gt.autograd.gradgradcheck(DetachedSecond.apply, x)
    assert gt.autograd.gradgradcheck(DetachedSecond.apply, x, raise_exception=False) is False


@pytest.mark.parametrize("fn", [
    lambda a, b: (a.exp() * b).tanh(),
    lambda a, b: (a @ b.t()).sigmoid().sum(1),
    lambda a, b: (a / b).sqrt() * a.log1p(),
])
def test_engine_ops_pass_gradcheck_and_gradgradcheck(fn):
    a = gt.tensor([[0.3, 0.8], [1.1, 0.4]], dtype=gt.float64, requires_grad=True)
    b = gt.tensor([[0.9, 0.2], [0.5, 1.3]], dtype=gt.float64, requires_grad=True)
    assert gt.autograd.gradcheck(fn, (a, b))
    assert gt.autograd.gradgradcheck(fn, (a, b))


# The backward ops (aten::tanh_backward, _softmax_backward_data, ...) are differentiated in turn when
# a gradient's graph is differentiated: third derivatives check their own backward formulas.
@pytest.mark.parametrize("name, fn", [
    ("tanh", lambda x: x.tanh()),
    ("sigmoid", lambda x: x.sigmoid()),
    ("relu", lambda x: (x * x).relu()),
    ("softmax", lambda x: gt.softmax(x, 1) * gt.arange(3.0, dtype=gt.float64)),
    ("log_softmax", lambda x: gt.log_softmax(x, 1) * gt.arange(3.0, dtype=gt.float64)),
])
def test_third_derivatives_through_backward_ops_match_finite_differences(name, fn):
    x = gt.tensor([[0.3, -1.2, 0.7], [1.5, 0.1, -0.4]], dtype=gt.float64, requires_grad=True)

    def first_derivative(t):
        (grad,) = gt.autograd.grad((fn(t) ** 2).sum(), t, create_graph=True)
        return grad

    assert gt.autograd.gradgradcheck(first_derivative, (x,), eps=1e-6, atol=1e-5, rtol=1e-4)
