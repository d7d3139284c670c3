"""torch.save / torch.load in PyTorch's own zip format, so checkpoints cross between gradtrace and torch.

A checkpoint is a zip archive: `archive/data.pkl` (the object, pickled with protocol 2, each tensor as a
call to `torch._utils._rebuild_tensor_v2` on a persistent storage reference) and `archive/data/<key>`
(each storage's raw little-endian bytes). The pickle names torch's globals (`torch._utils`,
`torch.FloatStorage`, `torch.float32`, ...) without importing torch; loading maps them back to gradtrace.
"""
import collections
import io
import os
import pickle
import secrets
import zipfile

import numpy as np

from . import _dtype
from ._device import device as _device_cls
from ._size import Size
from ._tensor import Tensor

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals"]

# storage class name in the pickle <-> the dtype of its elements
_STORAGE_NAMES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage", "bfloat16": "BFloat16Storage",
    "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage",
    "uint8": "ByteStorage", "bool": "BoolStorage", "complex64": "ComplexFloatStorage",
    "complex128": "ComplexDoubleStorage",
}
_STORAGE_DTYPES = {name: _dtype.ALIASES.get(dt, _dtype.bool_) for dt, name in _STORAGE_NAMES.items()}
_ALIGNMENT = 64  # torch aligns each storage record's bytes to 64 in the archive


class _TorchGlobal:
    """A reference to one of torch's globals, written into the pickle by name (torch need not be installed)."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle insists that a reduce function be callable
        raise TypeError(f"{self.module}.{self.name} is a name written into checkpoints, not a function")


_REBUILD_TENSOR = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
_TORCH_SIZE = _TorchGlobal("torch", "Size")
_TORCH_DEVICE = _TorchGlobal("torch", "device")
_STORAGE_GLOBALS = {name: _TorchGlobal("torch", name) for name in _STORAGE_NAMES.values()}
_DTYPE_GLOBALS = {dt.name: _TorchGlobal("torch", dt.name) for dt in _dtype.ALL}


class _StorageRef:
    """A tensor's storage inside the pickle: becomes a persistent id, its bytes a record of its own."""

    __slots__ = ("key", "dtype", "numel")

    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel


