"""nn.Module and the modules tutorials use (Linear, Sequential, activations, losses)."""
import collections
import math
import operator

from .. import _dtype
from .._tensor import Tensor
from .._typename import typename
from ..ops import creation_ops
from ..ops.nn_ops import legacy_reduction
from . import functional as F
from . import init
from ..autograd.node import RemovableHandle
from .._tensor import Tensor
from .parameter import Parameter



class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns; prints as torch's does."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__

class Module:
    """Base class: registers parameters and submodules set as attributes, calls forward."""

    training = True
    _forward_hooks = _forward_pre_hooks = None  # an instance gets its own dicts with its first hook

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_parameters", collections.OrderedDict())
        object.__setattr__(self, "_modules", collections.OrderedDict())
        object.__setattr__(self, "_buffers", collections.OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self.__dict__.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            mods = self.__dict__.get("_modules")
            if mods is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self.__dict__.pop(name, None)
            mods[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{typename(value)}' as parameter '{name}' (torch.nn.Parameter or None "
                                "expected)")
            params[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_modules", "_buffers"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in ("_parameters", "_modules", "_buffers"):
            if name in self.__dict__.get(store, {}):
                del self.__dict__[store][name]
                return
        object.__delattr__(self, name)

    def _check_new_name(self, kind, name, store):
        """torch's checks of the name a buffer, parameter or submodule is registered under."""
        if store not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {typename(name)}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}' if kind == "module" else
                           f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in self.__dict__[store]:
            raise KeyError(f"attribute '{name}' already exists")

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is state but not a parameter; state_dict keeps it unless persistent=False."""
        self._check_new_name("buffer", name, "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        self._check_new_name("parameter", name, "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                             f"explicitly. To express '{name}' as a function of another Tensor, compute the value in "
                             "the forward() method.")
        self._parameters[name] = param

    def add_module(self, name, module):
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{typename(module)} is not a Module subclass")
        self._check_new_name("module", name, "_modules")
        self._modules[name] = module

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if self._forward_hooks is None:  # the common case: no hook was ever registered on this module
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            changed = hook(self, args, out)
            if changed is not None:
                out = changed
        return out

    def _hook_dicts(self):
        if self._forward_hooks is None:
            object.__setattr__(self, "_forward_pre_hooks", collections.OrderedDict())
            object.__setattr__(self, "_forward_hooks", collections.OrderedDict())
        return self._forward_pre_hooks, self._forward_hooks

    def register_forward_pre_hook(self, hook):
        """hook(module, args) runs before forward and may return replacement args."""
        hooks = self._hook_dicts()[0]
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook):
        """hook(module, args, output) runs after forward and may return a replacement output."""
        hooks = self._hook_dicts()[1]
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def named_parameters(self, prefix="", recurse=True):
        seen = set()
        for mod_prefix, mod in (self.named_modules(prefix=prefix) if recurse else [(prefix, self)]):
            for name, p in mod._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (mod_prefix + "." + name if mod_prefix else name), p

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """This module and its descendants, depth first in registration order, as torch walks them
        (so parameters(), and an optimizer's parameter order, follow torch's)."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def children(self):
        return iter(m for m in self._modules.values() if m is not None)

    def named_children(self):
        return iter(self._modules.items())

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        for mod_prefix, mod in (self.named_modules(prefix=prefix) if recurse else [(prefix, self)]):
            for name, b in mod._buffers.items():
                if b is None or (remove_duplicate and id(b) in seen):
                    continue
                seen.add(id(b))
                yield (mod_prefix + "." + name if mod_prefix else name), b

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, *args, **kwargs):
        for m in self.modules():
            for k, p in m._parameters.items():
                if p is not None:
                    moved = p.to(*args, **kwargs)
                    if moved is not p:
                        m._parameters[k] = Parameter(moved.detach(), p.requires_grad)
            for k, b in m._buffers.items():
                if b is not None:
                    m._buffers[k] = b.to(*args, **kwargs)
        return self

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    def cpu(self):
        return self.to("cpu")

    def double(self):
        return self.to(_dtype.float64)

    def float(self):
        return self.to(_dtype.float32)

    def apply(self, fn):
        """fn on every submodule, children before their parent and in registration order, as torch."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _state_entries(self, prefix):
        """(key, tensor) for this module's own parameters and persistent buffers, torch's order."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                yield prefix + name, b

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """Every parameter and persistent buffer, module by module (shared tensors under each name)."""
        out = collections.OrderedDict() if destination is None else destination
        for key, value in self._state_entries(prefix):
            out[key] = value if keep_vars else value.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=out, prefix=prefix + name + ".", keep_vars=keep_vars)
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy tensors from state_dict into this module's parameters and buffers; torch's checks,
        error text and `_IncompatibleKeys` result."""
        from .._grad_mode import no_grad

        expected = collections.OrderedDict()
        for mod_prefix, mod in self.named_modules(remove_duplicate=False):
            expected.update(mod._state_entries(mod_prefix + "." if mod_prefix else ""))
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in expected]
        errors = []
        with no_grad():
            for key, target in expected.items():
                if key not in state_dict:
                    continue
                value = state_dict[key]
                if not hasattr(value, "shape") or not hasattr(value, "detach"):
                    errors.append(f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
                                  f"object from checkpoint but received {type(value)}")
                    continue
                if tuple(value.shape) != tuple(target.shape):
                    errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} from "
                                  f"checkpoint, the shape in current model is {target.shape}.")
                    continue
                target.copy_(value)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__,
                                                                                     "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        children = []
        for name, mod in self._modules.items():
            text = repr(mod).replace("\n", "\n  ")
            children.append(f"({name}): {text}")
        body = lines + children
        main = type(self).__name__ + "("
        if body:
            if len(lines) == 1 and not children:
                return main + lines[0] + ")"
            return main + "\n  " + "\n  ".join(body) + "\n)"
        return main + ")"


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(creation_ops.empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation_ops.empty(out_features, dtype=dtype, device=device))
        else:
            self.bias = None
            self._parameters["bias"] = None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def _absolute_index(store, idx):
    """The key at position `idx` (negative counts from the end) of a container's store, with torch's IndexError."""
    idx = operator.index(idx)
    if not -len(store) <= idx < len(store):
        raise IndexError(f"index {idx} is out of range")
    return list(store)[idx % len(store)]


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: submodules by position, kept numbered 0..n-1."""

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self._slice(i)
        return self._modules[_absolute_index(self._modules, i)]

    def __setitem__(self, i, module):
        setattr(self, _absolute_index(self._modules, i), module)

    def __delitem__(self, i):
        keys = list(self._modules)[i] if isinstance(i, slice) else [_absolute_index(self._modules, i)]
        for key in keys:
            delattr(self, key)
        # keys 0..n-1 again after a deletion, as torch keeps them
        object.__setattr__(self, "_modules", collections.OrderedDict(
            (str(i), m) for i, m in enumerate(self._modules.values())))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, m):
        self.add_module(str(len(self._modules)), m)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    __iadd__ = extend

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        object.__setattr__(self, "_modules", collections.OrderedDict())
        self.extend(modules)


