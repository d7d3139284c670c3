"""NAdam, torch's single-tensor update step by step."""
from .optimizer import Optimizer, check_adam_arguments, _number, _run_closure, _step_tensor
from . import _pointwise as pw
from ..ops.creation_ops import zeros_like


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum, its momentum warmed up by a decaying schedule."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_adam_arguments(lr, eps, betas, weight_decay, tensor_lr=True)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def step(self, closure=None):
        """Perform a single optimization step."""
        loss = _run_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = (_number(b) for b in group["betas"])
            lr, eps, wd = _number(group["lr"]), group["eps"], group["weight_decay"]
            momentum_decay = group["momentum_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p._grad.is_sparse:
                    raise RuntimeError("NAdam does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["mu_product"] = _step_tensor(1.0)
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                _nadam_update(p, state, beta1, beta2, lr, wd, momentum_decay, eps, group["maximize"],
                              group["decoupled_weight_decay"])
        return loss


def _nadam_update(p, state, beta1, beta2, lr, weight_decay, momentum_decay, eps, maximize, decoupled):
    param, grad = p._data, p._grad._data
    if maximize:
        grad = -grad
    step_t, mu_product = state["step"], state["mu_product"]
    pw.write(step_t, step_t._data + 1)
    step = step_t.item()
    bias_correction2 = 1 - beta2 ** step
    if weight_decay != 0:
        if decoupled:
            pw.write(p, param * pw.scalar(1 - lr * weight_decay, param))
            param = p._data
        else:
            grad = pw.add(grad, param, weight_decay)
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    # a 0-d tensor times a Python number: the number is rounded to the tensor's dtype first
    mp = mu_product._data
    pw.write(mu_product, mp * pw.scalar(mu, mp))
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    pw.write(exp_avg, pw.lerp(exp_avg._data, grad, 1 - beta1))
    sq = exp_avg_sq._data
    pw.write(exp_avg_sq, pw.addcmul(sq * pw.scalar(beta2, sq), grad, grad, 1 - beta2))
    sq = exp_avg_sq._data
    denom = pw.xp_of(param).sqrt(sq / pw.scalar(bias_correction2, sq))
    denom = denom + pw.scalar(eps, denom)
    mu_product_value = mu_product.item()
    mu_product_next = mu_product_value * mu_next
    param = pw.addcdiv(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product_value))
    pw.write(p, pw.addcdiv(param, exp_avg._data, denom, (-lr * mu_next) / (1.0 - mu_product_next)))
