"""Adadelta, torch's single-tensor update step by step."""
from .optimizer import Optimizer, _number, _run_closure, _step_tensor
from . import _pointwise as pw
from .._tensor import Tensor
from ..ops.creation_ops import zeros_like


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running root mean squares of past updates and gradients."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def step(self, closure=None):
        """Perform a single optimization step."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = _number(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p._grad.is_sparse:
                    raise RuntimeError("Adadelta does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["square_avg"] = zeros_like(p)
                    state["acc_delta"] = zeros_like(p)
                step_t = state["step"]
                pw.write(step_t, step_t._data + 1)
                param, grad = p._data, p._grad._data
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = pw.add(grad, param, wd)
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                sq = square_avg._data
                pw.write(square_avg, pw.addcmul(sq * pw.scalar(rho, sq), grad, grad, 1 - rho))
                xp = pw.xp_of(param)
                std = xp.sqrt(square_avg._data + pw.scalar(eps, sq))
                acc = acc_delta._data
                delta = xp.sqrt(acc + pw.scalar(eps, acc)) / std * grad
                pw.write(acc_delta, pw.addcmul(acc * pw.scalar(rho, acc), delta, delta, 1 - rho))
                pw.write(p, pw.add(param, delta, -lr))
        return loss
