"""Anomaly detection: name the forward op whose backward produced NaN."""
import traceback
import warnings


class _AnomalyState:
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


STATE = _AnomalyState()


def record_forward(node):
    """Called when a node is made while anomaly mode is on: keep the forward stack for error messages."""
    node._extras()["anomaly_trace"] = "".join(traceback.format_stack()[:-3])


def check(node, outs):
    if not STATE.check_nan:
        return
    for i, g in enumerate(outs):
        if g is None:
            continue
        data = g._data
        if data.dtype.kind in "fc" and bool((data != data).any()):
            trace = node._anomaly_trace
            if trace:
                warnings.warn(
                    f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{trace}",
                    UserWarning,
                    stacklevel=2,
                )
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


class detect_anomaly:
    """Context manager that turns on anomaly detection for the autograd engine."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled, STATE.check_nan = True, self.check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
            "for debugging.",
            UserWarning,
            stacklevel=2,
        )
        return self

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self._prev
        return False


class set_detect_anomaly:
    """Sets anomaly detection on or off (also usable as a context manager)."""

    def __init__(self, mode, check_nan=True):
        self._prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled, STATE.check_nan = bool(mode), check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self._prev
        return False


def is_anomaly_enabled():
    return STATE.enabled
