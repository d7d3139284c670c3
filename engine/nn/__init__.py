"""torch.nn: Parameter, functional, and the common modules."""
from . import functional, init
from .parameter import Parameter
from .modules import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Dropout, Flatten, GELU, Identity, L1Loss,
                      LeakyReLU, Linear, LogSoftmax, Module, ModuleList, MSELoss, NLLLoss, ReLU, Sequential,
                      Sigmoid, Softmax, Softplus, Tanh)

__all__ = ["Parameter", "functional", "init", "Module", "Linear", "Sequential", "ModuleList", "ReLU", "Tanh",
           "Sigmoid", "Softmax", "LogSoftmax", "GELU", "LeakyReLU", "Softplus", "Dropout", "Flatten", "Identity",
           "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "L1Loss"]
