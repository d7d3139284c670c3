"""Custom autograd Functions: forward(ctx, ...) / backward(ctx, ...) with torch's ctx contract.

`Function.apply` runs the user's forward with grad mode off, then wires the outputs to one node: an
instance of `<Name>Backward`, a class made per Function subclass, which is also the `ctx` the user's
forward and backward receive (as in torch). Saved outputs are kept as data plus version counter and
rebuilt with this node as grad_fn when unpacked, so backward formulas written with differentiable ops
give second derivatives, and no reference cycle ties the node to its outputs.
"""
import functools
import inspect
import warnings

from .._grad_mode import GRAD
from . import anomaly
from .node import Error, Node, _modified_message

_SAVED_OUTPUT = object()  # tag of a saved entry that is one of the node's own outputs


class FunctionCtx:
    """The `ctx` of a custom Function: what forward tells backward."""

    def save_for_backward(self, *tensors):
        """Keep tensors (inputs, outputs or None) for backward; read them back as `ctx.saved_tensors`."""
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        """Accepted for compatibility; gradtrace has no forward-mode AD."""
        self.saved_for_forward = tensors

    def mark_dirty(self, *tensors):
        """Declare inputs that forward modified in place (and returns as outputs)."""
        self.dirty_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that get no gradient (indices, masks)."""
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        """With False, backward receives None instead of zeros for outputs that got no gradient."""
        self.materialize_grads = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The grad_fn of a custom Function's outputs; its class is named `<FunctionName>Backward`."""

    _forward_cls = None
    materialize_grads = True

    def __init__(self):
        Node.__init__(self)
        self.next_functions = ()

    def __repr__(self):
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"

    @property
    def saved_tensors(self):
        """The tensors given to save_for_backward, refusing any modified in place since."""
        saved = self._stored
        if saved is None:
            from .node import FREED_MESSAGE

            raise RuntimeError(FREED_MESSAGE)
        return tuple(self._unpack(entry, version) for entry, version in zip(saved, self._versions))

    saved_variables = saved_tensors

    def _unpack(self, entry, version):
        from .._tensor import Tensor

        if entry is None:
            return None
        if type(entry) is tuple and entry[0] is _SAVED_OUTPUT:
            _, data, dtype, counter, output_nr = entry
            t = Tensor._make(data, dtype)
            t._vc = counter
            if counter[0] != version:
                raise RuntimeError(_modified_message(t, version))
            t._requires_grad = True
            t.grad_fn = self
            t._output_nr = output_nr
            return t
        if entry._version != version:
            raise RuntimeError(_modified_message(entry, version))
        return entry

    @property
    def needs_input_grad(self):
        return self._needs_input_grad

    def backward(self, *grads):
        """Run the user's backward and check its gradients against the forward's inputs."""
        fn = type(self)._forward_cls
        if self.materialize_grads:
            grads = tuple(g if g is not None else _zeros_like_output(like) for g, like in zip(grads, self._output_likes))
        user_backward = fn.backward if fn.backward is not Function.backward else fn.vjp
        if fn.backward is not Function.backward and fn.vjp is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not allowed.")
        result = user_backward(self, *grads)
        return self._validate(result if isinstance(result, tuple) else (result,))

    def _validate(self, result):
        """One gradient per forward input, None for non-tensors, shaped (or summable) like the input."""
        from .._tensor import Tensor
        from ..ops._core import sum_to

        name = type(self).__name__
        expected = len(self._input_metas)
        if len(result) != expected:
            extras_are_none = len(result) > expected and all(g is None for g in result[expected:])
            if not extras_are_none:
                raise RuntimeError(
                    f"function {name} returned an incorrect number of gradients (expected {expected}, got {len(result)})"
                )
            result = result[:expected]
        grads = []
        for position, (grad, meta) in enumerate(zip(result, self._input_metas)):
            if meta is None:
                if grad is not None:
                    raise RuntimeError(
                        f"function {name} returned a gradient different than None at position {position + 1}, "
                        "but the corresponding forward input was not a Variable"
                    )
                continue
            if grad is not None:
                if not isinstance(grad, Tensor):
                    raise RuntimeError(f"expected Variable or None (got {type(grad).__name__})")
                shape, dtype = meta
                if tuple(grad.shape) != shape:
                    if not _expandable(shape, tuple(grad.shape)):
                        got = ", ".join(str(s) for s in grad.shape)
                        want = ", ".join(str(s) for s in shape)
                        raise RuntimeError(
                            f"Function {name} returned an invalid gradient at index {len(grads)} - got [{got}] "
                            f"but expected shape compatible with [{want}]"
                        )
                    grad = sum_to(grad, shape)
                if grad.dtype is not dtype:
                    grad = grad.to(dtype)
            grads.append(grad)
        return tuple(grads)


def _expandable(shape, desired):
    """Whether a tensor of `shape` broadcasts to `desired` (a gradient that can be summed back)."""
    if len(shape) > len(desired):
        return False
    for s, d in zip(reversed(shape), reversed(desired)):
        if s != d and s != 1:
            return False
    return True


def _zeros_like_output(like):
    from ..ops.creation_ops import zeros

    shape, dtype, device = like
    return zeros(shape, dtype=dtype, device=device)