class Sequential(_ModuleSequence):
    def __init__(self, *mods):
        super().__init__()
        if len(mods) == 1 and isinstance(mods[0], collections.OrderedDict):
            for k, m in mods[0].items():
                self.add_module(k, m)
        else:
            for i, m in enumerate(mods):
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def _slice(self, i):  # a slice keeps the original keys, as torch's does
        return type(self)(collections.OrderedDict(list(self._modules.items())[i]))

    def insert(self, index, module):
        super().insert(index, module)
        return self

    def pop(self, key):
        module = self[key]
        del self[key]
        return module


class ModuleList(_ModuleSequence):
    def __init__(self, modules=None):
        super().__init__()
        for m in modules or ():
            self.append(m)

    def _slice(self, i):
        return type(self)(list(self._modules.values())[i])

    def __add__(self, other):
        return ModuleList(list(self) + list(other))


class ModuleDict(Module):
    """Submodules by name, registered in insertion order (torch.nn.ModuleDict)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self[key] = module

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def clear(self):
        self._modules.clear()


class ParameterList(Module):
    """Parameters by position; a plain tensor appended becomes a Parameter (torch.nn.ParameterList)."""

    def __init__(self, values=None):
        super().__init__()
        for value in values or ():
            self.append(value)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return type(self)(list(self)[i])
        return self._parameters[_absolute_index(self._parameters, i)]

    def __setitem__(self, i, value):
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, _absolute_index(self._parameters, i), value)

    def append(self, value):
        self._parameters[str(len(self))] = None  # reserve the next index, then assign through __setitem__
        self[len(self) - 1] = value
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    __iadd__ = extend

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def extra_repr(self):
        lines = []
        for k, p in enumerate(self):
            device = f" ({p.device})" if p.device.type == "cuda" else ""
            size = "x".join(str(s) for s in p.shape)
            kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
            lines.append(f"  ({k}): {kind} containing: [{p.dtype} of size {size}{device}]")
        return "\n".join(lines)


_REQUIRED = object()


def _bind(cls_name, params, args, kwargs):
    """A module's constructor arguments by name, as a Python signature with these params would bind them."""
    if len(args) > len(params):
        raise TypeError(f"{cls_name}.__init__() takes {len(params) + 1} positional arguments but {len(args) + 1} "
                        "were given")
    values = dict(params)
    values.update(zip([p for p, _ in params], args))
    for k, v in kwargs.items():
        if k not in values:
            raise TypeError(f"{cls_name}.__init__() got an unexpected keyword argument '{k}'")
        values[k] = v
    for k, v in values.items():
        if v is _REQUIRED:
            raise TypeError(f"{cls_name}.__init__() missing 1 required positional argument: '{k}'")
    return values


