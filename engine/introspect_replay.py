"""The backward pass, replayed step by step: what `y.backward()` does, made visible.

`replay(y)` runs the nodes `y.backward()` would run, in the order the engine runs them, and
writes down at each step the gradient arriving (the node's input buffer, and the sum when several
edges meet there), the hooks that ran, the local derivatives (scalar graphs), the gradient sent
along each edge and what lands in each leaf. Nothing changes: no `.grad` is written (unless
`apply=True`) and no saved tensor is freed, so the graph can still be used. `inputs=[a, b]`
replays `torch.autograd.grad(y, [a, b])` instead: only the nodes that lead to them, no leaf touched.

The record is bounded like the report: the first and last steps of a long pass are kept in full,
the middle is counted by node kind, so a 100,000-deep chain replays into a few dozen rows. The
result is plain data (`to_dict()`, JSON-ready); the kernel and REPL only render it.

Works on gradtrace's graph and, without hooks, on real torch's (nodes called as `grad_fn(grad)`).
"""
import collections
import contextlib
import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from .introspect_graph import class_name, is_accumulate_grad, node_label, preorder
from .introspect_names import forward_op, forward_text, node_variable

SMALL = 8          # tensors with at most this many elements are shown by value
MAX_SUMMANDS = 6   # contributions listed for one input buffer (the rest are counted)


@dataclass
class ReplayStep:
    """One node run by backward: what came in, what it did, what went out."""
    index: int
    node: str                                    # class name, MulBackward0
    torch_name: str = ""                         # node.name(): "torch::autograd::AccumulateGrad"
    op: str | None = None                        # the forward operation: "mul", "pow"
    variable: str | None = None                  # the session's name for the node's output
    forward: str | None = None                   # `c = a + b`
    grad_in: list = field(default_factory=list)  # per output of the forward op: a value summary or None
    summed: list = field(default_factory=list)   # [{"output", "parts": [{"from", "value"}], "more"}]
    hooks: list = field(default_factory=list)    # [{"kind", "output"?, "changed"}]
    local: list | None = None                    # scalar graphs: d(output)/d(input) per edge
    edges: list = field(default_factory=list)    # [{"to", "value"}] one per next_function
    leaf: dict | None = None                     # AccumulateGrad: {"name", "old", "new", "applied"}
    anomaly: str | None = None                   # "nan" / "inf" first produced here
    _node: object = field(default=None, repr=False)  # the node, until the step is summarised

    def to_dict(self):
        return {key: value for key, value in self.__dict__.items() if value not in (None, []) and key[0] != "_"}


@dataclass
class Replay:
    """The replay of one backward pass: its steps (bounded), the leaves' gradients, what was left out."""
    output: str
    mode: str                                    # "backward" or "grad"
    inputs: list = field(default_factory=list)   # grad mode: names of the inputs
    steps: list = field(default_factory=list)    # ReplayStep, head then tail
    step_count: int = 0
    omitted: dict = field(default_factory=dict)  # node kind -> steps left out of the middle
    omitted_after: int = 0                       # the left-out steps come after this step index
    leaves: list = field(default_factory=list)   # [{"name", "value", "edges"}] what lands in each leaf
    results: list = field(default_factory=list)  # grad mode: [{"name", "value"}] per input
    anomaly: int | None = None                   # index of the first step that produced NaN/inf
    scalar: bool = True
    applied: bool = False

    def to_dict(self):
        """Plain JSON-ready data, the same for every front end."""
        return {
            "output": self.output, "mode": self.mode, "inputs": self.inputs, "scalar": self.scalar,
            "applied": self.applied, "step_count": self.step_count,
            "steps": [step.to_dict() for step in self.steps],
            "omitted": dict(self.omitted), "omitted_after": self.omitted_after,
            "leaves": self.leaves, "results": self.results, "anomaly": self.anomaly,
        }