class FunctionMeta(type):
    """Gives every Function subclass its own `<Name>Backward` node class."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        backward_cls.__module__ = "torch.autograd.function"
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grads); call with `.apply(*args)`."""

    def __init__(self, *args, **kwargs):
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so you should "
            "invoke them on the class itself. Instantiating an autograd function will raise an error in a future "
            "version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
            "function with static forward method. (Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Override (with a forward that takes no ctx) to fill ctx from the inputs and output."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to use it "
            "with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with forward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on the arguments and connect the outputs to a `<Name>Backward` node."""
        from .._tensor import Tensor

        uses_setup_context = cls.setup_context is not Function.setup_context
        args, kwargs = _bind_arguments(cls.forward, args, kwargs, with_ctx=not uses_setup_context)
        ctx = cls._backward_cls()
        ctx._needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        is_executable = GRAD.enabled and any(ctx._needs_input_grad)
        # Edges first: a dirty input's grad_fn is about to be replaced by this node.
        edges = tuple(_edge(a) for a in args if isinstance(a, Tensor))
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            if uses_setup_context:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            GRAD.enabled = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        outs = _wrap_outputs(ctx, args, outs, edges, is_executable)
        _save(ctx, outs, is_executable)
        return outs[0] if single else outs


def _bind_arguments(forward, args, kwargs, with_ctx):
    """Keyword arguments of apply() become forward's positional inputs (torch counts them as inputs)."""
    if not kwargs:
        return args, kwargs
    try:
        signature = inspect.signature(forward)
    except (TypeError, ValueError):
        return args + tuple(kwargs.values()), {}
    bound = signature.bind(*((None,) if with_ctx else ()), *args, **kwargs)
    positional = bound.args[1:] if with_ctx else bound.args
    return tuple(positional), dict(bound.kwargs)


def _edge(t):
    from ..ops._core import edge

    return edge(t)


def _wrap_outputs(ctx, args, outs, edges, is_executable):
    """Mark dirty inputs modified, give differentiable outputs this node as grad_fn."""
    from .._tensor import Tensor

    dirty = {id(t) for t in getattr(ctx, "dirty_tensors", ())}
    for t in getattr(ctx, "dirty_tensors", ()):
        if is_executable and t.grad_fn is None and t._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        t._bump_version()
    if not is_executable:
        return outs
    non_diff = {id(t) for t in getattr(ctx, "non_differentiable", ())}
    input_ids = {id(a) for a in args if isinstance(a, Tensor)}
    ctx.next_functions = edges
    ctx.num_outputs = len(outs)
    ctx._input_metas = tuple((tuple(a.shape), a.dtype) if isinstance(a, Tensor) else None for a in args)
    ctx._output_likes = tuple(
        (tuple(o.shape), o.dtype, o.device) if isinstance(o, Tensor) else ((), None, None) for o in outs)
    wrapped = []
    for i, o in enumerate(outs):
        if isinstance(o, Tensor):
            differentiable = id(o) not in non_diff and (o.dtype.is_floating_point or o.dtype.is_complex)
            if id(o) in input_ids and id(o) not in dirty:
                # An input returned as-is becomes a view, so the caller's tensor keeps its own history.
                prev = GRAD.enabled
                GRAD.enabled = False
                try:
                    o = o.view_as(o)
                finally:
                    GRAD.enabled = prev
            if differentiable:
                o._requires_grad = True
                o.grad_fn = ctx
                o._output_nr = i
            elif id(o) in dirty:
                o._requires_grad = False
                o.grad_fn = None
        wrapped.append(o)
    if anomaly.STATE.enabled:
        anomaly.record_forward(ctx)
    return tuple(wrapped)


def _save(ctx, outs, is_executable):
    """Store ctx.to_save with versions; own outputs as data so that the node does not own its outputs."""
    to_save = getattr(ctx, "to_save", ())
    if hasattr(ctx, "to_save"):
        del ctx.to_save
    output_ids = {id(o): i for i, o in enumerate(outs)}
    entries, versions = [], []
    for t in to_save:
        if t is None:
            entries.append(None)
            versions.append(0)
            continue
        if not hasattr(t, "_version"):
            raise TypeError(f"save_for_backward can only save variables, but argument {len(entries)} is of type "
                            f"{type(t).__name__}")
        nr = output_ids.get(id(t))
        if is_executable and nr is not None and t.grad_fn is ctx:
            entries.append((_SAVED_OUTPUT, t._data, t.dtype, t._shared_version_counter(), nr))
        else:
            entries.append(t)
        versions.append(t._version)
    ctx._stored = tuple(entries)
    ctx._versions = tuple(versions)


class _DelayedError(Error):
    """grad_fn of the results of a once_differentiable backward: differentiating them again raises."""

    __slots__ = ("num_outputs",)

    def __init__(self, msg, num_outputs):
        Error.__init__(self)
        self.msg = msg
        self.num_outputs = num_outputs

    def name(self):
        return "torch::autograd::DelayedError"

    def backward(self, *grads):
        raise RuntimeError(self.msg)


def once_differentiable(fn):
    """Decorate a backward that is not itself differentiable: a second differentiation raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .._grad_mode import no_grad
        from .._tensor import Tensor
        from ..ops._core import attach

        with no_grad():
            outputs = fn(ctx, *args)
        if not GRAD.enabled or not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        err = _DelayedError("trying to differentiate twice a function that was marked with @once_differentiable",
                            len(outs))
        # Like torch, the error node hangs off stand-in leaves: the results require grad, and only a
        # backward through them reaches the error.
        stand_ins = [o.detach().requires_grad_(True) for o in outs if isinstance(o, Tensor)]
        wrapped = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                o = attach(o.detach(), err, stand_ins)
                o._output_nr = i
            wrapped.append(o)
        return tuple(wrapped) if isinstance(outputs, tuple) else wrapped[0]

    return wrapper


class InplaceFunction(Function):
    """Kept for compatibility with old code; use Function."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    """Kept for compatibility with old code; use Function."""
