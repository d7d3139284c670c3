"""Adagrad, torch's single-tensor (dense) update step by step."""
from .optimizer import Optimizer, _number, _run_closure, _step_tensor
from . import _pointwise as pw
from ..ops.creation_ops import full_like


class Adagrad(Optimizer):
    """Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        # unlike Adam, torch creates Adagrad's state eagerly, for every parameter
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        state = self.state[p]
        state["step"] = _step_tensor()
        state["sum"] = full_like(p, self.defaults["initial_accumulator_value"])

    def step(self, closure=None):
        """Perform a single optimization step."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            lr, wd, lr_decay, eps = _number(group["lr"]), group["weight_decay"], group["lr_decay"], group["eps"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(p)
                step_t, state_sum = state["step"], state["sum"]
                pw.write(step_t, step_t._data + 1)
                step = step_t.item()
                param, grad = p._data, p._grad._data
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = pw.add(grad, param, wd)
                clr = lr / (1 + (step - 1) * lr_decay)
                pw.write(state_sum, pw.addcmul(state_sum._data, grad, grad, 1))
                std = pw.xp_of(param).sqrt(state_sum._data)
                std = std + pw.scalar(eps, std)
                pw.write(p, pw.addcdiv(param, grad, std, -clr))
        return loss
