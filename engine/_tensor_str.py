"""Tensor printing, a port of torch 2.13's `torch/_tensor_str.py` over numpy arrays.

The text must match PyTorch character for character (widths, wrapping, summarisation, suffixes), so the
algorithm follows torch's closely; it differs only in how it computes: all element work is done on
Python lists from one `.tolist()` of the elements that will be shown, which keeps a small repr in the
tens of microseconds and never touches the hidden part of a large tensor.
"""
import contextlib
import dataclasses
import math

import numpy as np

from . import _dtype
from ._device import array_module, device_of_array


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set printing options like `torch.set_printoptions` (profile first, then explicit arguments).

    As in torch, `sci_mode` is assigned on every call, so a call that omits it resets it to None.
    """
    if profile is not None:
        # torch silently ignores an unknown profile name
        for name, value in _PROFILES.get(profile, {}).items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict that can be passed back to `set_printoptions(**opts)`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that sets print options for its body and restores the previous ones after."""
    old_kwargs = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old_kwargs)


# ---- element formatting ---------------------------------------------------------------------------


class _Formatter:
    """torch's `_Formatter`: one width and one notation for every element of a tensor.

    `values` is a flat list of Python numbers (the shown elements). Floating values are Python floats,
    i.e. the exact float16/float32/float64 values as doubles, so the mode tests below run in float64
    on the stored values exactly as torch's `tensor_totype` does.
    """

    __slots__ = ("floating", "int_mode", "sci_mode", "max_width", "precision")

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        self.precision = PRINT_OPTS.precision
        if not values:
            return
        if not floating:
            # str() length of an int (or bool) grows with |v| on each side of zero: the extremes decide it
            self.max_width = max(1, len(str(max(values))), len(str(min(values))))
            return

        # v - v == 0 is False exactly for inf and nan
        finite = [v for v in values if v != 0 and v - v == 0]
        if not finite:
            return
        self.int_mode = all(v.is_integer() for v in finite)
        # Each notation's length depends only on the sign and on |v| monotonically (fixed) or on the
        # exponent's magnitude (scientific), so the widest string is among the extremes of each sign.
        positives = [v for v in finite if v > 0]
        negatives = [v for v in finite if v < 0]
        extremes = []
        if positives:
            extremes += (min(positives), max(positives))
        if negatives:
            extremes += (min(negatives), max(negatives))
        smallest = min(abs(v) for v in extremes)
        largest = max(abs(v) for v in extremes)
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        p = self.precision
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in extremes)
        elif self.int_mode:
            # the +1 is the "." appended to integral floats
            widths = (len(f"{v:.0f}") + 1 for v in extremes)
        else:
            widths = (len(f"{v:.{p}f}") for v in extremes)
        self.max_width = max(1, *widths)

    def element_formatter(self):
        """A function turning one Python value into its padded text (torch's `_Formatter.format`).

        printf-style templates with a field width pad on the left and never truncate, exactly like
        torch's `(max_width - len(ret)) * " " + ret`; a bound `str.__mod__` avoids a Python call per element.
        """
        width = self.max_width
        if not self.floating:
            return f"%{width}s".__mod__
        p = self.precision
        if self.sci_mode:
            return f"%{width}.{p}e".__mod__
        if self.int_mode:
            def format_integral(v):
                if v - v == 0:  # finite: a trailing "." marks a floating dtype
                    return ("%.0f." % v).rjust(width)
                return ("%.0f" % v).rjust(width)
            return format_integral
        return f"%{width}.{p}f".__mod__


def _complex_element_formatter(real_formatter, imag_formatter):
    """Format complex values as torch does: real part, then the imaginary part with its sign and `j`."""
    format_real = real_formatter.element_formatter()
    format_imag = imag_formatter.element_formatter()

    def format_complex(v):
        imag_str = (format_imag(v.imag) + "j").lstrip()
        # handles negative numbers, +0.0, -0.0
        if imag_str[0] == "+" or imag_str[0] == "-":
            return format_real(v.real) + imag_str
        return format_real(v.real) + "+" + imag_str

    return format_complex


# ---- layout ---------------------------------------------------------------------------------------


def _to_host(arr):
    """A numpy view of `arr` (cupy arrays are copied to the host; numpy scalars become 0-d arrays)."""
    if isinstance(arr, np.ndarray):
        return arr
    if hasattr(arr, "get"):
        return arr.get()
    return np.asarray(arr)


def _summarized_data(arr, edgeitems):
    """The elements a summarised print shows: first and last `edgeitems` of every long dimension.

    One gather on the array's own device, so only the shown elements are ever copied (or sent to the host).
    """
    index = [
        [*range(edgeitems), *range(size - edgeitems, size)] if size > 2 * edgeitems else [*range(size)]
        for size in arr.shape
    ]
    xp = array_module(device_of_array(arr))
    return _to_host(arr[xp.ix_(*index)])


