"""Anomaly detection: torch's error and warning when a backward produces NaN, and the mode switches."""
import warnings

import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import anomaly


def _divide_by_self(a):
    return a / a  # the forward line the warning must point at


def _nan_backward(lib):
    x = lib.tensor([0., 1.], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError) as err:
            with lib.autograd.detect_anomaly():
                _divide_by_self(x).sum().backward()
    return str(err.value), [w for w in caught if w.category is UserWarning]


@pytest.mark.torch
def test_nan_in_backward_raises_and_warns_like_torch(real_torch):
    ours, our_warnings = _nan_backward(gt)
    theirs, their_warnings = _nan_backward(real_torch)
    assert ours == theirs == "Function 'DivBackward0' returned nan values in its 1th output."
    assert [str(w.message).splitlines()[0] for w in our_warnings] == \
        [str(w.message).splitlines()[0] for w in their_warnings] == [
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
            "for debugging.",
            "Error detected in DivBackward0. Traceback of forward call that caused the error:"]
    trace = str(our_warnings[1].message)
    assert "in _divide_by_self\n    return a / a" in trace
    assert "gradtrace" not in trace.replace("gradtrace.engine as gt", "")  # no engine frames
    assert trace.endswith(" (Triggered internally at "
                          "/__w/pytorch/pytorch/torch/csrc/autograd/python_anomaly_mode.cpp:122.)")


def test_custom_function_nan_names_its_backward():
    class Log(gt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.log()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x - x) / (x - x)

    x = gt.tensor([1., 2.], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with gt.autograd.set_detect_anomaly(True):
            y = Log.apply(x)
            with pytest.raises(RuntimeError, match=r"^Function 'LogBackward' returned nan values in its 0th output\.$"):
                y.sum().backward()
    assert any(str(w.message).startswith("Error detected in LogBackward.") for w in caught)


def test_check_nan_false_lets_nan_through():
    x = gt.tensor([0., 1.], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with gt.autograd.detect_anomaly(check_nan=False):
            assert anomaly.is_anomaly_enabled() and not anomaly.is_anomaly_check_nan_enabled()
            (x / x).sum().backward()
    assert x.grad.isnan().tolist() == [True, False]


def test_switches_set_and_restore_the_mode():
    assert not gt.autograd.is_anomaly_enabled()
    gt.autograd.set_detect_anomaly(True)
    assert gt.autograd.is_anomaly_enabled()
    gt.autograd.set_detect_anomaly(False)
    assert not gt.autograd.is_anomaly_enabled()
    with gt.autograd.set_detect_anomaly(True):
        assert gt.autograd.is_anomaly_enabled()
    assert not gt.autograd.is_anomaly_enabled() and anomaly.is_anomaly_check_nan_enabled()


def test_no_anomaly_no_check():
    x = gt.tensor([0., 1.], requires_grad=True)
    (x / x).sum().backward()  # NaN gradient, but detection is off: no error
    assert x.grad.isnan().tolist() == [True, False]
