"""Walking an autograd graph through the PyTorch Node contract, iteratively.

Everything here reads only what torch's nodes expose (`next_functions`, `name()`,
`type(node).__name__`, AccumulateGrad's `.variable`), so it serves real torch tensors and
gradtrace tensors alike. No walk recurses: graphs tens of thousands of nodes deep are normal
(a loop of `y = y + 1`), and Python's recursion limit is 1000.
"""

ACCUMULATE_GRAD = "AccumulateGrad"


def class_name(node):
    """The node's class name as torch reports it (`MulBackward0`, `AccumulateGrad`)."""
    return type(node).__name__


def is_accumulate_grad(node):
    """True for the node that accumulates into a leaf's `.grad`."""
    return class_name(node) == ACCUMULATE_GRAD


def edges(node):
    """The node's `(next_node, output_nr)` pairs, without the `None` entries of constants."""
    return [(child, nr) for child, nr in getattr(node, "next_functions", ()) if child is not None]


def shape_text(shape):
    """A shape written like torch.Size's list: `[2, 3]`, `[]` for a 0-d tensor."""
    return "[" + ", ".join(str(int(n)) for n in shape) + "]"


def numel(shape):
    """Number of elements of a tensor of this shape."""
    count = 1
    for n in shape:
        count *= int(n)
    return count


def output_count(node):
    """How many forward outputs the node has (how many gradients calling it takes), or None.

    torch's nodes describe their outputs in `_input_metadata` and insist on one gradient per
    output; gradtrace's pad missing ones with None, so None ("unknown") is fine there.
    """
    try:
        return len(node._input_metadata)
    except Exception:
        return None


def leaf_name(node, names):
    """The user's name for an AccumulateGrad node's leaf, or None."""
    if names is None or not is_accumulate_grad(node):
        return None
    return names.get(id(node.variable))


def node_label(node, names, shape=None):
    """`MulBackward0`, `AccumulateGrad(x) [3]`, `AddBackward0 (c = a + b)`: class, leaf name or the
    session's forward step (when `names` carries node names, see introspect_names), output shape
    where known.

    Known means given (the tensor a walk starts from) or a leaf's; intermediate nodes carry
    no portable record of their output's shape, so none is shown, the same on every backend.
    """
    from .introspect_names import forward_text  # it builds on this module

    label = class_name(node)
    name = leaf_name(node, names)
    if name is not None:
        label += f"({name})"
    elif names:
        step = forward_text(node, names)
        if step is not None:
            label += f" ({step})"
    if shape is None and is_accumulate_grad(node):
        shape = tuple(node.variable.shape)
    if shape is not None:
        label += " " + shape_text(shape)
    return label


def preorder(root):
    """Nodes reachable from root, each once, depth-first following next_functions in order."""
    seen = set()
    order = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        for child, _ in reversed(edges(node)):
            if id(child) not in seen:
                stack.append(child)
    return order


def topological_order(root):
    """Nodes reachable from root, every node before the nodes it feeds into (its next_functions).

    This is the order backward runs them in: a node comes after all of its consumers.
    """
    visited = set()
    postorder = []
    stack = [(root, iter(edges(root)))]
    visited.add(id(root))
    while stack:
        node, children = stack[-1]
        for child, _ in children:
            if id(child) not in visited:
                visited.add(id(child))
                stack.append((child, iter(edges(child))))
                break
        else:
            stack.pop()
            postorder.append(node)
    postorder.reverse()
    return postorder


def reference_counts(nodes):
    """How many edges point at each of `nodes` (a walk's result), keyed by id(node).

    Keys are ids, so the caller keeps `nodes` alive while it uses them: torch creates a node's
    Python wrapper on demand and a freed wrapper's id can be reused by another node's.
    """
    counts = {id(node): 0 for node in nodes}
    for node in nodes:
        for child, _ in edges(node):
            counts[id(child)] += 1
    return counts
