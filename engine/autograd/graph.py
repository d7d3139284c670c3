"""torch.autograd.graph: the Node type users check grad_fn objects against."""
from .node import Node, AccumulateGrad

__all__ = ["Node", "AccumulateGrad"]