def _activation(name, fn, params=(), shown=(), show_inplace=True):
    """A module class whose forward is fn(x, **its arguments).

    params: ((name, default), ...) in torch's order, kept as attributes like torch's; shown: the ones its repr
    prints as name=value, then ", inplace=True" when set (torch's Hardswish and Hardsigmoid never print it).
    """
    names = tuple(p for p, _ in params)

    def __init__(self, *args, **kwargs):
        Module.__init__(self)
        for k, v in _bind(name, params, args, kwargs).items():
            object.__setattr__(self, k, v)

    def forward(self, x):
        return fn(x, **{k: getattr(self, k) for k in names})

    def extra_repr(self):
        parts = [f"{k}={getattr(self, k)!r}" if isinstance(getattr(self, k), str) else f"{k}={getattr(self, k)}"
                 for k in shown]
        if show_inplace and getattr(self, "inplace", False):
            parts.append("inplace=True")
        return ", ".join(parts)

    return type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr})


_INPLACE = (("inplace", False),)

ReLU = _activation("ReLU", F.relu, _INPLACE)
Tanh = _activation("Tanh", lambda x: x.tanh())
Sigmoid = _activation("Sigmoid", lambda x: x.sigmoid())
GELU = _activation("GELU", F.gelu, (("approximate", "none"),), ("approximate",))
LeakyReLU = _activation("LeakyReLU", F.leaky_relu, (("negative_slope", 0.01),) + _INPLACE, ("negative_slope",))
Softplus = _activation("Softplus", F.softplus, (("beta", 1.0), ("threshold", 20.0)), ("beta", "threshold"))
Softmax = _activation("Softmax", F.softmax, (("dim", None),), ("dim",))
LogSoftmax = _activation("LogSoftmax", F.log_softmax, (("dim", None),), ("dim",))
Softmin = _activation("Softmin", F.softmin, (("dim", None),), ("dim",))
Flatten = _activation("Flatten", lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim),
                      (("start_dim", 1), ("end_dim", -1)), ("start_dim", "end_dim"))
