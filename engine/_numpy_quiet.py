"""numpy's floating-point error state for the engine's own kernels: ignore, as torch computes 0/0, log(-1)
and overflow silently, while the user's own numpy code keeps whatever state they chose.

numpy 2 keeps that state in a context variable. The outermost op (or backward pass) of a thread sets it
and resets it on the way out; the ops it calls see the thread's flag and skip both, so a nested op pays
one attribute read. numpy 1.x has no such variable: there np.errstate does the same, more slowly.
"""
import threading

import numpy as np

try:
    from numpy._core.umath import _extobj_contextvar, _make_extobj
except ImportError:  # numpy 1.x
    _extobj_contextvar = None


class _Scope(threading.local):
    active = False  # inside an op or backward pass of this thread, numpy already quiet


SCOPE = _Scope()

if _extobj_contextvar is not None:
    _IGNORE = _make_extobj(all="ignore")
    _set = _extobj_contextvar.set
    _reset = _extobj_contextvar.reset

    def enter():
        """Make numpy quiet for this thread's ops until leave(token); call only when SCOPE.active is False."""
        SCOPE.active = True
        return _set(_IGNORE)

    def leave(token):
        _reset(token)
        SCOPE.active = False
else:
    def enter():
        SCOPE.active = True
        scope = np.errstate(all="ignore")
        scope.__enter__()
        return scope

    def leave(scope):
        scope.__exit__(None, None, None)
        SCOPE.active = False
