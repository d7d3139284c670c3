"""Graph introspection for the per-input report: what autograd built, and how gradients flow.

Works on any tensor that follows PyTorch's autograd contract, real torch tensors and
gradtrace tensors alike. `names` arguments map id(tensor) -> variable name; leaves (and the
tensors passed in) are labelled with them. Every walk is iterative, so graphs of any depth
are fine.

- chain(tensor, names=None, *, path="longest", max_nodes=None) -> dict | None
- tree_text(tensor, names=None, *, max_depth=40) -> str | None
- mermaid(tensor, names=None) -> str | None
- dot(tensor, names=None) -> str | None
- explain(output, leaf, names=None, *, max_paths=64) -> Explanation
- replay(output, names=None, *, inputs=None, gradient=None, apply=False, max_steps=40) -> Replay
- variable_names(names, tensors) -> Names: `names` plus the nodes that made the named tensors
- graph_memory(tensor) -> dict(nodes, saved_tensors, saved_bytes)
"""
from .introspect_explain import Explanation, GraphFreedError, Path, Step, explain
from .introspect_memory import graph_memory
from .introspect_names import Names, variable_names
from .introspect_replay import Replay, ReplayStep, replay
from .introspect_render import chain, dot, mermaid, tree_text

__all__ = [
    "chain", "tree_text", "mermaid", "dot", "explain", "graph_memory", "replay", "variable_names",
    "Explanation", "Path", "Step", "GraphFreedError", "Replay", "ReplayStep", "Names",
]