def _layout(nested, cut, indent, format_element, element_length):
    """Nest formatted elements into torch's bracketed text; `cut[d]` marks dimensions to elide.

    A cut dimension holds 2*edgeitems entries (first and last edgeitems); the marker goes between them.
    """
    linewidth = PRINT_OPTS.linewidth
    edgeitems = PRINT_OPTS.edgeitems

    def vector(values, indent):
        data = [format_element(v) for v in values]
        if cut[-1]:
            data.insert(edgeitems, " ...")
        per_line = max(1, math.floor((linewidth - indent) / element_length))
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def block(values, depth, indent):
        if depth == len(cut) - 1:
            return vector(values, indent)
        slices = [block(sub, depth + 1, indent + 1) for sub in values]
        if cut[depth]:
            slices.insert(edgeitems, "...")
        dims_below = len(cut) - depth
        return "[" + ("," + "\n" * (dims_below - 1) + " " * (indent + 1)).join(slices) + "]"

    return block(nested, 0, indent)


def _tensor_str(arr, indent, is_floating, is_complex):
    """The bracketed body of a non-empty tensor's repr (torch's `_tensor_str`)."""
    summarize = arr.size > PRINT_OPTS.threshold
    edgeitems = PRINT_OPTS.edgeitems
    if summarize and arr.ndim and not edgeitems:
        return "[...]"
    shown = _summarized_data(arr, edgeitems) if summarize else _to_host(arr)

    if is_complex:
        real_formatter = _Formatter(shown.real.ravel().tolist(), True)
        imag_formatter = _Formatter(shown.imag.ravel().tolist(), True)
        format_element = _complex_element_formatter(real_formatter, imag_formatter)
        # width of both parts, the ", " separator and the "j"
        element_length = real_formatter.max_width + 2 + imag_formatter.max_width + 1
    else:
        formatter = _Formatter(shown.ravel().tolist(), is_floating)
        format_element = formatter.element_formatter()
        element_length = formatter.max_width + 2

    if shown.ndim == 0:
        return format_element(shown.item())
    cut = [summarize and size > 2 * edgeitems for size in arr.shape]
    return _layout(shown.tolist(), cut, indent, format_element, element_length)


def _add_suffixes(tensor_str, suffixes, indent):
    """Append `, suffix` items, wrapping onto a new indented line where the line would pass linewidth."""
    parts = [tensor_str]
    # torch's count: the last line's length plus 2 (for the ", " of the suffix about to come)
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _default_dtype_names():
    """The dtypes that print no `dtype=` suffix: default float, its complex twin, int64 and bool."""
    default = _dtype.get_default_dtype()
    default_complex = _dtype.complex128 if default is _dtype.float64 else _dtype.complex64
    return str(default), str(default_complex)


def format_tensor(data, *, dtype_name, is_floating, is_complex, device="cpu", requires_grad=False,
                  grad_fn_name=None, tensor_contents=None):
    """The repr torch prints for a tensor described by plain facts (torch's `_str_intern`).

    `data` is a numpy or cupy array, `dtype_name` like 'torch.float32', `device` like 'cpu' or 'cuda:0',
    `grad_fn_name` like 'MulBackward0' (it wins over `requires_grad`). `tensor_contents` replaces the
    bracketed body, as in torch's `Tensor.__repr__(tensor_contents=...)`.
    """
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    device_type = device.split(":", 1)[0]
    # only the default device (cpu) goes unnamed
    if device_type != "cpu":
        suffixes.append(f"device='{device}'")

    default_name, default_complex_name = _default_dtype_names()
    shape = tuple(data.shape)
    tensor_str = tensor_contents
    if device_type == "meta":
        suffixes.append(f"size={shape}")
        if dtype_name != default_name:
            suffixes.append(f"dtype={dtype_name}")
        tensor_str = "..." if tensor_str is None else tensor_str
    elif data.size == 0:
        # torch prints the shape unless it is (0,), like numpy
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        # no elements to infer an int64 dtype from, so only the default float dtype goes unnamed
        if dtype_name != default_name:
            suffixes.append(f"dtype={dtype_name}")
        tensor_str = "[]" if tensor_str is None else tensor_str
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        if dtype_name not in (default_name, default_complex_name, "torch.int64", "torch.bool"):
            suffixes.append(f"dtype={dtype_name}")
        if tensor_str is None:
            tensor_str = _tensor_str(data, indent, is_floating, is_complex)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + tensor_str, suffixes, indent)


def tensor_repr(t, *, tensor_contents=None):
    """The repr of a gradtrace tensor, exactly as torch 2.13 prints the same tensor."""
    dtype = t.dtype
    grad_fn = t.grad_fn
    return format_tensor(
        t._data,
        dtype_name=str(dtype),
        is_floating=dtype.is_floating_point,
        is_complex=dtype.is_complex,
        device=str(t.device),
        requires_grad=t.requires_grad,
        grad_fn_name=None if grad_fn is None else type(grad_fn).__name__,
        tensor_contents=tensor_contents,
    )


def parameter_repr(t):
    """The repr of an `nn.Parameter`: torch's header line over the tensor's repr."""
    return "Parameter containing:\n" + tensor_repr(t)
