"""SGD with momentum, dampening, Nesterov and weight decay, torch's single-tensor update step by step."""
from .._tensor import Tensor
from .optimizer import Optimizer, _number, _run_closure
from . import _pointwise as pw


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def step(self, closure=None):
        """Perform a single optimization step."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr, wd, momentum = _number(group["lr"]), group["weight_decay"], group["momentum"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                param, grad = p._data, p._grad._data
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = pw.add(grad, param, wd)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = Tensor._make(grad.copy(), p._grad.dtype)
                    else:
                        b = buf._data
                        pw.write(buf, pw.add(b * pw.scalar(momentum, b), grad, 1 - group["dampening"]))
                    grad = pw.add(grad, buf._data, momentum) if group["nesterov"] else buf._data
                pw.write(p, pw.add(param, grad, -lr))
        return loss
