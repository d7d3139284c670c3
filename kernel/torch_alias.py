"""`import torch` inside the user's namespace gives gradtrace's engine.

Two ways, by who owns the process:
- A kernel or REPL process *claims* the name torch (`claim_torch`): a finder on `sys.meta_path`
  makes the first import of torch anywhere (user code, a library such as torchviz, pickle) load the
  engine under torch's names (gradtrace.engine._torch_names), so `type(t)` is `torch.Tensor` and
  pickles name torch's classes. `release_torch` gives the name back (`%torch real`).
- Where the name cannot be claimed (real torch already loaded, or a language service that does not
  own its process, as in tests), the user namespace gets its own `__builtins__` whose `__import__`
  rewrites "torch" (and "torch.*") to "gradtrace.engine" (and "gradtrace.engine.*"): only code
  compiled into that namespace sees the alias, and `sys.modules` stays as it is.
"""
import builtins
import importlib.abc
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
    """A drop-in `__import__` that maps torch to the engine while `mode` is "gradtrace".

    While the process has claimed torch (`process_wide`), `import torch` needs no rewriting: the
    claim's finder gives the engine to everyone."""

    def __init__(self, mode, process_wide=False):
        self.mode = mode
        self.process_wide = process_wide

    def __call__(self, name, globals=None, locals=None, fromlist=(), level=0):
        target = _engine_name(name) if level == 0 and self.mode == "gradtrace" else None
        if target is None:
            return builtins.__import__(name, globals, locals, fromlist, level)
        try:
            module = builtins.__import__(name if self.process_wide else target, globals, locals, fromlist, level)
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


class _TorchClaim(importlib.abc.MetaPathFinder):
    """Waits, without loading the engine (start-up stays fast), for the first import of torch; then
    the engine takes torch's names and its own finder serves every later import."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        from gradtrace.engine import _torch_names

        _drop_claim()  # this finder's work is done either way
        if not _torch_names.expose_as_torch():
            return None
        return _torch_names.find_spec(fullname)


_claim = None


def claim_torch():
    """From now on `import torch` anywhere in this process gives the engine under torch's names.

    False, changing nothing, when real torch is already loaded here."""
    global _claim
    engine_names = sys.modules.get(ENGINE_PACKAGE + "._torch_names")
    if engine_names is not None and engine_names.is_exposed():
        return True
    loaded = sys.modules.get("torch")
    if loaded is not None and not loaded.__name__.startswith(ENGINE_PACKAGE):
        return False
    if _claim is None:
        _claim = _TorchClaim()
        sys.meta_path.insert(0, _claim)
    return True


def _drop_claim():
    global _claim
    if _claim is not None:
        sys.meta_path.remove(_claim)
        _claim = None


def release_torch():
    """Give the name torch back: the engine's classes take their own names again."""
    _drop_claim()
    engine_names = sys.modules.get(ENGINE_PACKAGE + "._torch_names")
    if engine_names is not None:
        engine_names.conceal()


def describe_torch(mode):
    """One line for the banner: which torch `import torch` gives."""
    if mode == "real":
        return "import torch gives real PyTorch (%torch gradtrace switches to gradtrace's engine)"
    return "import torch gives gradtrace's engine (%torch real switches to real PyTorch)"
