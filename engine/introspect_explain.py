"""The chain rule, path by path: how a gradient gets from an output to a leaf.

`explain(output, leaf)` finds every path from `output.grad_fn` to the leaf and asks each node
on them for its local derivative by calling it, as backward would, with a gradient of ones
of its output's shape. A path's product is what it contributes to the leaf's gradient; the
sum over all paths is the gradient. Nodes are called, never run through backward, so the
graph survives (torch's and gradtrace's nodes keep their saved tensors when called directly).
"""
from dataclasses import dataclass, field

from .introspect_graph import (
    class_name, is_accumulate_grad, numel, output_count, shape_text,
    topological_order,
)
from .introspect_names import Names, node_variable

_FREED_MARKER = "backward through the graph a second time"


class GraphFreedError(RuntimeError):
    """The graph's saved tensors were freed by backward, so its nodes can no longer be called."""


@dataclass(frozen=True)
class Step:
    """One edge of a path: a node and what it passes on to the next node of the path.

    `local` is the local derivative (a number) when the whole graph is scalar, else None;
    `vjp_shape` is the shape of the vector-Jacobian product the node returns for that input
    when called with a gradient of ones; `name` the session's variable for the node's output.
    """
    node: str
    local: float | None
    vjp_shape: tuple
    name: str | None = None


@dataclass
class Path:
    """A path from the output's grad_fn to the leaf: its steps, its end node, its product.

    `product` is a number for scalar graphs; otherwise the tensor this path contributes to the
    leaf's gradient (a gradient of ones chained through the path's vector-Jacobian products).
    None when no gradient flows along it.
    """
    steps: list
    end: str
    product: object


@dataclass
class Explanation:
    """The derivation of d(output)/d(leaf): its paths and their sum, the leaf's gradient."""
    output: str
    leaf: str
    scalar: bool
    paths: list = field(default_factory=list)
    path_count: int = 0
    total: object = None
    #: the chain rule written with the session's names, `∂e/∂c · ∂c/∂b + ...`, when it has them
    chain_rule: str | None = None

    @property
    def paths_omitted(self):
        """Paths that exist but were not listed (explain's `max_paths`)."""
        return self.path_count - len(self.paths)

    def to_dict(self):
        """Plain JSON-ready data: numbers as floats, tensors as `{"shape", "values"}`."""
        return {
            "output": self.output,
            "leaf": self.leaf,
            "scalar": self.scalar,
            "path_count": self.path_count,
            "paths_omitted": self.paths_omitted,
            "paths": [
                {
                    "steps": [_step_dict(s) for s in path.steps],
                    "end": path.end,
                    "product": _json_value(path.product),
                }
                for path in self.paths
            ],
            "total": _json_value(self.total),
            **({"chain_rule": self.chain_rule} if self.chain_rule else {}),
        }

    def text(self, max_steps=12):
        """A readable multi-line derivation; paths longer than `max_steps` are shortened."""
        title = f"d({self.output})/d({self.leaf})"
        if self.path_count == 0:
            return f"{title}: no path from {self.output}'s grad_fn to {self.leaf}; " \
                   f"{self.output} does not depend on it through the graph"
        plural = "path" if self.path_count == 1 else "paths"
        if self.scalar:
            legend = "(×d) is the derivative of each node's output with respect to the input the path takes"
        else:
            legend = "(vjp [shape]) is the shape each node passes back for a gradient of ones"
        lines = [f"{title}: {self.path_count} {plural}; {legend}"]
        for number, path in enumerate(self.paths, 1):
            steps = [_step_text(step, self.scalar) for step in path.steps]
            if len(steps) > max_steps:
                hidden = len(steps) - (max_steps - 1)
                steps = steps[: max_steps - 2] + [f"... ({hidden} more)"] + steps[-1:]
            lines.append(f"path {number}: " + " -> ".join(steps + [path.end]))
            if self.scalar:
                lines.append(f"  product = {_number(path.product)}")
            else:
                lines.append(f"  contribution = {_value_text(path.product)}")
        if self.paths_omitted:
            lines.append(f"... {self.paths_omitted} more paths not listed")
        if self.scalar and not self.paths_omitted and len(self.paths) > 1:
            terms = " + ".join(_number(path.product) for path in self.paths)
            lines.append(f"total = {terms} = {_number(self.total)}")
        else:
            lines.append(f"total = {_value_text(self.total)}")
        if self.chain_rule:
            lines.append(self.chain_rule)
        return "\n".join(lines)


def _step_dict(step):
    data = {"node": step.node, "local": step.local, "vjp_shape": list(step.vjp_shape)}
    if step.name is not None:
        data["name"] = step.name
    return data


