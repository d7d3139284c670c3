"""Anomaly detection: name the forward op whose backward produced NaN, and show where it ran."""
import os
import traceback
import warnings

_ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_TRIGGERED = " (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/python_anomaly_mode.cpp:122.)"


class _AnomalyState:
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


STATE = _AnomalyState()


def record_forward(node):
    """Called when a node is made while anomaly mode is on: keep the user's forward stack for the warning."""
    stack = traceback.extract_stack()
    # The engine's own frames (op dispatch, Function.apply) say nothing to the user; torch shows none.
    node._extras()["anomaly_trace"] = traceback.StackSummary.from_list(
        [frame for frame in stack if not frame.filename.startswith(_ENGINE_DIR)])


def check(node, outs):
    """After a node's backward: warn with its forward traceback and raise if a gradient holds NaN."""
    if not STATE.check_nan:
        return
    for i, g in enumerate(outs):
        if g is None:
            continue
        data = g._data
        if data.dtype.kind in "fc" and bool((data != data).any()):
            warn_forward_trace(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def warn_forward_trace(node):
    """torch's 'Error detected in <Node>' warning, with the stack recorded when the node was made."""
    trace = node._anomaly_trace
    if trace is None:
        return
    warnings.warn(
        f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
        f"{''.join(trace.format())}{_TRIGGERED}",
        UserWarning,
        stacklevel=3,
    )


class detect_anomaly:
    """Context manager (and decorator) that turns on anomaly detection for the autograd engine."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.prev = STATE.enabled
        self.prev_check_nan = STATE.check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
            "for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self):
        self.prev, self.prev_check_nan = STATE.enabled, STATE.check_nan
        STATE.enabled, STATE.check_nan = True, self.check_nan
        return None

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self.prev, self.prev_check_nan
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Sets anomaly detection on or off, right away; as a context manager, restores the old setting on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev, self.prev_check_nan = STATE.enabled, STATE.check_nan
        STATE.enabled, STATE.check_nan = bool(mode), check_nan

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self.prev, self.prev_check_nan
        return False


def is_anomaly_enabled():
    """Whether anomaly detection is on."""
    return STATE.enabled


def is_anomaly_check_nan_enabled():
    """Whether anomaly detection checks backward results for NaN."""
    return STATE.check_nan
