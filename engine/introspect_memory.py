"""How much memory an autograd graph keeps alive through the tensors its nodes saved."""
from .introspect_graph import numel, preorder

_FREED_MARKER = "backward through the graph a second time"


def _looks_like_tensor(value):
    return hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "grad_fn")


def _saved_tensors(node):
    """The tensors a node saved for backward: its `_saved_*` attributes (torch's built-in
    nodes) and `saved_tensors` (custom Functions), tuples and lists unpacked. Values freed by
    backward are skipped."""
    found = []
    for attribute in dir(node):  # sorted, and listing torch's and gradtrace's `_saved_*` alike
        if not (attribute.startswith("_saved_") or attribute == "saved_tensors"):
            continue
        try:
            value = getattr(node, attribute)
        except AttributeError:  # listed but unset: an optional value this node did not keep
            continue
        except RuntimeError as err:
            if _FREED_MARKER in str(err):
                continue
            raise
        values = value if isinstance(value, (tuple, list)) else (value,)
        found.extend(v for v in values if _looks_like_tensor(v))
    return found


def _storage(tensor):
    """(key identifying the memory block behind the tensor, that block's size in bytes)."""
    if hasattr(tensor, "untyped_storage"):  # torch: views share one storage
        storage = tensor.untyped_storage()
        return ("storage", storage.data_ptr(), storage.device.type), storage.nbytes()
    array = getattr(tensor, "_data", None)
    if array is not None and hasattr(array, "nbytes"):
        # numpy and cupy views point at their owner through .base; the owner is the block.
        while getattr(array, "base", None) is not None and hasattr(array.base, "nbytes") \
                and hasattr(array.base, "shape"):
            array = array.base
        return ("array", id(array)), int(array.nbytes)
    return ("tensor", id(tensor)), numel(tensor.shape) * tensor.dtype.itemsize


def graph_memory(tensor):
    """Nodes reachable from `tensor.grad_fn` and the saved tensors that keep memory alive.

    Returns `dict(nodes, saved_tensors, saved_bytes)`: `saved_tensors` counts every saved
    slot (`a * a` saves `a` twice), `saved_bytes` counts each memory block once, whole (a
    saved view keeps its whole base alive). After backward() without retain_graph the saved
    tensors are freed and count as nothing. A tensor without grad_fn gives zeros.
    """
    if tensor.grad_fn is None:
        return {"nodes": 0, "saved_tensors": 0, "saved_bytes": 0}
    nodes = preorder(tensor.grad_fn)
    slots = 0
    blocks = {}
    keep_alive = []  # holds the saved tensors so that no id() in the keys is reused meanwhile
    for node in nodes:
        for saved in _saved_tensors(node):
            slots += 1
            keep_alive.append(saved)
            key, nbytes = _storage(saved)
            blocks[key] = nbytes
    return {"nodes": len(nodes), "saved_tensors": slots, "saved_bytes": sum(blocks.values())}
