"""What `obj?`, `obj??` and inspect requests show: tensors described by autograd, others by signature and doc."""
import inspect
import re

from .report import tensor_and_module_types

_NAME_CHARS = re.compile(r"[\w.]*$")
_NAME_AFTER = re.compile(r"^\w*")


def expression_at_cursor(code, cursor_pos):
    """The dotted name under the cursor, or the function whose call the cursor is in (`f(a, |`)."""
    before, after = code[:cursor_pos], code[cursor_pos:]
    name = _NAME_CHARS.search(before).group() + _NAME_AFTER.match(after).group()
    name = name.strip(".")
    if name and not name[0].isdigit():
        return name
    depth = 0
    for index in range(len(before) - 1, -1, -1):  # walk back to the unclosed "(" of the call
        char = before[index]
        if char == ")":
            depth += 1
        elif char == "(":
            if depth == 0:
                return _NAME_CHARS.search(before[:index]).group().strip(".") or None
            depth -= 1
    return None


def resolve(expression, namespace):
    """The object a dotted name denotes in `namespace` (attribute lookups only, no calls); KeyError if none."""
    if not expression:
        raise KeyError(expression)
    head, *attributes = expression.split(".")
    builtins = namespace.get("__builtins__", {})
    if head in namespace:
        obj = namespace[head]
    elif isinstance(builtins, dict) and head in builtins:
        obj = builtins[head]
    else:
        raise KeyError(expression)
    for attribute in attributes:
        try:
            obj = getattr(obj, attribute)
        except Exception:
            raise KeyError(expression) from None
    return obj


def _graph_lines(tensor, names):
    try:
        from gradtrace.engine import introspect
    except ImportError:
        return []
    lines = []
    if tensor.grad_fn is not None or tensor.requires_grad:
        found = introspect.chain(tensor, names)
        if found:
            lines.append("grad_fn chain:")
            lines.extend("    " + line for line in found["text"].splitlines())
    if tensor.grad_fn is not None:
        memory = introspect.graph_memory(tensor)
        lines.append(f"graph memory:  {memory['nodes']} nodes, {memory['saved_tensors']} saved tensors, "
                     f"{memory['saved_bytes']} bytes saved")
    return lines


def describe_tensor(name, tensor, names=None):
    """Shape, dtype, device, autograd state, chain, grad and graph memory of a tensor."""
    grad_fn = tensor.grad_fn
    lines = [
        f"Type:          {type(tensor).__module__}.{type(tensor).__qualname__}",
        f"Name:          {name}",
        f"Shape:         {list(tensor.shape)}",
        f"Dtype:         {tensor.dtype}",
        f"Device:        {tensor.device}",
        f"requires_grad: {tensor.requires_grad}",
        f"is_leaf:       {grad_fn is None}",
        f"grad_fn:       {None if grad_fn is None else grad_fn.name()}",
    ]
    lines.extend(_graph_lines(tensor, names or {id(tensor): name}))
    if grad_fn is None and tensor.requires_grad:
        lines.append(f"grad:          {tensor.grad!r}")
    lines.append(f"Value:         {tensor!r}")
    return "\n".join(lines)


def describe_object(name, obj, detail_level=0):
    """IPython-style help: type, signature, docstring, and the source at detail level 1."""
    lines = [f"Type:      {type(obj).__name__}"]
    if not (inspect.isclass(obj) or callable(obj) or inspect.ismodule(obj)):
        text = repr(obj)
        lines.append(f"Value:     {text if len(text) < 500 else text[:497] + '...'}")
    if callable(obj):
        try:
            lines.append(f"Signature: {name}{inspect.signature(obj)}")
        except (TypeError, ValueError):
            pass
    doc = inspect.getdoc(obj)
    if doc:
        lines.append("Docstring:\n" + doc)
    if detail_level >= 1:
        try:
            lines.append(f"File:      {inspect.getsourcefile(obj)}")
            lines.append("Source:\n" + inspect.getsource(obj).rstrip())
        except (TypeError, OSError):
            pass
    return "\n".join(lines)


def describe(name, obj, detail_level=0, names=None):
    """The help text for `obj` named `name`."""
    tensor_types, _ = tensor_and_module_types()
    if tensor_types and isinstance(obj, tensor_types):
        return describe_tensor(name, obj, names)
    return describe_object(name, obj, detail_level)
