"""The session's variable names on graph nodes: `c = a + b` for the AddBackward0 that made `c`.

A `names` mapping (id(tensor) -> name, what the report passes) labels leaves. `variable_names`
adds the nodes: for each named tensor with a grad_fn, the key `node_key(grad_fn)` maps to the
tensor's name, so every walker that already threads `names` through (trees, Mermaid, DOT,
explain, the backward replay) can name intermediate nodes the way a tutorial writes them.
"""
import re

from .introspect_graph import class_name, is_accumulate_grad

# Binary operators by the node's class, for `c = a + b`; other nodes read as calls, `exp(a)`.
_OPERATORS = {
    "AddBackward0": "+", "AddBackward1": "+", "SubBackward0": "-", "SubBackward1": "-",
    "RsubBackward0": "-", "RsubBackward1": "-", "MulBackward0": "*", "MulBackward1": "*",
    "DivBackward0": "/", "DivBackward1": "/", "PowBackward0": "**", "PowBackward1": "**",
    "PowBackward2": "**", "MmBackward0": "@", "MvBackward0": "@", "DotBackward0": "@",
    "BmmBackward0": "@",
}
_UNKNOWN = "…"  # an operand the session has no name for (a constant, or an unnamed intermediate)


class Names(dict):
    """id(tensor) -> name plus node_key(node) -> name; keeps the named nodes alive so ids stay theirs."""

    def __init__(self, names=None):
        super().__init__(names or {})
        self.nodes = []


def node_key(node):
    """The key under which a Names mapping holds the variable name of a node's output."""
    return ("node", id(node))


def variable_names(names, tensors):
    """`names` extended with the nodes that produced the named tensors of `tensors` (name -> tensor)."""
    result = Names(names)
    for name, tensor in tensors.items():
        node = getattr(tensor, "grad_fn", None)
        if node is None:
            continue
        key = node_key(node)
        if key not in result:  # the first name bound wins, as the namespace lists them
            result[key] = name
            result.nodes.append(node)
    return result


def node_variable(node, names):
    """The session's name for what `node` produced, or None."""
    if not names:
        return None
    if is_accumulate_grad(node):
        return names.get(id(node.variable))
    return names.get(node_key(node))


def forward_text(node, names):
    """`c = a + b`, `t = sum(z)`: the forward step that made the node's output, from names; None unnamed."""
    output = node_variable(node, names)
    if output is None or is_accumulate_grad(node):
        return None
    operands = [(node_variable(child, names) if child is not None else None) or _UNKNOWN
                for child, _ in getattr(node, "next_functions", ())]
    kind = class_name(node)
    operator = _OPERATORS.get(kind)
    if operator is not None and len(operands) == 2:
        return f"{output} = {operands[0]} {operator} {operands[1]}"
    if kind.startswith("NegBackward") and operands:
        return f"{output} = -{operands[0]}"
    return f"{output} = {forward_op(node)}({', '.join(operands)})"


def forward_op(node):
    """The forward operation a node differentiates, as torch's class name says it: `mul`, `sum`; None for a leaf."""
    if is_accumulate_grad(node):
        return None
    kind = class_name(node)
    return re.sub(r"Backward\d*$", "", kind).lower() or kind
