"""Text renderings of an autograd graph: the one-line chain, the terminal tree, Mermaid and DOT."""
from .introspect_graph import (
    class_name, edges, is_accumulate_grad, leaf_name, node_label, preorder, reference_counts,
    shape_text, topological_order,
)


def _root_label(tensor, names):
    return node_label(tensor.grad_fn, names, shape=tuple(tensor.shape))


def _chain_label(node, names):
    if is_accumulate_grad(node):
        name = leaf_name(node, names)
        return f"{class_name(node)}({name if name is not None else shape_text(node.variable.shape)})"
    return class_name(node)


def _longest_path(root):
    """Root-to-end path with the most nodes; ties go to the earlier entry of next_functions."""
    order = topological_order(root)
    length = {}
    best_child = {}
    for node in reversed(order):  # children before parents
        best = None
        for child, _ in edges(node):
            if best is None or length[id(child)] > length[id(best)]:
                best = child
        length[id(node)] = 1 + (length[id(best)] if best is not None else 0)
        best_child[id(node)] = best
    path = [root]
    while best_child[id(path[-1])] is not None:
        path.append(best_child[id(path[-1])])
    return path


def _first_path(root):
    path = [root]
    while True:
        children = edges(path[-1])
        if not children:
            return path
        path.append(children[0][0])


def chain(tensor, names=None, *, path="longest", max_nodes=None):
    """The grad_fn chain of `tensor` as one line, following one path of its graph.

    Returns `dict(text, nodes, branches_omitted)`: `text` reads from the output back to a leaf,
    `"SumBackward0 <- MulBackward0 <- AccumulateGrad(x) (+1 branch)"`, where `<-` points from an
    input to the node it feeds and the count says how many other inputs (edges) along the
    path were not followed. Leaves are named through `names` (id(tensor) -> name), unnamed
    ones by their shape. `path="longest"` follows the longest path (ties: earliest input),
    `path="first"` always the first input. `max_nodes` shortens a long text to its first
    nodes, an ellipsis and the last node; `nodes` always lists the whole path.

    A leaf that requires grad has no grad_fn: its chain is `"leaf x"` (`"leaf [2, 3]"`
    unnamed) with no nodes. A tensor outside any graph (no grad_fn, no requires_grad) gives None.
    """
    if path not in ("longest", "first"):
        raise ValueError(f"chain(): path must be 'longest' or 'first', not {path!r}")
    root = tensor.grad_fn
    if root is None:
        if not tensor.requires_grad:
            return None
        name = None if names is None else names.get(id(tensor))
        text = "leaf " + (name if name is not None else shape_text(tensor.shape))
        return {"text": text, "nodes": [], "branches_omitted": 0}
    nodes = _longest_path(root) if path == "longest" else _first_path(root)
    omitted = sum(len(edges(node)) - 1 for node in nodes if edges(node))
    labels = [_chain_label(node, names) for node in nodes]
    shown = labels
    if max_nodes is not None and len(labels) > max(max_nodes, 2):
        hidden = len(labels) - (max_nodes - 1)
        shown = labels[: max_nodes - 1] + [f"... ({hidden - 1} more)", labels[-1]]
    text = " <- ".join(shown)
    if omitted:
        text += f" (+{omitted} branch{'es' if omitted != 1 else ''})"
    return {"text": text, "nodes": labels, "branches_omitted": omitted}


