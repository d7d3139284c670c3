"""Adamax, torch's single-tensor update step by step."""
from .optimizer import Optimizer, check_adam_arguments, _number, _run_closure, _step_tensor
from . import _pointwise as pw
from ..ops.creation_ops import zeros_like


class Adamax(Optimizer):
    """Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_adam_arguments(lr, eps, betas, weight_decay, tensor_lr=True)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def step(self, closure=None):
        """Perform a single optimization step."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = (_number(b) for b in group["betas"])
            lr, eps, wd = _number(group["lr"]), group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p._grad.is_sparse:
                    raise RuntimeError("Adamax does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = zeros_like(p)
                    state["exp_inf"] = zeros_like(p)
                param, grad = p._data, p._grad._data
                if group["maximize"]:
                    grad = -grad
                step_t = state["step"]
                pw.write(step_t, step_t._data + 1)
                if wd != 0:
                    grad = pw.add(grad, param, wd)
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                pw.write(exp_avg, pw.lerp(exp_avg._data, grad, 1 - beta1))
                xp = pw.xp_of(param)
                inf = exp_inf._data
                norm = xp.abs(grad)
                pw.write(exp_inf, xp.maximum(inf * pw.scalar(beta2, inf), norm + pw.scalar(eps, norm)))
                clr = lr / (1 - beta1 ** step_t.item())
                pw.write(p, pw.addcdiv(param, exp_avg._data, exp_inf._data, -clr))
        return loss
