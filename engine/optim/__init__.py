"""torch.optim: SGD (with momentum) and Adam, updating parameters in place under no_grad."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam

__all__ = ["Optimizer", "SGD", "Adam"]
