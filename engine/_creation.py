"""Building tensors from data: tensor(), as_tensor, from_numpy, the legacy constructors, random factories."""
import numbers

import numpy as np

from . import _dtype
from ._device import array_module, default_override, normalize, to_device, device_of_array
from ._tensor import Tensor

make = Tensor._make


def _infer(data, depth=0, shape=None, kinds=None):
    """Walk nested sequences: check they are rectangular and find the widest Python number kind."""
    if isinstance(data, Tensor):
        if depth:  # an element of a list: torch reads it as a number
            from . import _tensor

            if data._requires_grad and not _tensor._SCALAR_OF_GRAD_WARNED:
                _tensor._warn_scalar_of_grad()
            if data.numel() != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
        kinds.add(("tensor", data.dtype))
        return
    if isinstance(data, (list, tuple)):
        n = len(data)
        if len(shape) <= depth:
            shape.append(n)
        elif shape[depth] != n:
            raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} (got {n})")
        for item in data:
            if len(shape) > depth + 1 and not isinstance(item, (list, tuple, Tensor)) and not (
                isinstance(item, np.ndarray)
            ):
                raise TypeError(f"expected sequence at dim {depth + 1}")
            _infer(item, depth + 1, shape, kinds)
        return
    if isinstance(data, np.ndarray):
        kinds.add(("numpy", _dtype.from_numpy_dtype(data.dtype)))
        return
    if isinstance(data, np.generic):
        kinds.add(("numpy", _dtype.from_numpy_dtype(data.dtype)))
        return
    if isinstance(data, bool):
        kinds.add(("py", _dtype.bool_))
    elif isinstance(data, numbers.Integral):
        kinds.add(("py", _dtype.int64))
    elif isinstance(data, numbers.Real):
        kinds.add(("py", _dtype.get_default_dtype()))
    elif isinstance(data, numbers.Complex):
        kinds.add(("py", _dtype.get_default_dtype().to_complex()))
    elif isinstance(data, str):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    else:
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _to_plain(data):
    if isinstance(data, Tensor):
        return data._data if type(data._data) is np.ndarray else data._data.get()
    if isinstance(data, (list, tuple)):
        return [_to_plain(x) for x in data]
    return data


