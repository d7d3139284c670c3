"""Custom autograd Functions: forward(ctx, ...) / backward(ctx, ...) with torch's ctx contract."""
from .._grad_mode import GRAD
from .node import Node


class FunctionCtx:
    """The `ctx` of a custom Function (also the node that runs its backward)."""

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The grad_fn of a custom Function's outputs; named `<FunctionName>Backward`."""

    _function = None

    def name(self):
        return type(self).__name__

    @property
    def saved_tensors(self):
        return self.saved()

    @property
    def needs_input_grad(self):
        return self._needs_input_grad

    def backward(self, *grads):
        if getattr(self, "_materialize", True):
            from ..ops.creation_ops import zeros_like

            grads = tuple(g if g is not None else zeros_like(o) for g, o in zip(grads, self._output_likes))
        res = type(self)._function.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n = len(self.next_functions)
        if len(res) < n:
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients (expected {n}, got {len(res)})"
            )
        return tuple(res[i] if i < len(res) else None for i in range(n))


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_function": cls})


class Function(metaclass=_FunctionMeta):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grads); call with `.apply(*args)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        from ..ops._core import edge

        ctx = cls._backward_cls()
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        ctx._needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            GRAD.enabled = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if prev and any(t.requires_grad for t in tensor_args):
            non_diff = {id(t) for t in getattr(ctx, "_non_diff", ())}
            dirty = {id(t) for t in getattr(ctx, "_dirty", ())}
            ctx.next_functions = tuple(edge(a) for a in args)
            ctx.num_outputs = len(outs)
            ctx._output_likes = tuple(o.detach() if isinstance(o, Tensor) else None for o in outs)
            results = []
            for i, o in enumerate(outs):
                if isinstance(o, Tensor) and id(o) not in non_diff:
                    if id(o) in tensor_ids(args) and id(o) not in dirty:
                        o = o.view_as(o)
                    o._requires_grad = True
                    o.grad_fn = ctx
                    o._output_nr = i
                results.append(o)
            outs = tuple(results)
            ctx.save(*getattr(ctx, "_to_save", ()))
        else:
            ctx.save(*getattr(ctx, "_to_save", ()))
        return outs[0] if single else outs


def tensor_ids(args):
    return {id(a) for a in args}


def once_differentiable(fn):
    """Marks a backward as not differentiable twice (accepted for compatibility)."""
    return fn
