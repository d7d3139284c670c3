"""torch.autograd.functional: jacobian, hessian, vjp, jvp, vhp, hvp (being written)."""
