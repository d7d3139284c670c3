"""torch.backends.cuda: whether CUDA is usable at all (CuPy installed) and the matmul/attention flags."""
import importlib.util


def is_built():
    """Whether gradtrace can run on CUDA here at all: CuPy is installed (torch: built with CUDA)."""
    return importlib.util.find_spec("cupy") is not None


class cuBLASModule:
    """torch.backends.cuda.matmul: precision flags for CUDA matmuls (kept; CuPy's matmul ignores them)."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = cuBLASModule()
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    return _sdp["flash"]


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def math_sdp_enabled():
    return _sdp["math"]


def cudnn_sdp_enabled():
    return _sdp["cudnn"]


def enable_flash_sdp(enabled):
    _sdp["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled):
    _sdp["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled):
    _sdp["math"] = bool(enabled)


def enable_cudnn_sdp(enabled):
    _sdp["cudnn"] = bool(enabled)