def summary(tensor, small=SMALL):
    """A gradient as the replay shows it: values when small, else shape, norm, min and max."""
    if tensor is None:
        return None
    array = np.asarray(_array(tensor))
    shape = list(array.shape)
    if array.size <= small:
        values = array.tolist()
        return {"shape": shape, "values": values}
    with np.errstate(all="ignore"):
        data = array.astype(np.float64, copy=False) if array.dtype.kind in "biuf" else np.abs(array)
        return {"shape": shape, "norm": float(np.linalg.norm(data.ravel())),
                "min": float(data.min()), "max": float(data.max())}


def _array(tensor):
    data = getattr(tensor, "_data", None)  # gradtrace's array, without a copy to the CPU
    return data if isinstance(data, np.ndarray) else tensor.detach().cpu().numpy()


def _bad(tensor):
    """"nan" or "inf" when the gradient holds one, else None."""
    if tensor is None:
        return None
    array = _array(tensor)
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    return "nan" if np.isnan(array).any() else "inf"


# -- what the engine runs, and in which order ---------------------------------------------------

def _is_gradtrace(node):
    return hasattr(node, "_seq")


def _edges(node):
    return list(getattr(node, "next_functions", ()))


def _needed(nodes, targets):
    """The nodes from which a target node is reachable (autograd.grad runs only those)."""
    needed = {id(n) for n in nodes if id(n) in targets}
    parents = collections.defaultdict(list)
    for node in nodes:
        for child, _ in _edges(node):
            if child is not None:
                parents[id(child)].append(node)
    stack = list(needed)
    while stack:
        for parent in parents[stack.pop()]:
            if id(parent) not in needed:
                needed.add(id(parent))
                stack.append(id(parent))
    return [n for n in nodes if id(n) in needed]


def _order(root, nodes):
    """The engine's execution order over `nodes`.

    gradtrace runs nodes newest first (creation order reversed is a dependency order) and the
    leaves' AccumulateGrad nodes last; torch runs a ready node with the highest sequence number
    first, an AccumulateGrad as soon as it is ready.
    """
    if _is_gradtrace(root):
        try:  # the engine's own functions: its AccumulateGrad nodes run in its set's order
            from .autograd.engine import _execution_order, _reachable
        except ImportError:
            ops = sorted((n for n in nodes if not is_accumulate_grad(n)), key=lambda n: n._seq, reverse=True)
            return ops + [n for n in nodes if is_accumulate_grad(n)]
        members = {id(n) for n in nodes}
        return [n for n in _execution_order(_reachable([root])) if id(n) in members]
    members = {id(n) for n in nodes}
    waiting = collections.Counter()
    for node in nodes:
        for child, _ in _edges(node):
            if child is not None and id(child) in members:
                waiting[id(child)] += 1

    def priority(node):
        return -math.inf if is_accumulate_grad(node) else -node._sequence_nr()

    ready = [(priority(root), 0, root)]
    order, tie = [], 1
    while ready:
        node = heapq.heappop(ready)[2]
        order.append(node)
        for child, _ in _edges(node):
            if child is None or id(child) not in members:
                continue
            waiting[id(child)] -= 1
            if waiting[id(child)] == 0:
                heapq.heappush(ready, (priority(child), tie, child))
                tie += 1
    return order


# -- running one node as the engine would -----------------------------------------------------

def _output_count(node):
    count = getattr(node, "num_outputs", None)
    if isinstance(count, int):
        return count
    try:
        return len(node._input_metadata)
    except Exception:  # noqa: BLE001 - a node without metadata takes one gradient
        return 1


def _run_prehooks(node, grads, hooks, apply):
    """Tensor hooks and node pre-hooks before the node runs; retain_grad's gradient (set only on apply)."""
    extra = getattr(node, "_extra", None) if _is_gradtrace(node) else None
    if not extra:
        return grads
    for which, fn in list((extra.get("prehooks") or {}).values()):
        if which == "node":
            result = fn(tuple(grads))
            if result is not None:
                grads = list(result)
            hooks.append({"kind": "node pre-hook", "changed": result is not None})
        elif grads[which] is not None:
            result = fn(grads[which])
            if result is not None:
                grads[which] = result
            hooks.append({"kind": "tensor hook", "output": which, "changed": result is not None})
    for nr, ref in (extra.get("retained") or {}).items():
        tensor = ref()
        if tensor is not None and grads[nr] is not None:
            hooks.append({"kind": "retain_grad", "output": nr, "applied": apply})
            if apply:
                old = tensor._grad
                tensor._grad = grads[nr].detach().clone() if old is None else old + grads[nr].detach()
    return grads