def _chain_rule(result):
    """`∂e/∂b = ∂e/∂c · ∂c/∂b + ∂e/∂d · ∂d/∂b = 2·1 + 3·1 = 5` for a scalar graph, all paths listed."""
    if not result.scalar or result.paths_omitted or not result.paths:
        return None
    symbols, numbers = [], []
    for path in result.paths:
        # Each step differentiates its node's output by the next step's (the leaf after the last).
        outputs = [step.name or f"[{step.node}]" for step in path.steps] + [result.leaf]
        outputs[0] = result.output
        symbols.append(" · ".join(f"∂{top}/∂{bottom}" for top, bottom in zip(outputs, outputs[1:])))
        numbers.append("·".join(_number(step.local) for step in path.steps))
    return (f"∂{result.output}/∂{result.leaf} = " + " + ".join(symbols) + " = " + " + ".join(numbers)
            + f" = {_number(result.total)}")


def _number(value):
    return "none" if value is None else format(value, "g")


def _value_text(value):
    if value is None:
        return "none (no gradient flows)"
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _step_text(step, scalar):
    node = step.node if step.name is None else f"{step.name} = {step.node}"
    if scalar:
        return f"{node} (×{_number(step.local)})"
    return f"{node} (vjp {shape_text(step.vjp_shape)})"


def _json_value(value):
    if value is None or isinstance(value, float):
        return value
    return {"shape": list(value.shape), "values": value.tolist()}


def _call_node(node, grads):
    """Call a node like backward does; a tuple aligned with its next_functions, detached."""
    call = node if callable(node) else node.apply  # torch's custom-Function nodes: .apply
    try:
        results = call(*grads)
    except RuntimeError as err:
        if _FREED_MARKER in str(err):
            raise GraphFreedError(
                "explain() needs the graph's saved tensors, but backward() has already freed "
                "them; call explain before backward, or call backward(retain_graph=True)"
            ) from None
        raise
    if not isinstance(results, (tuple, list)):
        results = (results,)
    return tuple(None if r is None else r.detach() for r in results)


class _Graph:
    """The part of the graph between the output and the leaf, with the nodes' local VJPs."""

    def __init__(self, output, leaf):
        self.output = output
        self.root = output.grad_fn
        self.root_nr = getattr(output, "output_nr", 0)
        self.leaf = leaf
        self.target = leaf.grad_fn  # None for a leaf: its AccumulateGrad is found by .variable
        self.target_nr = getattr(leaf, "output_nr", 0) if self.target is not None else 0
        self.nodes = []      # relevant nodes, each before the nodes it feeds into
        self.edges = {}      # id(node) -> [(index in next_functions, child, output_nr)]
        self.inputs = {}     # id(node) -> output numbers of it that relevant edges use
        self.local = {}      # (id(node), output_nr) -> node called with ones at that output
        self._select()

    def is_target(self, node, output_nr):
        if self.target is None:
            return is_accumulate_grad(node) and node.variable is self.leaf
        return node is self.target and output_nr == self.target_nr

    def _select(self):
        order = topological_order(self.root)
        reaches = set()
        for node in reversed(order):  # children first: a node is relevant if a child is
            if self.is_target(node, self.target_nr) and node is not self.root:
                continue
            relevant = [
                (index, child, nr)
                for index, (child, nr) in enumerate(getattr(node, "next_functions", ()))
                if child is not None and (self.is_target(child, nr) or id(child) in reaches)
            ]
            if relevant:
                reaches.add(id(node))
                self.edges[id(node)] = relevant
        self.nodes = [node for node in order if id(node) in reaches]
        if self.nodes:
            self.inputs[id(self.root)] = {self.root_nr}
        for node in self.nodes:
            for _, child, nr in self.edges[id(node)]:
                if not self.is_target(child, nr):
                    self.inputs.setdefault(id(child), set()).add(nr)

    def compute_locals(self):
        """Call each relevant node once per used output with a gradient of ones there."""
        ones_source = {(id(self.root), self.root_nr): self.output}
        for node in self.nodes:
            for nr in sorted(self.inputs[id(node)]):
                source = ones_source.get((id(node), nr))
                if source is None:  # no parent passes a gradient to this output
                    self.local[(id(node), nr)] = None
                    continue
                results = self.call(node, nr, source.new_ones(tuple(source.shape)))
                self.local[(id(node), nr)] = results
                for index, child, child_nr in self.edges[id(node)]:
                    if results[index] is not None:
                        ones_source.setdefault((id(child), child_nr), results[index])

    def call(self, node, nr, grad):
        count = output_count(node) or max(self.inputs[id(node)]) + 1
        grads = [None] * count
        grads[nr] = grad
        return _call_node(node, grads)

    def is_scalar(self):
        if numel(self.output.shape) != 1:
            return False
        return all(
            result is None or numel(result.shape) == 1
            for results in self.local.values() if results is not None
            for result in results
        )


