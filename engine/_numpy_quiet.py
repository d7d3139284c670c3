"""numpy's floating-point error state for the engine's own kernels: ignore, as torch computes 0/0, log(-1)
and overflow silently, while the user's own numpy code keeps whatever state they chose.

numpy 2 keeps that state in a context variable. The outermost op (or backward pass) sets it and resets it
on the way out; the ops it calls find it set already and skip both, for the cost of one read.
numpy 1.x has no such variable: there np.errstate does the same, more slowly.
"""
import numpy as np

try:
    from numpy._core.umath import _extobj_contextvar, _make_extobj
except ImportError:  # numpy 1.x
    _extobj_contextvar = None

if _extobj_contextvar is not None:
    _IGNORE = _make_extobj(all="ignore")
    _get = _extobj_contextvar.get
    _set = _extobj_contextvar.set
    leave = _extobj_contextvar.reset

    def enter():
        """None inside an engine scope already; else make numpy quiet and return the token for leave()."""
        return None if _get() is _IGNORE else _set(_IGNORE)
else:
    _ACTIVE = []

    def enter():
        if _ACTIVE:
            return None
        scope = np.errstate(all="ignore")
        scope.__enter__()
        _ACTIVE.append(scope)
        return scope

    def leave(scope):
        _ACTIVE.pop()
        scope.__exit__(None, None, None)
