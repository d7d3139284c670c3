"""The per-input Report: what autograd did during one input, as plain JSON-ready data.

Around an input the service takes two cheap Snapshots of the namespace (tensor identities and
version counters, and each leaf's grad identity and version; never copies of data) and runs a
profiler capture. `build_report` diffs them into the Report, whose fields are defined here, once:

    {
      "execution_count": int,
      "statement": str | None,          # the statement's source in `%lens statements` mode
      "bound": [{"name", "repr", "shape": [int], "dtype": "torch.float32", "device": "cpu",
                 "requires_grad": bool, "grad_fn": str | None, "chain": str | None}],
                                        # tensors bound or changed in place (with %lens chains)
      "grads": [{"name", "value": repr text, "accumulated": bool}],
      "profile": {"rows": [{"name", "calls", "self_us", "total_us"}], "self_total_us": float,
                  "table": str} | None,
      "graph": {"name": str, "mermaid": str} | None,   # the largest graph among the bound tensors
      "notes": [str],                   # warnings the input raised, "Category: message"
    }

An input that bound no tensor, changed no grad and ran no engine op has no Report (None).
"""
import sys
from dataclasses import dataclass

REPORT_MIME = "application/vnd.gradtrace.report+json"
PROFILE_ROWS = 10   # rows kept in the report's table; `%profile table` shows them all
# An input's profile stops after this many records (ops, backward nodes and their wrappers): a long
# training loop would otherwise keep ~200 bytes per op and take seconds to tabulate afterwards.
PROFILE_MAX_RECORDS = 10_000
REPR_LIMIT = 300    # characters of a tensor's repr kept in the report

# Names IPython-style output history binds: not the user's tensors, so never "bound" in a report.
_OUTPUT_NAMES = frozenset(("_", "__", "___", "Out", "In", "_i", "_ii", "_iii", "_oh", "_ih"))


@dataclass
class Lens:
    """What the report shows; switched by `%lens`."""
    chains: bool = True
    grads: bool = True
    profile: bool = True
    statements: bool = False

    def parts(self):
        return [part for part in ("chains", "grads", "profile") if getattr(self, part)]

    def describe(self):
        parts = " ".join(self.parts()) or "off"
        return f"lens: {parts}" + (" (one report per statement)" if self.statements else "")


def tensor_and_module_types():
    """(tensor classes, nn.Module classes) of the engines loaded so far: gradtrace's first, then real torch's."""
    tensors, modules = [], []
    engine = sys.modules.get("gradtrace.engine._tensor")
    if engine is not None:
        tensors.append(engine.Tensor)
    engine_nn = sys.modules.get("gradtrace.engine.nn")
    if engine_nn is not None and isinstance(getattr(engine_nn, "Module", None), type):
        modules.append(engine_nn.Module)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(getattr(torch, "Tensor", None), type):
        tensors.append(torch.Tensor)
        torch_nn = sys.modules.get("torch.nn")
        if torch_nn is not None and isinstance(getattr(torch_nn, "Module", None), type):
            modules.append(torch_nn.Module)
    return tuple(tensors), tuple(modules)


def _version_and_leaf_grad(tensor):
    """(version, is a leaf requiring grad, grad, grad version) through the public torch contract."""
    if tensor.requires_grad and tensor.grad_fn is None:
        grad = tensor.grad
        return tensor._version, True, grad, None if grad is None else grad._version
    return tensor._version, False, None, None


class Snapshot:
    """Identities and version counters of the namespace's tensors and of its leaves' grads."""

    __slots__ = ("tensors", "leaves")

    def __init__(self, namespace, types=None):
        tensor_types, module_types = types if types is not None else tensor_and_module_types()
        tensors = {}   # name -> (tensor, version)
        leaves = {}    # id(leaf) -> (leaf, name, grad, grad version)
        engine_tensor = sys.modules.get("gradtrace.engine._tensor")
        engine_tensor = engine_tensor.Tensor if engine_tensor is not None else ()
        if tensor_types:
            for name, value in namespace.items():
                if name[0] == "_" and (name in _OUTPUT_NAMES or name[1:].isdigit()):
                    continue
                if isinstance(value, engine_tensor):
                    # gradtrace's own fields read directly: the public properties cost 3x more, and
                    # this loop runs twice per input over every tensor in the namespace.
                    vc = value._vc
                    tensors[name] = (value, 0 if vc is None else vc[0])
                    if value._requires_grad and value.grad_fn is None:
                        grad = value._grad
                        if grad is None:
                            leaves[id(value)] = (value, name, None, None)
                        else:
                            vc = grad._vc
                            leaves[id(value)] = (value, name, grad, 0 if vc is None else vc[0])
                elif isinstance(value, tensor_types):
                    version, is_leaf, grad, grad_version = _version_and_leaf_grad(value)
                    tensors[name] = (value, version)
                    if is_leaf:
                        leaves[id(value)] = (value, name, grad, grad_version)
                elif module_types and isinstance(value, module_types):
                    for pname, param in value.named_parameters():
                        _, _, grad, grad_version = _version_and_leaf_grad(param)
                        leaves[id(param)] = (param, f"{name}.{pname}", grad, grad_version)
        self.tensors = tensors
        self.leaves = leaves

    def names_by_id(self):
        """id(tensor) -> name, for chains and graphs that label the tensors the user can see."""
        names = {id(leaf): name for leaf, name, _, _ in self.leaves.values()}
        names.update((id(tensor), name) for name, (tensor, _) in self.tensors.items())
        return names