def tree_text(tensor, names=None, *, max_depth=40):
    """The graph under `tensor.grad_fn` as an indented tree drawn with box characters.

    Each line is a node: class name, leaf name, output shape where known (the root's from the
    tensor, leaves' from their variable, others where the backend describes its outputs).
    A node fed into several places is drawn once, tagged `#n`; later places say `(see #n)`.
    An input taken from output k > 0 of a multi-output node says `[output k]`. Below
    `max_depth` levels a branch is cut to `...`. None for a tensor without grad_fn.
    """
    root = tensor.grad_fn
    if root is None:
        return None
    nodes = preorder(root)  # held for the whole walk: the keys below are ids
    shared = {key for key, count in reference_counts(nodes).items() if count > 1}
    tags = {}
    lines = []
    # Stack entries: (node, output_nr, prefix for its children, connector, depth); the root
    # has no connector. Children are pushed in reverse so they pop in next_functions order.
    stack = [(root, 0, "", None, 0)]
    while stack:
        node, output_nr, prefix, connector, depth = stack.pop()
        label = _root_label(tensor, names) if node is root else node_label(node, names)
        output = f" [output {output_nr}]" if output_nr else ""
        lead = "" if connector is None else prefix + connector
        if id(node) in tags:
            lines.append(f"{lead}{class_name(node)}{output} (see #{tags[id(node)]})")
            continue
        label += output
        if id(node) in shared:
            tags[id(node)] = len(tags) + 1
            label += f" #{tags[id(node)]}"
        lines.append(lead + label)
        child_prefix = "" if connector is None else prefix + ("   " if connector == "└─ " else "│  ")
        children = edges(node)
        if children and depth >= max_depth:
            lines.append(child_prefix + "└─ ...")
            continue
        for index in range(len(children) - 1, -1, -1):
            child, nr = children[index]
            last = index == len(children) - 1
            stack.append((child, nr, child_prefix, "└─ " if last else "├─ ", depth + 1))
    return "\n".join(lines)


def _graph_parts(tensor, names):
    """Node ids, labels, leaf flags and input->output edges shared by Mermaid and DOT."""
    root = tensor.grad_fn
    nodes = preorder(root)
    ids = {id(node): f"n{index}" for index, node in enumerate(nodes)}
    labels = [
        _root_label(tensor, names) if node is root else node_label(node, names) for node in nodes
    ]
    leaves = [is_accumulate_grad(node) for node in nodes]
    links = [
        (ids[id(child)], ids[id(node)], nr) for node in nodes for child, nr in edges(node)
    ]
    return [ids[id(node)] for node in nodes], labels, leaves, links


def mermaid(tensor, names=None):
    """The graph as Mermaid `graph TD` text; edges run from an input to the node it feeds.

    One node per grad_fn (AccumulateGrad nodes are the leaves, styled as class `leaf`),
    labelled like `tree_text`; an edge from output k > 0 of a node is labelled k. None for a
    tensor without grad_fn.
    """
    if tensor.grad_fn is None:
        return None
    node_ids, labels, leaves, links = _graph_parts(tensor, names)
    lines = ["graph TD"]
    for node_id, label in zip(node_ids, labels):
        lines.append(f'    {node_id}["{label.replace(chr(34), "#quot;")}"]')
    for source, target, nr in links:
        arrow = f"-->|{nr}|" if nr else "-->"
        lines.append(f"    {source} {arrow} {target}")
    leaf_ids = [node_id for node_id, leaf in zip(node_ids, leaves) if leaf]
    if leaf_ids:
        lines.append("    classDef leaf fill:#dff0d8,stroke:#3c763d")
        lines.append(f"    class {','.join(leaf_ids)} leaf")
    return "\n".join(lines)


def _dot_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(tensor, names=None):
    """The graph as a Graphviz DOT digraph, the same nodes and edges as `mermaid`.

    Edges run from an input to the node it feeds; leaves are filled light green; an edge from
    output k > 0 carries `label="k"`. None for a tensor without grad_fn.
    """
    if tensor.grad_fn is None:
        return None
    node_ids, labels, leaves, links = _graph_parts(tensor, names)
    lines = ["digraph grad_fn {", "    node [shape=box, fontname=monospace];"]
    for node_id, label, leaf in zip(node_ids, labels, leaves):
        style = ", style=filled, fillcolor=\"#dff0d8\"" if leaf else ""
        lines.append(f"    {node_id} [label={_dot_string(label)}{style}];")
    for source, target, nr in links:
        attributes = f' [label="{nr}"]' if nr else ""
        lines.append(f"    {source} -> {target}{attributes};")
    lines.append("}")
    return "\n".join(lines)