def explain(output, leaf, names=None, *, max_paths=64):
    """Every chain-rule path from `output.grad_fn` to `leaf`, with local derivatives and sums.

    `leaf` is usually a leaf tensor (its AccumulateGrad ends the paths); an intermediate
    tensor works too. `names` maps id(tensor) -> name for the text. At most `max_paths` paths
    are listed (`paths_omitted` counts the rest); `total` always covers all of them, computed
    like backward with each node called once per output it passes a gradient through.
    For scalar graphs locals, products and total are floats; otherwise products and total are
    tensors and each step reports the shape of its vector-Jacobian product.
    Raises GraphFreedError after backward() without retain_graph=True.
    """
    if output.grad_fn is None:
        raise ValueError("explain(): the output has no grad_fn, so no graph leads to it; "
                         "compute it from tensors that require grad")
    if leaf is output:
        raise ValueError("explain(): the output and the leaf are the same tensor")
    names = names or {}  # a Names mapping (introspect_names) also names the intermediate nodes
    graph = _Graph(output, leaf)
    if graph.is_target(graph.root, graph.root_nr):
        raise ValueError("explain(): the output and the leaf are the same tensor")
    result = Explanation(output=names.get(id(output), "output"), leaf=names.get(id(leaf), "leaf"),
                         scalar=numel(output.shape) == 1)
    if not graph.nodes:
        return result
    graph.compute_locals()
    result.scalar = graph.is_scalar()
    propagate = _scalar_propagation(graph) if result.scalar else graph.call
    result.total = _accumulate(graph, propagate, result.scalar)
    result.path_count = _count_paths(graph)
    result.paths = _enumerate_paths(graph, propagate, result.scalar, names, max_paths)
    if isinstance(names, Names):
        result.chain_rule = _chain_rule(result)
    return result


def _scalar_propagation(graph):
    """Propagation through cached local derivatives: multiplying numbers, no node calls."""
    numbers = {
        key: None if results is None else
        tuple(None if r is None else float(r.item()) for r in results)
        for key, results in graph.local.items()
    }

    def propagate(node, nr, grad):
        locals_ = numbers[(id(node), nr)]
        if locals_ is None:
            return ()
        return tuple(None if d is None else grad * d for d in locals_)

    return propagate


def _start(graph, scalar):
    return 1.0 if scalar else graph.output.new_ones(tuple(graph.output.shape))


def _add(total, value):
    if value is None:
        return total
    return value if total is None else total + value


def _accumulate(graph, propagate, scalar):
    """The leaf's gradient: gradients summed into each node before it passes them on."""
    pending = {(id(graph.root), graph.root_nr): _start(graph, scalar)}
    total = None
    for node in graph.nodes:
        for nr in sorted(graph.inputs[id(node)]):
            grad = pending.pop((id(node), nr), None)
            if grad is None:
                continue
            results = propagate(node, nr, grad)
            for index, child, child_nr in graph.edges[id(node)]:
                value = results[index] if index < len(results) else None
                if graph.is_target(child, child_nr):
                    total = _add(total, value)
                else:
                    key = (id(child), child_nr)
                    pending[key] = _add(pending.get(key), value)
    return total


def _count_paths(graph):
    counts = {}
    for node in reversed(graph.nodes):
        counts[id(node)] = sum(
            1 if graph.is_target(child, nr) else counts[id(child)]
            for _, child, nr in graph.edges[id(node)]
        )
    return counts[id(graph.root)]


def _enumerate_paths(graph, propagate, scalar, names, max_paths):
    """Depth-first over the paths, first inputs first; each path's gradient chained along it."""
    paths = []
    # Entries: (reached target?, node, its output_nr on the path, gradient arriving there,
    # prefix); the prefix is a linked list (step, previous prefix) so a push costs O(1).
    stack = [(False, graph.root, graph.root_nr, _start(graph, scalar), None)]
    while stack and len(paths) < max_paths:
        at_target, node, nr, grad, prefix = stack.pop()
        if at_target:
            end = class_name(node) + (f"({names[id(graph.leaf)]})" if id(graph.leaf) in names else "")
            paths.append(Path(steps=_unlink(prefix), end=end, product=grad))
            continue
        local = graph.local[(id(node), nr)]
        results = propagate(node, nr, grad) if grad is not None else ()
        for index, child, child_nr in reversed(graph.edges[id(node)]):
            vjp = None if local is None else local[index]
            step = Step(
                node=class_name(node),
                local=float(vjp.item()) if scalar and vjp is not None else None,
                vjp_shape=tuple(vjp.shape) if vjp is not None else (),
                name=node_variable(node, names),
            )
            value = results[index] if index < len(results) else None
            stack.append((graph.is_target(child, child_nr), child, child_nr, value, (step, prefix)))
    return paths


def _unlink(prefix):
    steps = []
    while prefix is not None:
        steps.append(prefix[0])
        prefix = prefix[1]
    steps.reverse()
    return steps
