"""numpy's floating-point error state for the engine's own kernels: ignore, as torch computes 0/0, log(-1)
and overflow silently, while the user's own numpy code keeps whatever state they chose.

numpy 2 keeps that state in a context variable; setting it around an op is the cheapest scope there is
(np.errstate's context manager costs several times more per op). numpy 1.x has no such variable: there the
np.errstate context manager does the same thing, more slowly.
"""
import numpy as np

try:
    from numpy._core.umath import _extobj_contextvar, _make_extobj
except ImportError:  # numpy 1.x
    _extobj_contextvar = None

if _extobj_contextvar is not None:
    _IGNORE = _make_extobj(all="ignore")
    _set = _extobj_contextvar.set
    reset = _extobj_contextvar.reset

    def quiet():
        """Enter the ignoring state; hand the result to reset() when the op returns."""
        return _set(_IGNORE)
else:
    def quiet():
        scope = np.errstate(all="ignore")
        scope.__enter__()
        return scope

    def reset(scope):
        scope.__exit__(None, None, None)
