"""SGD with momentum, dampening, Nesterov and weight decay (torch's update order)."""
from .._grad_mode import no_grad
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for g in self.param_groups:
            for p in g["params"]:
                if p._grad is None:
                    continue
                d = p._grad if not g["maximize"] else -p._grad
                if g["weight_decay"]:
                    d = d + g["weight_decay"] * p
                if g["momentum"]:
                    buf = self.state.setdefault(id(p), {}).get("momentum_buffer")
                    if buf is None:
                        buf = d.clone()
                    else:
                        buf.mul_(g["momentum"]).add_(d, alpha=1 - g["dampening"])
                    self.state[id(p)]["momentum_buffer"] = buf
                    d = d + g["momentum"] * buf if g["nesterov"] else buf
                p.add_(d, alpha=-g["lr"])
        return loss
