"""Adam (torch's default, non-amsgrad update)."""
import math

from .._grad_mode import no_grad
from ..ops.creation_ops import zeros_like
from .optimizer import Optimizer


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for g in self.param_groups:
            b1, b2 = g["betas"]
            for p in g["params"]:
                if p._grad is None:
                    continue
                grad = p._grad if not g["maximize"] else -p._grad
                if g["weight_decay"]:
                    grad = grad + g["weight_decay"] * p
                st = self.state.setdefault(id(p), {})
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = zeros_like(p)
                    st["exp_avg_sq"] = zeros_like(p)
                st["step"] += 1
                m, v = st["exp_avg"], st["exp_avg_sq"]
                m.mul_(b1).add_(grad, alpha=1 - b1)
                v.mul_(b2).add_(grad * grad, alpha=1 - b2)
                bc1 = 1 - b1 ** st["step"]
                bc2 = 1 - b2 ** st["step"]
                denom = (v.sqrt() / math.sqrt(bc2)).add_(g["eps"])
                p.add_(m / denom, alpha=-g["lr"] / bc1)
        return loss