def _call(node, grads):
    """The node's backward for these input-buffer gradients: one result per next_function."""
    if _is_gradtrace(node):
        if node.num_outputs == 1:
            if grads[0] is None:
                return ()
            results = node.backward(grads[0])
        else:
            results = node.backward(*grads)
    else:
        results = node(*grads)
    if not isinstance(results, (tuple, list)):
        results = (results,)
    if not _is_gradtrace(node):  # gradtrace's formulas return plain values under no_grad
        results = _reduced_as_torch_engine(node, tuple(None if r is None else r.detach() for r in results))
    return tuple(results)


def _reduced_as_torch_engine(node, results):
    """torch's engine sums each gradient down to the shape its next node expects (validate_outputs);
    a node called directly leaves that to the caller (a broadcast bias gets its batch-shaped gradient)."""
    reduced = []
    for (child, nr), grad in zip(_edges(node), results):
        shape = None
        if grad is not None and child is not None:
            if is_accumulate_grad(child):
                shape = tuple(child.variable.shape)
            else:
                try:
                    shape = tuple(child._input_metadata[nr].shape)
                except Exception:  # noqa: BLE001 - a node without metadata: keep the gradient as is
                    shape = None
        reduced.append(grad.sum_to_size(shape) if shape is not None and tuple(grad.shape) != shape else grad)
    return tuple(reduced) + results[len(reduced):]


def _run_posthooks(node, results, grads, hooks):
    extra = getattr(node, "_extra", None) if _is_gradtrace(node) else None
    if not extra or "hooks" not in extra:
        return results
    for fn in list(extra["hooks"].values()):
        result = fn(tuple(results), tuple(grads))
        if result is not None:
            results = tuple(result)
        hooks.append({"kind": "node hook", "changed": result is not None})
    return results


def _leaf_hooks(leaf, grad, hooks):
    for fn in list((getattr(leaf, "_hooks", None) or {}).values()) if _is_gradtrace_tensor(leaf) else ():
        result = fn(grad)
        if result is not None:
            grad = result
        hooks.append({"kind": "tensor hook", "output": 0, "changed": result is not None})
    return grad


def _is_gradtrace_tensor(tensor):
    return hasattr(tensor, "_accum_ref")


# -- the replay -----------------------------------------------------------------------------------

class _Recorder:
    """Keeps the first and last steps of a pass (3:1 within `max_steps`), counts the rest by node kind.

    Steps hold their tensors until the pass ends; only kept ones are then summarised, so a long pass
    costs a counter per step, not a summary.
    """

    def __init__(self, max_steps):
        self.head_size = max(1, max_steps - max_steps // 4)
        self.tail_size = max_steps - self.head_size
        self.head, self.tail = [], collections.deque()
        self.omitted = collections.Counter()
        self.omitted_after = 0

    def add(self, step):
        if len(self.head) < self.head_size:
            self.head.append(step)
            return
        self.tail.append(step)
        if len(self.tail) > self.tail_size:
            dropped = self.tail.popleft()
            if not self.omitted:
                self.omitted_after = dropped.index - 1
            self.omitted[dropped.node] += 1

    def steps(self):
        return self.head + list(self.tail)


def replay(output, names=None, *, inputs=None, gradient=None, apply=False, max_steps=40, small=SMALL):
    """Replay `output.backward(gradient)` (or `autograd.grad(output, inputs)`) step by step.

    `names`: id(tensor) -> name (a Names mapping also names intermediate nodes). Nothing is
    written to any `.grad` unless `apply` is true (then leaves, and retain_grad tensors, get what
    backward would give them; the graph is kept, as with retain_graph=True). At most `max_steps`
    steps are recorded in full. Raises RuntimeError with torch's messages where backward would.
    """
    names = names or {}
    root = output.grad_fn
    if root is None:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if gradient is None:
        if output.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        gradient = output.new_ones(tuple(output.shape))
    elif tuple(gradient.shape) != tuple(output.shape):
        raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} and "
                           f"output[0] has a shape of {output.shape}.")
    result = Replay(output=names.get(id(output), "output"), mode="backward" if inputs is None else "grad",
                    applied=bool(apply) and inputs is None)
    nodes = preorder(root)
    targets = _targets(inputs, names, result) if inputs is not None else {}
    if targets:
        leaf_ids = {key[1] for key in targets if key[0] == "leaf"}
        wanted = {id(n) for n in nodes if (id(n), "node") in _target_nodes(targets)
                  or (is_accumulate_grad(n) and id(n.variable) in leaf_ids)}
        nodes = _needed(nodes, wanted)
    with _quietly(root):
        return _replay(output, root, nodes, targets, names, result, gradient, apply, max_steps, small)


