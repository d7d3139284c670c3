"""RMSprop (optionally centered, with momentum), torch's single-tensor update step by step."""
from .optimizer import Optimizer, _number, _run_closure, _step_tensor
from . import _pointwise as pw
from ..ops.creation_ops import zeros_like


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of its recent magnitudes."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def step(self, closure=None):
        """Perform a single optimization step."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = _number(group["lr"]), group["alpha"], group["eps"]
            wd, momentum = group["weight_decay"], group["momentum"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p._grad.is_sparse:
                    raise RuntimeError("RMSprop does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["square_avg"] = zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = zeros_like(p)
                param, grad = p._data, p._grad._data
                if group["maximize"]:
                    grad = -grad
                pw.write(state["step"], state["step"]._data + 1)
                if wd != 0:
                    grad = pw.add(grad, param, wd)
                square_avg = state["square_avg"]
                sq = square_avg._data
                pw.write(square_avg, pw.addcmul(sq * pw.scalar(alpha, sq), grad, grad, 1 - alpha))
                xp = pw.xp_of(param)
                if group["centered"]:
                    grad_avg = state["grad_avg"]
                    pw.write(grad_avg, pw.lerp(grad_avg._data, grad, 1 - alpha))
                    avg = xp.sqrt(pw.addcmul(square_avg._data, grad_avg._data, grad_avg._data, -1))
                else:
                    avg = xp.sqrt(square_avg._data)
                avg = avg + pw.scalar(eps, avg)
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    b = buf._data
                    pw.write(buf, pw.addcdiv(b * pw.scalar(momentum, b), grad, avg, 1))
                    pw.write(p, pw.add(param, buf._data, -lr))
                else:
                    pw.write(p, pw.addcdiv(param, grad, avg, -lr))
        return loss
