"""`import torch` inside the user's namespace gives gradtrace's engine, without touching sys.modules.

The user namespace gets its own `__builtins__` whose `__import__` rewrites the top-level name
"torch" (and "torch.*") to "gradtrace.engine" (and "gradtrace.engine.*"). Only code compiled into
that namespace sees the alias: libraries, the test process and real torch keep `sys.modules` as is.
"""
import builtins
import os
import sys

TORCH_MODES = ("gradtrace", "real")
ENGINE_PACKAGE = "gradtrace.engine"


def resolve_torch_mode(torch_mode=None):
    """The mode in effect: the argument, else the GRADTRACE_TORCH environment variable, else "gradtrace"."""
    mode = torch_mode if torch_mode is not None else os.environ.get("GRADTRACE_TORCH", "gradtrace")
    mode = mode.strip().lower()
    if mode not in TORCH_MODES:
        raise ValueError(f"torch mode must be 'gradtrace' or 'real' (GRADTRACE_TORCH or torch_mode), got {mode!r}")
    return mode


def _engine_name(name):
    """'torch.nn.functional' -> 'gradtrace.engine.nn.functional'; other names -> None."""
    if name == "torch":
        return ENGINE_PACKAGE
    if name.startswith("torch."):
        return ENGINE_PACKAGE + name[len("torch"):]
    return None


class TorchImporter:
    """A drop-in `__import__` that maps torch to the engine while `mode` is "gradtrace"."""

    def __init__(self, mode):
        self.mode = mode

    def __call__(self, name, globals=None, locals=None, fromlist=(), level=0):
        target = _engine_name(name) if level == 0 and self.mode == "gradtrace" else None
        if target is None:
            return builtins.__import__(name, globals, locals, fromlist, level)
        try:
            module = builtins.__import__(target, globals, locals, fromlist, level)
        except ModuleNotFoundError as error:
            missing = error.name or target
            if missing.startswith(ENGINE_PACKAGE):
                missing = "torch" + missing[len(ENGINE_PACKAGE):]
            raise ModuleNotFoundError(
                f"No module named '{missing}' (gradtrace's engine does not provide it; "
                f"'%torch real' switches to real PyTorch)", name=missing) from None
        if fromlist:
            return module
        # `import torch.nn as nn` and `import torch` both expect the package named "torch",
        # which is gradtrace.engine, not the top package `gradtrace` that __import__ returns.
        return sys.modules[ENGINE_PACKAGE]

    def import_torch(self):
        """The module `import torch` gives in the current mode."""
        return self("torch")


def describe_torch(mode):
    """One line for the banner: which torch `import torch` gives."""
    if mode == "real":
        return "import torch gives real PyTorch (%torch gradtrace switches to gradtrace's engine)"
    return "import torch gives gradtrace's engine (%torch real switches to real PyTorch)"