@contextlib.contextmanager
def _quietly(root):
    """Gradients computed as plain values (as backward without create_graph), and, on gradtrace,
    unseen by a running profiler: a replay is not work of the user's program, so a per-input
    profile does not count it."""
    if not _is_gradtrace(root):
        from torch import no_grad
        with no_grad():
            yield
        return
    from ._grad_mode import no_grad
    from ._profiler_state import PROFILER
    was_active, PROFILER.active = PROFILER.active, False
    try:
        with no_grad():
            yield
    finally:
        PROFILER.active = was_active


def _replay(output, root, nodes, targets, names, result, gradient, apply, max_steps, small):
    order = _order(root, nodes)
    positions = {id(n): i for i, n in enumerate(order, 1)}  # a node's step number
    buffers = {id(root): [None] * _output_count(root)}
    buffers[id(root)][getattr(output, "output_nr", 0)] = gradient.detach()
    parts = collections.defaultdict(list)      # (id(node), nr) -> [(from step, gradient)]: the sums
    leaves = {}                                # id(leaf) -> {"name", "edges", "more", ...}
    recorder = _Recorder(max_steps)
    scalar = True
    for index, node in enumerate(order, 1):
        grads = buffers.pop(id(node), None)
        if grads is None:
            continue
        step = ReplayStep(index=index, node=class_name(node), _node=node)  # named only if kept
        step.grad_in = grads
        step.summed = [(nr, parts.pop((id(node), nr), ())) for nr in range(len(grads))]
        scalar = scalar and all(g is None or _numel(g) == 1 for g in grads)
        if is_accumulate_grad(node):
            _accumulate_step(node, grads[0], step, leaves, names, result, targets, apply)
            recorder.add(step)
            continue
        _capture(node, grads, targets, result)
        grads = _run_prehooks(node, list(grads), step.hooks, result.applied)
        outs = _run_posthooks(node, _call(node, grads), grads, step.hooks)
        edges = _edges(node)
        step.edges = [(child, outs[i] if i < len(outs) else None) for i, (child, _) in enumerate(edges)]
        if scalar and all(g is None or _numel(g) == 1 for g in outs):
            step.local = (node, grads, outs)  # worked out only if the step is kept
        if result.anomaly is None:
            bad = next((kind for kind in map(_bad, outs) if kind), None)
            if bad and not any(_bad(g) for g in grads):
                step.anomaly, result.anomaly = bad, index
        for i, (child, nr) in enumerate(edges):
            grad = outs[i] if i < len(outs) else None
            if child is None or grad is None or id(child) not in positions:
                continue
            buffer = buffers.setdefault(id(child), [None] * _output_count(child))
            buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad
            parts[(id(child), nr)].append((index, grad))
        recorder.add(step)
    result.steps = [_summarised(step, names, positions, small) for step in recorder.steps()]
    result.step_count = len(result.steps) + sum(recorder.omitted.values())
    result.omitted = dict(recorder.omitted.most_common())
    result.omitted_after = recorder.omitted_after
    result.scalar = scalar
    result.leaves = [_leaf_record(entry, small) for entry in leaves.values()]
    for entry in result.results:
        entry["value"] = summary(entry["value"], small)
    return result