def changed_tensors(before, after):
    """Names whose tensor is new, replaced or modified in place since `before`."""
    old = before.tensors
    changed = []
    for name, (tensor, version) in after.tensors.items():
        previous = old.get(name)
        if previous is None or previous[0] is not tensor or previous[1] != version:
            changed.append(name)
    return changed


def changed_grads(before, after):
    """[(name, leaf, accumulated)] for leaves whose .grad object or its version changed."""
    old = before.leaves
    changed = []
    for key, (leaf, name, grad, version) in after.leaves.items():
        if grad is None:
            continue
        previous = old.get(key)
        if previous is None or previous[2] is not grad or previous[3] != version:
            accumulated = previous is not None and previous[2] is not None
            changed.append((name, grad, accumulated))
    return changed


def _short_repr(tensor):
    text = repr(tensor)
    return text if len(text) <= REPR_LIMIT else text[:REPR_LIMIT - 3] + "..."


def _introspect():
    try:
        from gradtrace.engine import introspect
        return introspect
    except ImportError:
        return None


def _profile_data(events):
    """The profile fields from the profiler's events, or None when no op ran."""
    averages = events.key_averages()
    rows = sorted(averages, key=lambda e: e.self_cpu_time_total, reverse=True)
    if not rows:
        return None
    return {
        "rows": [{"name": e.key, "calls": e.count, "self_us": float(e.self_cpu_time_total),
                  "total_us": float(e.cpu_time_total)} for e in rows],
        "self_total_us": float(sum(e.self_cpu_time_total for e in rows)),
        "table": averages.table(sort_by="self_cpu_time_total", row_limit=PROFILE_ROWS),
    }


def _bound_entry(name, tensor, names, lens, introspect):
    grad_fn = tensor.grad_fn
    chain = None
    if lens.chains and introspect is not None and (grad_fn is not None or tensor.requires_grad):
        found = introspect.chain(tensor, names)
        chain = found["text"] if found else None
    return {
        "name": name,
        "repr": _short_repr(tensor),
        "shape": list(tensor.shape),
        "dtype": str(tensor.dtype),
        "device": str(tensor.device),
        "requires_grad": bool(tensor.requires_grad),
        "grad_fn": None if grad_fn is None else grad_fn.name(),
        "chain": chain,
    }


def _largest_graph(bound_tensors, names, introspect):
    """{"name", "mermaid"} for the bound tensor with the biggest graph, None without graphs."""
    candidates = [(name, t) for name, t in bound_tensors if t.grad_fn is not None]
    if not candidates or introspect is None:
        return None
    name, tensor = max(candidates, key=lambda item: introspect.graph_memory(item[1])["nodes"])
    text = introspect.mermaid(tensor, names)
    return {"name": name, "mermaid": text} if text else None


def build_report(before, after, *, lens, execution_count, profile_events=None, notes=(), statement=None,
                 result=None):
    """The Report of one input (see the module docstring), or None when autograd did nothing.

    `result` is the input's value when it is a tensor that no name holds: it shows as `Out[N]`.
    """
    profile = _profile_data(profile_events) if profile_events is not None else None
    tensors = []
    if lens.chains:
        tensors = [(name, after.tensors[name][0]) for name in changed_tensors(before, after)]
        if result is not None and result.grad_fn is not None and all(result is not t for _, t in tensors):
            tensors.append((f"Out[{execution_count}]", result))
    grads = changed_grads(before, after) if lens.grads else []
    if not tensors and not grads and profile is None:
        return None
    introspect = _introspect()
    names = after.names_by_id()
    bound = [_bound_entry(name, tensor, names, lens, introspect) for name, tensor in tensors]
    return {
        "execution_count": execution_count,
        "statement": statement,
        "bound": bound,
        "grads": [{"name": name, "value": _short_repr(grad), "accumulated": accumulated}
                  for name, grad, accumulated in grads],
        "profile": profile if lens.profile else None,
        "graph": _largest_graph(tensors, names, introspect) if lens.chains else None,
        "notes": list(notes),
    }
