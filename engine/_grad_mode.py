"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode (context managers and decorators)."""
import functools


class _GradState:
    __slots__ = ("enabled", "inference")

    def __init__(self):
        self.enabled = True
        self.inference = False


GRAD = _GradState()


def is_grad_enabled():
    return GRAD.enabled


def is_inference_mode_enabled():
    return GRAD.inference


class _GradModeContext:
    """Base for the grad-mode managers: usable with `with` and as a decorator."""

    _target = True

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)

        return wrapper

    def _args(self):
        return ()

    def __enter__(self):
        self._prev = GRAD.enabled
        GRAD.enabled = self._target
        return None

    def __exit__(self, *exc):
        GRAD.enabled = self._prev
        return False

    def clone(self):
        return self.__class__(*self._args())


class no_grad(_GradModeContext):
    _target = False

    def __init__(self, orig_func=None):
        # torch allows @no_grad without parentheses in some versions; support both
        self._orig = orig_func

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):
            self.__init__()
            return self(orig_func)
        return self


class enable_grad(_GradModeContext):
    _target = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode on construction (like torch), restores it on exit when used with `with`."""

    def __init__(self, mode):
        self._prev = GRAD.enabled
        self._target = bool(mode)
        GRAD.enabled = self._target

    def _args(self):
        return (self._target,)

    def __call__(self, fn):
        GRAD.enabled = self._prev
        return super().__call__(fn)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        GRAD.enabled = self._prev
        return False


class inference_mode(_GradModeContext):
    def __init__(self, mode=True):
        self._mode = bool(mode)
        self._target = not self._mode

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self.__init__()
            return self(mode)
        return self

    def _args(self):
        return (self._mode,)

    def __enter__(self):
        self._prev_inf = GRAD.inference
        GRAD.inference = self._mode
        return super().__enter__()

    def __exit__(self, *exc):
        GRAD.inference = self._prev_inf
        return super().__exit__(*exc)