def _to_bfloat16_bits(values):
    """float32 -> bfloat16 bit patterns, rounding to nearest even as torch's cast does (NaN stays NaN)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = ((bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16))
    nan = np.isnan(values)
    return np.where(nan, np.uint32(0x7FC0), rounded).astype(np.uint16)


class _Pickler(pickle._Pickler):
    """Protocol-2 pickler that writes tensors, dtypes, sizes and devices as torch's pickles do.

    The pure-Python pickler is used because it lets save_global write a name that is not importable here;
    the pickle is small (storages are separate records), so its speed does not matter."""

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = {}  # key -> (_StorageRef, numpy array of its elements)
        self._keys = {}  # id of a tensor's array -> its storage key (tensors sharing an array share a storage)

    def reducer_override(self, obj):
        if isinstance(obj, _TorchGlobal):
            return obj.name  # a string: saved as a global (see save_global)
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, _dtype.dtype):
            return obj.name
        if isinstance(obj, Size):
            return (_TORCH_SIZE, (tuple(obj),))
        if isinstance(obj, _device_cls):
            return (_TORCH_DEVICE, (str(obj),))
        return NotImplemented

    def _reduce_tensor(self, t):
        if t._is_param:
            plain = Tensor._make(t._data, t.dtype)
            return (_REBUILD_PARAMETER, (plain, t.requires_grad, collections.OrderedDict()))
        data = t._data if type(t._data) is np.ndarray else t._data.get()
        key = self._keys.get(id(t._data))
        if key is None:
            key = str(len(self.storages))
            self._keys[id(t._data)] = key
            self.storages[key] = (_StorageRef(key, t.dtype, data.size), data)
        ref = self.storages[key][0]
        shape = tuple(data.shape)
        stride, step = [], 1
        for n in reversed(shape):
            stride.append(step)
            step *= n
        return (_REBUILD_TENSOR, (ref, 0, shape, tuple(reversed(stride)), t.requires_grad,
                                  collections.OrderedDict()))

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            location = "cpu"
            return ("storage", _STORAGE_GLOBALS[_STORAGE_NAMES[obj.dtype.name]], obj.key, location, obj.numel)
        return None

    def save_global(self, obj, name=None):
        if isinstance(obj, _TorchGlobal):
            ref = obj
        elif isinstance(obj, _dtype.dtype):
            ref = _DTYPE_GLOBALS[obj.name]
        else:
            return super().save_global(obj, name)
        self.write(pickle.GLOBAL + f"{ref.module}\n{ref.name}\n".encode("ascii"))
        self.memoize(obj)


def _storage_bytes(dtype, data):
    data = np.ascontiguousarray(data).reshape(-1)
    if dtype is _dtype.bfloat16:
        return _to_bfloat16_bits(data).astype("<u2").tobytes()
    return data.astype(data.dtype.newbyteorder("<"), copy=False).tobytes()


def _write_record(zf, name, payload, align=False):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    if align:
        # pad the local header's extra field so the bytes start on a 64-byte boundary, as torch's writer does
        start = zf.start_dir + 30 + len(name.encode()) + 4
        pad = -start % _ALIGNMENT
        info.extra = b"FB" + pad.to_bytes(2, "little") + b"Z" * pad
    zf.writestr(info, payload)


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save `obj` (tensors, state_dicts, lists/dicts of tensors and numbers, ...) to a path or binary file
    in PyTorch's zip checkpoint format: real torch's torch.load reads it, and gradtrace reads torch's files.

    Tensors are written contiguous: tensors that are the same array share a storage, but views of one
    another are saved as separate copies (torch keeps them aliased)."""
    buffer = io.BytesIO()
    pickler = _Pickler(buffer)
    pickler.dump(obj)
    opened = isinstance(f, (str, os.PathLike))
    if opened:
        parent = os.path.dirname(os.fspath(f))
        if parent and not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
    stream = open(f, "wb") if opened else f
    try:
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as zf:
            _write_record(zf, "archive/data.pkl", buffer.getvalue())
            _write_record(zf, "archive/.format_version", b"1")
            _write_record(zf, "archive/.storage_alignment", str(_ALIGNMENT).encode())
            if not _disable_byteorder_record:
                _write_record(zf, "archive/byteorder", b"little")
            for key, (ref, data) in pickler.storages.items():
                _write_record(zf, f"archive/data/{key}", _storage_bytes(ref.dtype, data), align=True)
            _write_record(zf, "archive/version", b"3\n")
            _write_record(zf, "archive/.data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())
    finally:
        if opened:
            stream.close()


# ---- loading ------------------------------------------------------------------------------------

_WEIGHTS_ONLY_HELP = (
    "Weights only load failed. This file can still be loaded, to do so you have two options, \x1b[1mdo those "
    "steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In PyTorch 2.6, we changed the default "
    "value of the `weights_only` argument in `torch.load` from `False` to `True`. Re-running `torch.load` with "
    "`weights_only` set to `False` will likely succeed, but it can result in arbitrary code execution. Do it only "
    "if you got the file from a trusted source.\n\t(2) Alternatively, to load with `weights_only=True` please "
    "check the recommended steps in the following error message.\n\tWeightsUnpickler error: ")
_WEIGHTS_ONLY_TAIL = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default "
                      "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")

# globals a weights-only load may call, beyond tensors, storages, dtypes, Size and device
_SAFE_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "slice"): slice,
    ("builtins", "complex"): complex,
    ("_codecs", "encode"): __import__("codecs").encode,  # protocol 2 pickles bytes as _codecs.encode(...)
}
_USER_SAFE_GLOBALS = []


def add_safe_globals(safe_globals):
    """Allow these classes/functions in weights_only loads."""
    _USER_SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals():
    return list(_USER_SAFE_GLOBALS)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    dtype, flat = storage
    size, stride = tuple(size), tuple(stride)
    if flat.size == 0 or 0 in size:
        data = np.zeros(size, dtype=flat.dtype)
    else:
        view = np.lib.stride_tricks.as_strided(flat[storage_offset:], size,
                                               tuple(s * flat.itemsize for s in stride), writeable=False)
        data = np.array(view)
    t = Tensor._make(data, dtype)
    t._requires_grad = bool(requires_grad)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    from .nn.parameter import Parameter

    return Parameter(data, requires_grad)


