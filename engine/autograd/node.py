"""Graph nodes (grad_fn objects): the torch Node contract without the machinery.

A node holds `next_functions` (one `(node or None, output_nr)` edge per differentiable input), the
values its backward formula needs (`_stored`, checked against version counters when unpacked) and hooks.
Subclasses (one per op, named like torch's: MulBackward0, ...) implement `backward(grad)` returning one
gradient per edge. Nothing here points back at the node's output tensor, so a graph is freed by
reference counting alone.
"""
import itertools
import re

from .._grad_mode import GRAD

_sequence = itertools.count()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)
_HINT = (
    "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)


class RemovableHandle:
    """What register_hook returns: `.remove()` takes the hook out again."""

    _ids = itertools.count()

    def __init__(self, hooks_dict):
        self.hooks_dict = hooks_dict
        self.id = next(RemovableHandle._ids)

    def remove(self):
        self.hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Node:
    """Base of every grad_fn."""

    # `_hooks`, `_prehooks`, `_retained` (weakrefs to outputs that retain_grad) and `_anomaly_trace` are
    # rare, so they live on the class as None until set; a node costs four stores to make.
    __slots__ = ("next_functions", "_seq", "_stored", "_versions", "_extra", "__weakref__")
    #: names of the tensors in `_saved`, readable as `_saved_<name>` like torch's
    saved_names = ()
    #: `backward` on bare arrays for a pass that records nothing (no create_graph, no profiler):
    #: `backward_raw(grad_array)` returns one array (or None) per edge, bit for bit what `backward`
    #: gives, or None as a whole to have the engine run `backward` instead (an unusual dtype mix).
    #: Classes without one always run `backward`.
    backward_raw = None
    #: a class's own public slots that hold bookkeeping rather than a value torch shows as saved
    #: (no `_saved_<name>` for them)
    unsaved_slots = ()
    num_outputs = 1

    def __init_subclass__(cls, **kwargs):
        """Give the class torch's read-only views of what its nodes keep: `_saved_<name>` (and
        `_raw_saved_<name>`) for each saved tensor, `_saved_<attribute>` for each public slot
        (`_saved_dim`, `_saved_alpha`, ...).

        They are properties made once per class rather than a `__getattr__`: a class with
        `__getattr__` loses CPython's fast attribute paths on every access, and nodes are read
        on the hottest paths (op dispatch, backward, the profiler)."""
        super().__init_subclass__(**kwargs)
        if "backward" in cls.__dict__ and "backward_raw" not in cls.__dict__:
            cls.backward_raw = None  # a new formula: an inherited raw one would compute the old
        for index, name in enumerate(cls.saved_names):
            view = _saved_tensor_view(index)
            _define(cls, "_saved_" + name, view)
            _define(cls, "_raw_saved_" + name, view)
        for klass in cls.__mro__:
            if klass is Node:
                break
            slots = klass.__dict__.get("__slots__", ())
            unsaved = klass.__dict__.get("unsaved_slots", ())
            for name in (slots,) if isinstance(slots, str) else slots:
                if not name.startswith("_") and name not in unsaved:
                    _define(cls, "_saved_" + name, _saved_attribute_view(name))

    def __init__(self):
        self._seq = next(_sequence)
        self._stored = ()
        self._versions = ()
        self._extra = None

    def _extras(self):
        extra = self._extra
        if extra is None:
            extra = self._extra = {}
        return extra

    @property
    def _hooks(self):
        return self._extra.get("hooks") if self._extra else None

    @property
    def _prehooks(self):
        return self._extra.get("prehooks") if self._extra else None

    @property
    def _retained(self):
        return self._extra.get("retained") if self._extra else None

    @property
    def _anomaly_trace(self):
        return self._extra.get("anomaly_trace") if self._extra else None

    # -- the torch-facing contract ---------------------------------------------------------------
    def name(self):
        return type(self).__name__

    @property
    def metadata(self):
        return {}

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def __call__(self, *grads):
        from .engine import call_node

        out = call_node(self, grads)
        return out[0] if len(out) == 1 else out

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node's backward."""
        hooks = self._extras().setdefault("hooks", {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = fn
        return handle

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node's backward and may return replacements."""
        prehooks = self._extras().setdefault("prehooks", {})
        handle = RemovableHandle(prehooks)
        prehooks[handle.id] = ("node", fn)
        return handle

    def _register_tensor_hook(self, output_nr, fn):
        prehooks = self._extras().setdefault("prehooks", {})
        handle = RemovableHandle(prehooks)
        prehooks[handle.id] = (output_nr, fn)
        return handle

    # -- saved values ----------------------------------------------------------------------------
    def save(self, *tensors):
        """Keep tensors (inputs) for backward, remembering their versions."""
        self._stored = tensors
        # Tensor._version written out, in a loop rather than a comprehension (its own frame): this runs
        # for every recorded op. No counter yet is version 0.
        versions = []
        for t in tensors:
            versions.append(0 if t is None or t._vc is None else t._vc[0])
        self._versions = tuple(versions)

    def saved(self):
        """The saved tensors, after checking none was modified in place since it was saved."""
        saved = self._stored
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        for t, v in zip(saved, self._versions):
            if t is not None and t._vc is not None and t._vc[0] != v:  # no counter: still version 0
                raise RuntimeError(_modified_message(t, v, self if self._is_saved_result(t) else None))
        if GRAD.enabled and "result" in type(self).saved_names:
            # A saved output is kept detached (no node -> output -> node cycle); when backward itself is
            # recorded (create_graph), hand it out again as this node's output so higher-order
            # gradients flow through it.
            i = type(self).saved_names.index("result")
            saved = saved[:i] + (self._as_output(saved[i]),) + saved[i + 1:]
        return saved

    def _is_saved_result(self, t):
        # a saved output is reported as the output of this node, a saved input by its own grad_fn
        names = type(self).saved_names
        return "result" in names and names.index("result") < len(self._stored) and self._stored[names.index("result")] is t

    def _as_output(self, detached):
        from .._tensor import Tensor

        out = Tensor._make(detached._data, detached.dtype)
        out._vc = detached._vc
        out._requires_grad = True
        out.grad_fn = self
        return out

    def release(self):
        """Free saved values after a backward without retain_graph."""
        if self._stored:
            self._stored = None

    def backward(self, grad):  # pragma: no cover - every concrete node overrides it
        raise NotImplementedError(type(self).__name__)


def _define(cls, attribute, view):
    if attribute not in cls.__dict__:
        setattr(cls, attribute, view)


def _saved_tensor_view(index):
    return property(lambda node: node.saved()[index], doc="a saved tensor, as torch's `_saved_<name>`")


def _saved_attribute_view(name):
    return property(lambda node: getattr(node, name), doc="a saved value, as torch's `_saved_<name>`")


def _modified_message(t, expected, producer=None):
    """torch's text for a saved tensor changed in place; `producer`: the node that made it (default its grad_fn)."""
    dims = ", ".join(str(s) for s in t.shape)
    where = f"[torch.{t.dtype.legacy_name} [{dims}]]"
    clause = ""
    if producer is None:
        producer = t.grad_fn
    if producer is not None:
        # torch names the node without "Backward" (and a 0 after it): "output 0 of Exp", "of LeakyRelu1"
        # (LeakyReluBackward1), "of torch::autograd::CopySlices"
        clause = f", which is output {t._output_nr} of {re.sub(r'Backward0?', '', producer.name())},"
    return (
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{where}{clause} is at version {t._version}; expected version {expected} instead. {_HINT}"
    )


class AccumulateGrad(Node):
    """The sink for a leaf: adds the incoming gradient into `variable.grad`."""

    __slots__ = ("variable",)
    unsaved_slots = ("variable",)  # the leaf itself, as torch's AccumulateGrad.variable

    def __init__(self, variable):
        Node.__init__(self)
        self.variable = variable
        self.next_functions = ()

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def backward(self, grad):  # the engine accumulates; calling the node directly just passes through
        return ()


class GraphRoot(Node):
    """Stand-in used only by the engine to seed a backward pass."""

    __slots__ = ()


class NotImplementedNode(Node):
    """torch's node for an op without a derivative ("torch::autograd::NotImplemented"): it exists, so the
    result requires grad, and says so only when backward reaches it. Its edges go to the inputs that
    need a gradient."""

    __slots__ = ("op",)
    unsaved_slots = ("op",)

    def __init__(self, op):
        Node.__init__(self)
        self.op = op  # the aten name in the message, "aten::floor_divide"

    def name(self):
        return "torch::autograd::NotImplemented"

    def backward(self, *grads):
        raise RuntimeError(f"derivative for {self.op} is not implemented")


# torch's class is named NotImplemented: reprs show <NotImplemented object at ...>, grad_fn=<NotImplemented>
NotImplementedNode.__name__ = NotImplementedNode.__qualname__ = "NotImplemented"


class Error(Node):
    __slots__ = ("msg",)

    def backward(self, grad):
        raise RuntimeError(self.msg)
