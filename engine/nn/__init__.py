"""torch.nn: Parameter, functional, and the common modules."""
from . import functional, init, utils
from .parameter import Parameter
from .modules import (BCELoss, BCEWithLogitsLoss, CELU, CrossEntropyLoss, Dropout, ELU, Flatten, GELU, Hardsigmoid,
                      Hardswish, Hardtanh, HuberLoss, Identity, KLDivLoss, L1Loss, LeakyReLU, Linear, LogSigmoid,
                      LogSoftmax, Mish, Module, ModuleList, MSELoss, NLLLoss, ReLU, ReLU6, SELU, Sequential, Sigmoid,
                      SiLU, SmoothL1Loss, Softmax, Softmin, Softplus, Softsign, Tanh, Tanhshrink, Threshold)

__all__ = ["Parameter", "functional", "init", "utils", "Module", "Linear", "Sequential", "ModuleList", "ReLU", "Tanh",
           "Sigmoid", "Softmax", "LogSoftmax", "Softmin", "GELU", "LeakyReLU", "Softplus", "SiLU", "ELU", "SELU",
           "CELU", "Hardtanh", "ReLU6", "Mish", "Hardswish", "Hardsigmoid", "LogSigmoid", "Softsign", "Tanhshrink",
           "Threshold", "Dropout", "Flatten", "Identity", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss"]
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, Embedding, GroupNorm, LayerNorm  # noqa: E402

__all__ += ["LayerNorm", "GroupNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Embedding"]

# convolution (engine/nn/conv.py)
from .conv import Conv1d, Conv2d  # noqa: E402

__all__ += ["Conv1d", "Conv2d"]

# pooling (engine/nn/pooling.py)
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,  # noqa: E402
                      AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d)

__all__ += ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
            "AdaptiveMaxPool1d", "AdaptiveMaxPool2d"]

# recurrent layers (engine/nn/rnn.py)
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase  # noqa: E402

__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

# small extra modules: reshaping, channel dropout, PReLU, Softmax2d, padding (engine/nn/extra_modules.py)
from .extra_modules import (ConstantPad1d, ConstantPad2d, ConstantPad3d, Dropout1d, Dropout2d,  # noqa: E402
                            Dropout3d, PReLU, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                            ReplicationPad2d, ReplicationPad3d, Softmax2d, Unflatten, ZeroPad1d, ZeroPad2d, ZeroPad3d)

__all__ += ["Unflatten", "Dropout1d", "Dropout2d", "Dropout3d", "PReLU", "Softmax2d", "ZeroPad1d", "ZeroPad2d",
            "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d",
            "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d"]

from .modules import ModuleDict, ParameterList  # noqa: E402

__all__ += ["ModuleDict", "ParameterList"]
