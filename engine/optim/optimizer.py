"""The Optimizer base: parameter groups, per-parameter state keyed by the parameter, zero_grad,
and torch's state_dict layout (state and groups refer to parameters by their order)."""
import functools
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

import numpy as np

from .. import _dtype
from .._grad_mode import enable_grad
from .._numpy_quiet import enter as _enter_quiet, leave as _leave_quiet
from .._tensor import Tensor
from ..autograd.profiler import record_function
from .._typename import typename as _typename


class _RequiredParameter:
    """Singleton class representing a required parameter for an Optimizer."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _step_tensor(value=0.0):
    """state['step']: a 0-d CPU tensor in torch's scalar dtype (float64 only under a float64 default)."""
    dt = _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.float32
    return Tensor._make(np.array(value, dtype=dt.np), dt)


def _number(x):
    """A hyper-parameter given as a one-element tensor, as the Python number the update uses."""
    return x.item() if isinstance(x, Tensor) else x


def _run_closure(closure):
    """step(closure): the closure re-evaluates the loss with autograd on, as in torch."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def check_adam_arguments(lr, eps, betas, weight_decay, tensor_lr=False):
    """The argument checks Adam, Adamax, NAdam and RAdam share, in torch's order and words.
    tensor_lr: whether this optimizer also refuses a tensor lr of more than one element first."""
    if tensor_lr and isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _profiled_step(step):
    """An optimizer's step inside torch's profiler label, "Optimizer.step#SGD.step"."""

    @functools.wraps(step)
    def profiled(self, *args, **kwargs):
        # the updates run on arrays directly, so they keep numpy's floating-point errors quiet as ops do
        # (an inf or nan gradient updates silently, as in torch)
        token = _enter_quiet()
        try:
            with record_function(f"Optimizer.step#{type(self).__name__}.step"):
                return step(self, *args, **kwargs)
        finally:
            if token is not None:
                _leave_quiet(token)

    return profiled


class Optimizer:
    """Base class for all optimizers."""

    def __init_subclass__(cls, **kwargs):
        # torch labels every optimizer's step for the profiler (its profile_hook_step), so a training
        # cell's table shows the row "Optimizer.step#Adam.step" around the update
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _profiled_step(cls.__dict__["step"])

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += f"    {key}: {group[key]}\n"
        return format_string + ")"

    def add_param_group(self, param_group):
        """Add a param group to the Optimizer's param_groups (e.g. layers unfrozen during fine-tuning)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)

        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not seen.isdisjoint(id(p) for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors (to None by default, else to zeros)."""
        with record_function(f"Optimizer.zero_grad#{type(self).__name__}.zero_grad"):
            for group in self.param_groups:
                for p in group["params"]:
                    if p._grad is not None:
                        if set_to_none:
                            p._grad = None
                        else:
                            if p._grad.grad_fn is not None:
                                p._grad = p._grad.detach()
                            else:
                                p._grad.requires_grad_(False)
                            p._grad.zero_()

    def state_dict(self):
        """{'state': {index: per-parameter state}, 'param_groups': [group options with 'params' as indices]}."""
        mapping = {}
        start = 0

        def pack_group(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            mapping.update({id(p): i for i, p in enumerate(group["params"], start) if id(p) not in mapping})
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Load the optimizer state from a state_dict() (deep-copied; floating state cast to its parameter's dtype)."""
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, param_id=None, key=None):
            if isinstance(value, Tensor):
                return _process_value(param, value, param_id, state_dict["param_groups"], key)
            if isinstance(value, dict):
                return {k: cast(param, v, param_id, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v, param_id) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v, k)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        self.__setstate__({"state": state, "param_groups": [update_group(g, ng) for g, ng in zip(groups, saved_groups)]})

    def step(self, closure=None):
        raise NotImplementedError


def _process_value(param, value, param_id, param_groups, key):
    """A loaded state tensor as torch keeps it: 'step' untouched, the rest copied to the parameter's dtype."""
    if key == "step":
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused, capturable = pg.get("fused", False), pg.get("capturable", False)
                break
        return value.to(dtype=_dtype.float32, device=param.device) if (capturable or fused) else value
    if param.is_floating_point():
        return value.to(dtype=param.dtype, device=param.device)
    return value.to(device=param.device)