def _torch_global(module, name):
    """gradtrace's counterpart of one of torch's globals, or None."""
    if module == "torch._utils":
        return {"_rebuild_tensor_v2": _rebuild_tensor_v2, "_rebuild_parameter": _rebuild_parameter,
                "_rebuild_parameter_with_state": _rebuild_parameter}.get(name)
    if module == "torch":
        if name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        if name in _dtype.ALIASES:
            return _dtype.ALIASES[name]
        return {"Size": Size, "device": _device_cls}.get(name)
    return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, records, weights_only, map_location):
        super().__init__(file)
        self._records = records
        self._weights_only = weights_only
        self._map_location = map_location
        self._storages = {}

    def find_class(self, module, name):
        found = _torch_global(module, name)
        if found is not None:
            return found
        safe = _SAFE_GLOBALS.get((module, name))
        if safe is not None:
            return safe
        for obj in _USER_SAFE_GLOBALS:
            if getattr(obj, "__module__", None) == module and getattr(obj, "__qualname__", None) == name:
                return obj
        if self._weights_only:
            raise pickle.UnpicklingError(
                f"{_WEIGHTS_ONLY_HELP}Unsupported global: GLOBAL {module}.{name} was not an allowed global by "
                f"default. Please use `torch.serialization.add_safe_globals([{module}.{name}])` or the "
                f"`torch.serialization.safe_globals([{module}.{name}])` context manager to allowlist this global "
                f"if you trust this class/function.{_WEIGHTS_ONLY_TAIL}")
        if module == "torch" or module.startswith("torch."):
            return _find_torch_class(module, name)
        return super().find_class(module, name)

    def persistent_load(self, pid):
        kind, storage_dtype, key, location, numel = pid
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r} in the checkpoint")
        storage = self._storages.get(key)
        if storage is None:
            raw = self._records(f"data/{key}")
            if storage_dtype is _dtype.bfloat16:
                flat = (np.frombuffer(raw, "<u2").astype(np.uint32) << np.uint32(16)).view(np.float32)
            else:
                flat = np.frombuffer(raw, storage_dtype.np.newbyteorder("<")).astype(storage_dtype.np)
            storage = self._storages[key] = (storage_dtype, flat)
        return storage


def _find_torch_class(module, name):
    """torch.nn.modules.linear.Linear -> gradtrace.engine.nn.Linear, and so on, for weights_only=False."""
    import importlib

    from . import nn
    from ._torch_names import torch_home

    found = torch_home(module, name)
    if found is not None:
        return found
    suffix = module[len("torch"):]
    try:
        return getattr(importlib.import_module(__package__ + suffix), name)
    except (ImportError, AttributeError):
        pass
    if module.startswith("torch.nn") and hasattr(nn, name):
        return getattr(nn, name)
    raise pickle.UnpicklingError(f"gradtrace has no counterpart of {module}.{name} needed by this checkpoint")


def _move(obj, map_location):
    if map_location is None:
        return obj
    if isinstance(obj, Tensor):
        return obj.to(map_location)
    if isinstance(obj, dict):
        for k in obj:
            obj[k] = _move(obj[k], map_location)
        return obj
    if isinstance(obj, list):
        obj[:] = [_move(v, map_location) for v in obj]
        return obj
    if isinstance(obj, tuple) and not hasattr(obj, "_fields") and type(obj) is tuple:
        return tuple(_move(v, map_location) for v in obj)
    return obj


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load an object saved by torch.save (gradtrace's or PyTorch's zip format) from a path or binary file.

    weights_only defaults to True as in torch >= 2.6: only tensors, containers, numbers, strings and a few
    safe types load; pass weights_only=False for trusted files holding other objects. map_location may be a
    device or a device string; all tensors are moved there."""
    if weights_only is None:
        weights_only = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0") in ("0", "")
    opened = isinstance(f, (str, os.PathLike))
    stream = open(f, "rb") if opened else f
    try:
        if not zipfile.is_zipfile(stream):
            name = os.fspath(f) if opened else "the file object"
            raise RuntimeError(f"{name} is not a checkpoint in torch.save's zip format; gradtrace cannot read "
                               "PyTorch's legacy (pre-1.6) format")
        stream.seek(0)
        with zipfile.ZipFile(stream) as zf:
            pkl = [n for n in zf.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
            if not pkl:
                raise RuntimeError("the checkpoint has no data.pkl record: not written by torch.save")
            prefix = pkl[0][:-len("data.pkl")]
            unpickler = _Unpickler(io.BytesIO(zf.read(pkl[0])), lambda rec: zf.read(prefix + rec),
                                   weights_only, map_location)
            obj = unpickler.load()
    finally:
        if opened:
            stream.close()
    if isinstance(map_location, (str, _device_cls)):
        obj = _move(obj, map_location)
    return obj
