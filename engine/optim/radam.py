"""RAdam, torch's single-tensor update step by step."""
from .optimizer import Optimizer, check_adam_arguments, _number, _run_closure, _step_tensor
from . import _pointwise as pw
from ..ops.creation_ops import zeros_like


class RAdam(Optimizer):
    """RAdam: Adam whose adaptive step is switched on, and rectified, once its variance estimate is reliable."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_adam_arguments(lr, eps, betas, weight_decay, tensor_lr=True)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

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
                    raise RuntimeError("RAdam does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                _radam_update(p, state, beta1, beta2, lr, wd, eps, group["maximize"], group["decoupled_weight_decay"])
        return loss


def _radam_update(p, state, beta1, beta2, lr, weight_decay, eps, maximize, decoupled):
    param, grad = p._data, p._grad._data
    if maximize:
        grad = -grad
    step_t = state["step"]
    pw.write(step_t, step_t._data + 1)
    step = step_t.item()
    if weight_decay != 0:
        if decoupled:
            pw.write(p, param * pw.scalar(1 - lr * weight_decay, param))
            param = p._data
        else:
            grad = pw.add(grad, param, weight_decay)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    pw.write(exp_avg, pw.lerp(exp_avg._data, grad, 1 - beta1))
    sq = exp_avg_sq._data
    pw.write(exp_avg_sq, pw.addcmul(sq * pw.scalar(beta2, sq), grad, grad, 1 - beta2))
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    avg = exp_avg._data
    update = avg / pw.scalar(bias_correction1, avg) * pw.scalar(lr, avg)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        root = pw.xp_of(param).sqrt(exp_avg_sq._data)
        root = root + pw.scalar(eps, root)
        # torch's `number / tensor` is tensor.reciprocal() * number
        adaptive_lr = (1 / root) * pw.scalar(bias_correction2 ** 0.5, root)
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        update = update * adaptive_lr * pw.scalar(rect, update)
    pw.write(p, pw.add(param, update, -1.0))