def _targets(inputs, names, result):
    """autograd.grad's inputs: (id(grad_fn), output_nr) or ("leaf", id(leaf)) -> positions."""
    targets = {}
    for position, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        node = tensor.grad_fn
        key = (id(node), tensor.output_nr) if node is not None else ("leaf", id(tensor))
        targets.setdefault(key, []).append(position)
    result.inputs = [names.get(id(t), f"input {i}") for i, t in enumerate(inputs)]
    result.results = [{"name": name, "value": None} for name in result.inputs]
    return targets


def _target_nodes(targets):
    return {(key[0], "node") for key in targets if key[0] != "leaf"}


def _numel(tensor):
    data = getattr(tensor, "_data", None)
    return data.size if isinstance(data, np.ndarray) else tensor.numel()


def _summarised(step, names, positions, small):
    """A kept step with its tensors turned into summaries (and its local derivatives worked out)."""
    node, step._node = step._node, None
    step.torch_name, step.op = node.name(), forward_op(node)
    step.variable, step.forward = node_variable(node, names), forward_text(node, names)
    step.grad_in = [summary(g, small) for g in step.grad_in]
    step.summed = [{"output": nr, "more": max(0, len(found) - MAX_SUMMANDS),
                    "parts": [{"from": frm, "value": summary(g, small)} for frm, g in found[:MAX_SUMMANDS]]}
                   for nr, found in step.summed if len(found) > 1]
    step.edges = [{"to": None, "value": summary(g, small)} if child is None else
                  {"to": node_label(child, names), "to_variable": node_variable(child, names),
                   "to_step": positions.get(id(child)), "value": summary(g, small)}
                  for child, g in step.edges]
    if step.local is not None:
        step.local = _locals(*step.local)
    return step


def _locals(node, grads, outs):
    """d(output)/d(input) per edge of a scalar step: each edge's gradient over the one arriving."""
    arriving = [g for g in grads if g is not None]
    if len(arriving) != 1:
        return None
    incoming = float(arriving[0].item())
    if incoming == 0.0 or not math.isfinite(incoming):
        ones = [None if g is None else g.new_ones(tuple(g.shape)) for g in grads]
        return [None if g is None else float(g.item()) for g in _call(node, ones)]
    return [None if g is None else float(g.item()) / incoming for g in outs]


def _capture(node, grads, targets, result):
    """autograd.grad: the gradient arriving at a non-leaf input is that input's result."""
    if not targets:
        return
    for nr, grad in enumerate(grads):
        for position in targets.get((id(node), nr), ()):
            result.results[position]["value"] = grad


def _accumulate_step(node, grad, step, leaves, names, result, targets, apply):
    """An AccumulateGrad: the leaf's hooks, then what lands in its .grad (written only on apply)."""
    leaf = node.variable
    grad = _leaf_hooks(leaf, grad, step.hooks)
    name = names.get(id(leaf), "leaf")
    edges = [frm for _, found in step.summed for frm, _ in found] or [None]
    if targets:
        for position in targets.get(("leaf", id(leaf)), ()):
            result.results[position]["value"] = grad
        step.leaf = {"name": name, "captured": summary(grad)}
        return
    old = leaf.grad
    new = grad if old is None else old + grad
    step.leaf = {"name": name, "old": summary(old), "new": summary(new), "applied": bool(apply)}
    leaves[id(leaf)] = {"name": name, "value": grad, "from_steps": edges, "accumulated_onto": old}
    if apply:
        leaf.grad = new.detach().clone() if old is None else new.detach()


def _leaf_record(entry, small):
    return {"name": entry["name"], "value": summary(entry["value"], small), "from_steps": entry["from_steps"],
            "accumulated_onto": summary(entry["accumulated_onto"], small)}
