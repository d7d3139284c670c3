"""torch.autograd: backward, grad, Variable, Function, grad modes, anomaly detection, and the tools."""
from .._grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled, is_grad_enabled
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled, is_anomaly_check_nan_enabled
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .variable import Variable
from . import function, graph, functional, profiler, gradcheck as _gradcheck_module
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["Variable", "Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck",
           "functional", "profiler", "graph"]
