"""Adam (and AdamW's decoupled weight decay), torch's single-tensor update step by step."""
from .optimizer import Optimizer, check_adam_arguments, _number, _run_closure, _step_tensor
from . import _pointwise as pw
from ..ops.creation_ops import zeros_like


class Adam(Optimizer):
    """Adam: bias-corrected moving averages of the gradient and its square."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_adam_arguments(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def step(self, closure=None):
        """Perform a single optimization step."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = (_number(b) for b in group["betas"])
            lr, wd, eps = _number(group["lr"]), group["weight_decay"], group["eps"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p._grad.is_sparse:
                    raise RuntimeError("Adam does not support sparse gradients, please consider SparseAdam instead")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = zeros_like(p)
                _adam_update(p, state, group["amsgrad"], beta1, beta2, lr, wd, eps, group["maximize"],
                             group["decoupled_weight_decay"])
        return loss


def _adam_update(p, state, amsgrad, beta1, beta2, lr, weight_decay, eps, maximize, decoupled):
    param, grad = p._data, p._grad._data
    if maximize:
        grad = -grad
    step_t = state["step"]
    pw.write(step_t, step_t._data + 1)
    if weight_decay != 0:
        if decoupled:
            pw.write(p, param * pw.scalar(1 - lr * weight_decay, param))
        else:
            grad = pw.add(grad, param, weight_decay)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    pw.write(exp_avg, pw.lerp(exp_avg._data, grad, 1 - beta1))
    sq = exp_avg_sq._data
    pw.write(exp_avg_sq, pw.addcmul(sq * pw.scalar(beta2, sq), grad, grad, 1 - beta2))
    step = step_t.item()
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5
    xp = pw.xp_of(param)
    if amsgrad:
        max_sq = state["max_exp_avg_sq"]
        pw.write(max_sq, xp.maximum(max_sq._data, exp_avg_sq._data))
        root = xp.sqrt(max_sq._data)
    else:
        root = xp.sqrt(exp_avg_sq._data)
    denom = root / pw.scalar(bias_correction2_sqrt, root) + pw.scalar(eps, root)
    pw.write(p, pw.addcdiv(param, exp_avg._data, denom, -step_size))
