"""torch.typename: how torch's messages name an object's type ('torch.FloatTensor', 'int', 'collections.OrderedDict')."""


def typename(obj):
    """The type of `obj` as torch's error messages write it (a tensor: its legacy type name)."""
    from ._tensor import Tensor

    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"