SiLU = _activation("SiLU", F.silu, _INPLACE)
ELU = _activation("ELU", F.elu, (("alpha", 1.0),) + _INPLACE, ("alpha",))
SELU = _activation("SELU", F.selu, _INPLACE)
CELU = _activation("CELU", F.celu, (("alpha", 1.0),) + _INPLACE, ("alpha",))
Hardtanh = _activation("Hardtanh", F.hardtanh, (("min_val", -1.0), ("max_val", 1.0)) + _INPLACE,
                       ("min_val", "max_val"))
ReLU6 = _activation("ReLU6", F.relu6, _INPLACE)
Mish = _activation("Mish", F.mish, _INPLACE)
Hardswish = _activation("Hardswish", F.hardswish, _INPLACE, show_inplace=False)
Hardsigmoid = _activation("Hardsigmoid", F.hardsigmoid, _INPLACE, show_inplace=False)
LogSigmoid = _activation("LogSigmoid", F.logsigmoid)
Softsign = _activation("Softsign", F.softsign)
Tanhshrink = _activation("Tanhshrink", F.tanhshrink)
Threshold = _activation("Threshold", F.threshold, (("threshold", _REQUIRED), ("value", _REQUIRED)) + _INPLACE,
                        ("threshold", "value"))


class Identity(Module):
    """Returns its input; takes (and ignores) any arguments, like torch's."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class _DropoutNd(Module):
    """torch's base of the dropout modules: p checked at construction, shown with inplace in the repr."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return self._dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    _dropout = staticmethod(F.dropout)


_LEGACY = (("size_average", None), ("reduce", None))


def _loss(name, fn, params=_LEGACY + (("reduction", "mean"),)):
    """A loss module class: fn(input, target, reduction=..., **its other arguments); params in torch's order."""

    def __init__(self, *args, **kwargs):
        Module.__init__(self)
        values = _bind(name, params, args, kwargs)
        size_average, reduce = values.pop("size_average", None), values.pop("reduce", None)
        if size_average is not None or reduce is not None:
            values["reduction"] = legacy_reduction(size_average, reduce)
        for k, v in values.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_kw", tuple(k for k in values if k != "reduction"))

    def forward(self, input, target):
        return fn(input, target, reduction=self.reduction, **{k: getattr(self, k) for k in self._kw})

    return type(name, (Module,), {"__init__": __init__, "forward": forward})


MSELoss = _loss("MSELoss", F.mse_loss)
CrossEntropyLoss = _loss("CrossEntropyLoss", F.cross_entropy,
                         (("weight", None), ("size_average", None), ("ignore_index", -100), ("reduce", None),
                          ("reduction", "mean"), ("label_smoothing", 0.0)))
NLLLoss = _loss("NLLLoss", F.nll_loss, (("weight", None), ("size_average", None), ("ignore_index", -100),
                                       ("reduce", None), ("reduction", "mean")))
BCELoss = _loss("BCELoss", F.binary_cross_entropy, (("weight", None),) + _LEGACY + (("reduction", "mean"),))
BCEWithLogitsLoss = _loss("BCEWithLogitsLoss", F.binary_cross_entropy_with_logits,
                          (("weight", None),) + _LEGACY + (("reduction", "mean"), ("pos_weight", None)))
L1Loss = _loss("L1Loss", F.l1_loss)
SmoothL1Loss = _loss("SmoothL1Loss", F.smooth_l1_loss, _LEGACY + (("reduction", "mean"), ("beta", 1.0)))
HuberLoss = _loss("HuberLoss", F.huber_loss, (("reduction", "mean"), ("delta", 1.0)))
KLDivLoss = _loss("KLDivLoss", F.kl_div, _LEGACY + (("reduction", "mean"), ("log_target", False)))