def _array_from(data, dtype):
    """(numpy array, dtype) for arbitrary user data, with torch's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data
        return (arr if dtype is None else arr.astype(dtype.np)), dtype or data.dtype
    if isinstance(data, np.ndarray):
        dt = dtype or _dtype.from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dt.np), dt
    kinds = set()
    shape = []
    _infer(data, 0, shape, kinds)
    if dtype is None:
        dt = None
        for _, k in kinds:
            dt = k if dt is None else _dtype.promote_types(dt, k)
        if dt is None:
            dt = _dtype.get_default_dtype()
        # Python floats next to float64 numpy scalars keep float64; plain Python floats are float32.
    else:
        dt = dtype
    arr = np.array(_to_plain(data), dtype=dt.np if dt is not _dtype.bfloat16 else np.float32)
    return arr, dt


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """torch.tensor: always copies `data`."""
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype)
    if isinstance(data, Tensor):
        import warnings

        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    arr, dt = _array_from(data, dtype)
    dev = normalize(device) if device is not None else (data.device if isinstance(data, Tensor) else
                                                        None if default_override() is None else normalize(None))
    if dev is not None and dev.type != "cpu":
        arr = to_device(arr, dev)
    elif type(arr) is not np.ndarray and dev is None:
        pass
    else:
        arr = np.array(arr, copy=True) if type(arr) is np.ndarray else arr
    if requires_grad and not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    t = make(arr, dt)
    t._requires_grad = bool(requires_grad)
    return t


def as_tensor(data, dtype=None, device=None):
    """torch.as_tensor: shares memory with a numpy array or tensor when it can."""
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype)
    dev = normalize(device) if device is not None or default_override() is not None else None
    if isinstance(data, Tensor):
        out = data
        if dtype is not None and dtype is not data.dtype or (dev is not None and dev != data.device):
            out = data.to(device=dev, dtype=dtype)
        return out
    if isinstance(data, np.ndarray) and (dev is None or dev.type == "cpu"):
        dt = dtype or _dtype.from_numpy_dtype(data.dtype)
        arr = data if data.dtype == dt.np else data.astype(dt.np)
        return make(arr, dt)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr):
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    return make(arr, _dtype.from_numpy_dtype(arr.dtype))


def legacy_constructor(cls, dt, *args, device=None, **kwargs):
    """torch.FloatTensor(2, 3) / torch.FloatTensor([1., 2.]) / torch.Tensor(...)"""
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)) and not (
        isinstance(args[0], tuple) and all(isinstance(a, int) for a in args[0]) and False
    ):
        data = args[0]
        arr, _ = _array_from(data, dt)
        return make(np.array(arr, dtype=dt.np), dt)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0] if args[0].dtype is dt else args[0].to(dt)
    from .ops.creation_ops import zeros

    return zeros(*args, dtype=dt, device=device)


def _legacy(dt, name):
    class _Legacy(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, Tensor) and obj.dtype is dt

    def __new__(cls, *args, **kwargs):
        return legacy_constructor(Tensor, dt, *args, **kwargs)

    return _Legacy(name, (), {"__new__": __new__, "dtype": dt})


FloatTensor = _legacy(_dtype.float32, "FloatTensor")
DoubleTensor = _legacy(_dtype.float64, "DoubleTensor")
HalfTensor = _legacy(_dtype.float16, "HalfTensor")
LongTensor = _legacy(_dtype.int64, "LongTensor")
IntTensor = _legacy(_dtype.int32, "IntTensor")
ShortTensor = _legacy(_dtype.int16, "ShortTensor")
ByteTensor = _legacy(_dtype.uint8, "ByteTensor")
CharTensor = _legacy(_dtype.int8, "CharTensor")
BoolTensor = _legacy(_dtype.bool_, "BoolTensor")


def _rebuild(data, dtype_name, device, requires_grad):
    t = make(np.array(data), _dtype.ALIASES[dtype_name])
    if device != "cpu":
        t = t.to(device)
    t._requires_grad = requires_grad
    return t


def _place(arr, device):
    dev = normalize(device)
    return arr if dev.type == "cpu" else to_device(arr, dev)


# ---- random factories (the generator itself lives in _random) ------------------------------------
def _gen(generator):
    from . import _random

    return generator if generator is not None else _random.default_generator


def _rand_size(size):
    from .ops.creation_ops import _size

    return _size(size)


def _allocating(make_array, shape, np_dtype):
    from .ops.validate import allocating

    return allocating(make_array, shape, np_dtype)


def _random_tensor(draw, size, generator, dtype, device, requires_grad):
    dt = dtype or _dtype.get_default_dtype()
    gen = _gen(generator)
    shape = _rand_size(size)
    t = make(_place(_allocating(lambda: getattr(gen, draw)(shape, dt.np), shape, dt.np), device), dt)
    if requires_grad:
        t.requires_grad = True
    return t


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    return _random_tensor("uniform", size, generator, dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    return _random_tensor("normal", size, generator, dtype, device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    dt = dtype or _dtype.int64
    shape = _rand_size(size)
    arr = _allocating(lambda: _gen(generator).randint(low, high, shape, dt.np), shape, dt.np)
    return make(_place(arr, device), dt)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    dt = dtype or _dtype.int64
    _rand_size((n,))  # torch's error for a negative n
    return make(_place(_allocating(lambda: _gen(generator).randperm(n, dt.np), (n,), np.int64), device), dt)


def rand_like(t, *, dtype=None, device=None, requires_grad=False):
    return rand(t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def randn_like(t, *, dtype=None, device=None, requires_grad=False):
    return randn(t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def randint_like(t, low, high=None, *, dtype=None, device=None):
    return randint(low, high, t.shape, dtype=dtype or t.dtype, device=device or t.device)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        if (std._data < 0).any() if isinstance(std, Tensor) else std < 0:
            raise RuntimeError("normal expects all elements of std >= 0.0")
        z = randn(ref.shape, generator=generator, dtype=ref.dtype)
        return z * std + mean
    dt = dtype or _dtype.get_default_dtype()
    arr = _gen(generator).normal(tuple(size), dt.np, mean, std)
    t = make(_place(arr, device), dt)
    if requires_grad:  # d2l's `w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)`
        t.requires_grad = True
    return t


def bernoulli(p, *, generator=None):
    if isinstance(p, Tensor):
        if not ((p._data >= 0) & (p._data <= 1)).all():  # nan too
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
                               "be improved?  If so, please report an enhancement request to PyTorch.)")
        arr = _gen(generator).bernoulli_array(p._data if type(p._data) is np.ndarray else p._data.get())
        return make(_place(arr.astype(p._data.dtype), p.device), p.dtype)
    raise TypeError("bernoulli(): argument 'input' must be Tensor")


def multinomial(probs, num_samples, replacement=False, *, generator=None):
    gen = _gen(generator)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not probs.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {probs.dtype.scalar_name}")
    p = np.asarray(probs._data, dtype=np.float64)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.isfinite(p).all() or (p < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (p.sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement or num_samples == 1:
        # torch's fast path, the Gumbel-max trick with exponentials: q ~ Exp(1) for every element, drawn as
        # -log1p(-u) from float64 uniforms and rounded to probs' dtype (exponential_), then the argmax
        # (or top num_samples) of probs / q along the last dimension.
        data = probs._data if type(probs._data) is np.ndarray else probs._data.get()
        q = (-np.log1p(-gen.uniform(data.shape, np.float64))).astype(data.dtype)
        ratio = data / q
        if num_samples == 1:
            picks = ratio.argmax(axis=-1)[..., None]
        else:
            picks = np.argsort(-ratio, axis=-1, kind="stable")[..., :num_samples]
        return make(_place(picks.astype(np.int64), probs.device), _dtype.int64)
    rows = p.reshape(-1, p.shape[-1])
    out = []
    for row in rows:
        row = row / row.sum()
        u = gen.uniform((num_samples,), np.float64)
        if replacement:
            out.append(np.searchsorted(np.cumsum(row), u, side="right"))
        else:
            picks, w = [], row.copy()
            for k in range(num_samples):
                c = np.cumsum(w / w.sum())
                j = int(min(np.searchsorted(c, u[k], side="right"), len(c) - 1))
                picks.append(j)
                w[j] = 0
            out.append(np.array(picks))
    res = np.stack(out).astype(np.int64)
    return make(res.reshape(p.shape[:-1] + (num_samples,)), _dtype.int64)


def device_of(t):
    return device_of_array(t._data)


def array_module_for(device):
    return array_module(normalize(device))
