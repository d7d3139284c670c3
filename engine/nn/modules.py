"""nn.Module and the modules tutorials use (Linear, Sequential, activations, losses)."""
import collections
import math

from .. import _dtype
from ..ops import creation_ops
from . import functional as F
from . import init
from .parameter import Parameter


class Module:
    """Base class: registers parameters and submodules set as attributes, calls forward."""

    training = True

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_parameters", collections.OrderedDict())
        object.__setattr__(self, "_modules", collections.OrderedDict())
        object.__setattr__(self, "_buffers", collections.OrderedDict())
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
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' (torch.nn.Parameter or None expected)")
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

    def register_buffer(self, name, tensor, persistent=True):
        self._buffers[name] = tensor

    def register_parameter(self, name, param):
        self._parameters[name] = param

    def add_module(self, name, module):
        self._modules[name] = module

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self, prefix="", recurse=True):
        seen = set()
        for mod_prefix, mod in (self.named_modules(prefix) if recurse else [(prefix, self)]):
            for name, p in mod._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (mod_prefix + "." + name if mod_prefix else name), p

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_modules(self, prefix=""):
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop(0)
            yield name, mod
            for child_name, child in mod._modules.items():
                if child is not None:
                    stack.append(((name + "." + child_name) if name else child_name, child))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def children(self):
        return iter(m for m in self._modules.values() if m is not None)

    def named_children(self):
        return iter(self._modules.items())

    def buffers(self):
        for m in self.modules():
            yield from m._buffers.values()

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
        for m in list(self.modules())[::-1]:
            fn(m)
        return self

    def state_dict(self, prefix=""):
        out = collections.OrderedDict()
        for name, p in self.named_parameters():
            out[prefix + name] = p.detach()
        for mod_name, m in self.named_modules():
            for k, b in m._buffers.items():
                out[prefix + (mod_name + "." if mod_name else "") + k] = b
        return out

    def load_state_dict(self, state_dict, strict=True):
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\tMissing key(s) in state_dict: "
                + ", ".join(f'"{k}"' for k in missing) + ". Unexpected key(s) in state_dict: "
                + ", ".join(f'"{k}"' for k in unexpected) + "."
            )
        from .._grad_mode import no_grad

        with no_grad():
            for k, v in state_dict.items():
                if k in own:
                    own[k].copy_(v)
        return collections.namedtuple("IncompatibleKeys", "missing_keys unexpected_keys")(missing, unexpected)

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


class Sequential(Module):
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

    def __getitem__(self, i):
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, m):
        self.add_module(str(len(self._modules)), m)
        return self


class ModuleList(Module):
    def __init__(self, modules=None):
        super().__init__()
        for m in modules or ():
            self.append(m)

    def append(self, m):
        self.add_module(str(len(self._modules)), m)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


def _activation(name, fn, extra=None):
    def __init__(self, *args, **kwargs):
        Module.__init__(self)
        object.__setattr__(self, "_args", (args, kwargs))

    def forward(self, x):
        a, kw = self._args
        return fn(x, *a, **kw)

    def extra_repr(self):
        return extra(self) if extra else ""

    return type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr})


def _relu_fn(x, inplace=False):
    return F.relu(x, inplace)


ReLU = _activation("ReLU", _relu_fn)
Tanh = _activation("Tanh", lambda x: x.tanh())
Sigmoid = _activation("Sigmoid", lambda x: x.sigmoid())
GELU = _activation("GELU", lambda x, approximate="none": F.gelu(x, approximate))
LeakyReLU = _activation("LeakyReLU", lambda x, negative_slope=0.01, inplace=False: F.leaky_relu(x, negative_slope),
                        lambda self: f"negative_slope={self._args[0][0] if self._args[0] else self._args[1].get('negative_slope', 0.01)}")
Softplus = _activation("Softplus", lambda x, beta=1.0, threshold=20.0: F.softplus(x, beta, threshold))
Identity = _activation("Identity", lambda x, *a, **k: x)
Softmax = _activation("Softmax", lambda x, dim=None: F.softmax(x, dim),
                      lambda self: f"dim={self._args[0][0] if self._args[0] else self._args[1].get('dim')}")
LogSoftmax = _activation("LogSoftmax", lambda x, dim=None: F.log_softmax(x, dim),
                         lambda self: f"dim={self._args[0][0] if self._args[0] else self._args[1].get('dim')}")
Flatten = _activation("Flatten", lambda x, start_dim=1, end_dim=-1: x.flatten(start_dim, end_dim),
                      lambda self: "start_dim=1, end_dim=-1")


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


def _loss(name, fn):
    def __init__(self, *args, reduction="mean", **kwargs):
        Module.__init__(self)
        object.__setattr__(self, "reduction", reduction)
        object.__setattr__(self, "_kw", kwargs)

    def forward(self, input, target):
        return fn(input, target, reduction=self.reduction, **self._kw)

    return type(name, (Module,), {"__init__": __init__, "forward": forward})


MSELoss = _loss("MSELoss", F.mse_loss)
CrossEntropyLoss = _loss("CrossEntropyLoss", F.cross_entropy)
NLLLoss = _loss("NLLLoss", F.nll_loss)
BCELoss = _loss("BCELoss", F.binary_cross_entropy)
BCEWithLogitsLoss = _loss("BCEWithLogitsLoss", F.binary_cross_entropy_with_logits)
L1Loss = _loss("L1Loss", F.l1_loss)
