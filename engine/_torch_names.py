"""The engine under torch's names: `type(t)` is `torch.Tensor`, `type(nn.Linear(2, 3))` is
`torch.nn.modules.linear.Linear`, a generator is a `torch._C.Generator`.

A process that exposes the engine as torch (the kernel and the REPL, in gradtrace mode) calls
`expose_as_torch()`. It gives the engine's classes the `__module__` torch defines them in and
makes those module names resolve to the engine in `sys.modules`, so that everything that looks a
class up by name agrees with what `type()` prints: pickle (a pickled model names
`torch.nn.modules.linear.Linear` and unpickles to the engine's class), torch.save, and libraries
written for torch (torchviz's `import torch` gets the engine). `conceal()` undoes both, for
`%torch real`.

Only a process whose `sys.modules` has no real torch can do this: a class name must resolve to one
class. Everywhere else (tests, scripts that `import gradtrace.engine as torch` beside real torch)
the classes keep their own names, which pickle resolves without help.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import types

ENGINE = "gradtrace.engine"

#: torch's defining module -> the engine classes torch defines there, by their public path in the
#: engine. tests/engine/test_torch_names.py checks it against torch, both ways.
TORCH_HOMES = {
    "torch": ("BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor",
              "LongTensor", "ShortTensor", "Size", "Tensor", "device", "dtype"),
    "torch._C": ("Generator",),
    "torch._C._autograd": ("autograd.profiler.DeviceType",),
    "torch._C._profiler": ("profiler.ProfilerActivity",),
    "torch.autograd.anomaly_mode": ("autograd.detect_anomaly", "autograd.set_detect_anomaly"),
    "torch.autograd.function": ("autograd.Function", "autograd.function.BackwardCFunction",
                                "autograd.function.FunctionCtx", "autograd.function.FunctionMeta",
                                "autograd.function.InplaceFunction", "autograd.function.NestedIOFunction"),
    "torch.autograd.grad_mode": ("autograd.enable_grad", "autograd.inference_mode", "autograd.no_grad",
                                 "autograd.set_grad_enabled"),
    "torch.autograd.graph": ("autograd.graph.Node",),
    "torch.autograd.profiler": ("autograd.profiler.profile", "autograd.profiler.record_function"),
    "torch.autograd.profiler_util": ("autograd.profiler.EventList", "autograd.profiler.FunctionEvent",
                                     "autograd.profiler_util.FunctionEventAvg"),
    "torch.autograd.variable": ("autograd.Variable",),
    "torch.backends.cuda": ("backends.cuda.cuBLASModule",),
    "torch.nn.modules.activation": ("nn.CELU", "nn.ELU", "nn.GELU", "nn.Hardsigmoid", "nn.Hardswish", "nn.Hardtanh",
                                    "nn.LeakyReLU", "nn.LogSigmoid", "nn.LogSoftmax", "nn.Mish", "nn.PReLU",
                                    "nn.ReLU", "nn.ReLU6", "nn.SELU", "nn.SiLU", "nn.Sigmoid", "nn.Softmax",
                                    "nn.Softmax2d", "nn.Softmin", "nn.Softplus", "nn.Softsign", "nn.Tanh",
                                    "nn.Tanhshrink", "nn.Threshold"),
    "torch.nn.modules.batchnorm": ("nn.BatchNorm1d", "nn.BatchNorm2d", "nn.BatchNorm3d"),
    "torch.nn.modules.container": ("nn.ModuleDict", "nn.ModuleList", "nn.ParameterList", "nn.Sequential"),
    "torch.nn.modules.conv": ("nn.Conv1d", "nn.Conv2d"),
    "torch.nn.modules.dropout": ("nn.Dropout", "nn.Dropout1d", "nn.Dropout2d", "nn.Dropout3d"),
    "torch.nn.modules.flatten": ("nn.Flatten", "nn.Unflatten"),
    "torch.nn.modules.linear": ("nn.Identity", "nn.Linear"),
    "torch.nn.modules.loss": ("nn.BCELoss", "nn.BCEWithLogitsLoss", "nn.CrossEntropyLoss", "nn.HuberLoss",
                              "nn.KLDivLoss", "nn.L1Loss", "nn.MSELoss", "nn.NLLLoss", "nn.SmoothL1Loss"),
    "torch.nn.modules.module": ("nn.Module",),
    "torch.nn.modules.normalization": ("nn.GroupNorm", "nn.LayerNorm"),
    "torch.nn.modules.padding": ("nn.ConstantPad1d", "nn.ConstantPad2d", "nn.ConstantPad3d", "nn.ReflectionPad1d",
                                 "nn.ReflectionPad2d", "nn.ReflectionPad3d", "nn.ReplicationPad1d",
                                 "nn.ReplicationPad2d", "nn.ReplicationPad3d", "nn.ZeroPad1d", "nn.ZeroPad2d",
                                 "nn.ZeroPad3d"),
    "torch.nn.modules.pooling": ("nn.AdaptiveAvgPool1d", "nn.AdaptiveAvgPool2d", "nn.AdaptiveMaxPool1d",
                                 "nn.AdaptiveMaxPool2d", "nn.AvgPool1d", "nn.AvgPool2d", "nn.MaxPool1d",
                                 "nn.MaxPool2d"),
    "torch.nn.modules.rnn": ("nn.GRU", "nn.GRUCell", "nn.LSTM", "nn.LSTMCell", "nn.RNN", "nn.RNNBase", "nn.RNNCell",
                             "nn.RNNCellBase"),
    "torch.nn.modules.sparse": ("nn.Embedding",),
    "torch.nn.parameter": ("nn.Parameter",),
    "torch.optim.adadelta": ("optim.Adadelta",),
    "torch.optim.adagrad": ("optim.Adagrad",),
    "torch.optim.adam": ("optim.Adam",),
    "torch.optim.adamax": ("optim.Adamax",),
    "torch.optim.adamw": ("optim.AdamW",),
    "torch.optim.lr_scheduler": ("optim.lr_scheduler.ChainedScheduler", "optim.lr_scheduler.ConstantLR",
                                 "optim.lr_scheduler.CosineAnnealingLR", "optim.lr_scheduler.ExponentialLR",
                                 "optim.lr_scheduler.LRScheduler", "optim.lr_scheduler.LambdaLR",
                                 "optim.lr_scheduler.LinearLR", "optim.lr_scheduler.MultiStepLR",
                                 "optim.lr_scheduler.MultiplicativeLR", "optim.lr_scheduler.OneCycleLR",
                                 "optim.lr_scheduler.PolynomialLR", "optim.lr_scheduler.ReduceLROnPlateau",
                                 "optim.lr_scheduler.SequentialLR", "optim.lr_scheduler.StepLR"),
    "torch.optim.nadam": ("optim.NAdam",),
    "torch.optim.optimizer": ("optim.Optimizer",),
    "torch.optim.radam": ("optim.RAdam",),
    "torch.optim.rmsprop": ("optim.RMSprop",),
    "torch.optim.sgd": ("optim.SGD",),
    "torch.storage": ("UntypedStorage",),
    "torch.profiler.profiler": ("profiler.ProfilerAction", "profiler.profile"),
    "torch.utils.data.dataloader": ("utils.data.DataLoader",),
    "torch.utils.data.dataset": ("utils.data.ConcatDataset", "utils.data.Dataset", "utils.data.IterableDataset",
                                 "utils.data.Subset", "utils.data.TensorDataset"),
    "torch.utils.data.sampler": ("utils.data.BatchSampler", "utils.data.RandomSampler", "utils.data.Sampler",
                                 "utils.data.SequentialSampler", "utils.data.SubsetRandomSampler"),
}

# torch's C++ nodes are classes without a module: type(y.grad_fn) prints <class 'MulBackward0'>
_NODE_MODULE = "builtins"


def engine_class(public_path):
    """The engine's class at a public path such as 'nn.Linear'."""
    obj = importlib.import_module(ENGINE)
    for part in public_path.split("."):
        obj = getattr(obj, part)
    return obj


def torch_home(module, qualname):
    """The engine's class that torch defines as `module.qualname`, or None (for loading pickles)."""
    for path in TORCH_HOMES.get(module, ()):
        if path.rsplit(".", 1)[-1] == qualname:
            return engine_class(path)
    return None


def _engine_name(torch_name):
    return ENGINE + torch_name[len("torch"):]


class _EngineAsTorch(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of `torch.X` (by libraries, by pickle) give the engine's `gradtrace.engine.X`, the
    module object itself, so that no engine file is ever loaded twice under two names."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        try:
            module = importlib.import_module(_engine_name(fullname))
        except ModuleNotFoundError as error:
            if error.name is not None and _engine_name(fullname).startswith(error.name):
                return None  # the engine has no such module: "No module named 'torch.X'"
            raise
        return importlib.util.spec_from_loader(fullname, self, origin=module.__spec__.origin,
                                               is_package=hasattr(module, "__path__"))

    def create_module(self, spec):
        module = sys.modules[_engine_name(spec.name)]
        spec.loader_state = module.__spec__  # the import system sets __spec__; exec_module puts it back
        return module

    def exec_module(self, module):
        module.__spec__ = module.__spec__.loader_state


class _Exposure:
    """What expose_as_torch changed, so that conceal can put it back."""

    def __init__(self):
        self.modules = {}  # class -> its own __module__
        self.added = []  # the sys.modules keys added
        self.attributes = []  # (module, name) set on a module that lacked it
        self.finder = _EngineAsTorch()


_exposed = None


def is_exposed():
    """Whether the engine's classes carry torch's names in this process now."""
    return _exposed is not None


def real_torch_loaded():
    """Whether `sys.modules` holds real torch (then the name `torch` is taken)."""
    loaded = sys.modules.get("torch")
    return loaded is not None and not loaded.__name__.startswith(ENGINE)


def find_spec(fullname):
    """The spec that makes `torch.X` the engine's module, while exposed (for a finder that hands over)."""
    return _exposed.finder.find_spec(fullname)


def expose_as_torch():
    """Give the engine's classes torch's names and make `torch.*` resolve to the engine.

    Returns False, changing nothing, when real torch is loaded in this process."""
    global _exposed
    if _exposed is not None:
        return True
    if real_torch_loaded():
        return False
    engine = importlib.import_module(ENGINE)
    exposure = _Exposure()

    def add_module(name, module):
        if name not in sys.modules:
            sys.modules[name] = module
            exposure.added.append(name)

    add_module("torch", engine)
    for name, module in list(sys.modules.items()):
        if name.startswith(ENGINE + ".") and module is not None:
            add_module("torch" + name[len(ENGINE):], module)
    for home, paths in TORCH_HOMES.items():
        classes = [engine_class(path) for path in paths]
        module = sys.modules.get(home) or sys.modules.get(_engine_name(home))
        if module is None:
            # a module torch has and the engine does not (torch.nn.modules.linear): a namespace of
            # the classes torch defines there, for pickle to find them in
            module = types.ModuleType(home, f"torch's {home}, as far as gradtrace's engine has it")
            parent, _, child = home.rpartition(".")
            if parent in sys.modules and not hasattr(sys.modules[parent], child):
                setattr(sys.modules[parent], child, module)  # `import torch.nn.modules.linear as L`
                exposure.attributes.append((sys.modules[parent], child))
        add_module(home, module)
        for cls in classes:
            exposure.modules.setdefault(cls, cls.__module__)
            cls.__module__ = home
            if getattr(module, cls.__qualname__, None) is not cls:
                setattr(module, cls.__qualname__, cls)
                exposure.attributes.append((module, cls.__qualname__))
    for cls in _node_classes():
        exposure.modules.setdefault(cls, cls.__module__)
        cls.__module__ = _NODE_MODULE
    sys.meta_path.insert(0, exposure.finder)
    _exposed = exposure
    return True


def conceal():
    """Undo expose_as_torch: the classes get their own names back and `torch` is free for real torch."""
    global _exposed
    exposure, _exposed = _exposed, None
    if exposure is None:
        return
    sys.meta_path.remove(exposure.finder)
    for cls, module in exposure.modules.items():
        cls.__module__ = module
    for module, name in exposure.attributes:
        delattr(module, name)
    for name in list(sys.modules):
        if name == "torch" or name.startswith("torch."):
            module = sys.modules[name]
            if name in exposure.added or getattr(module, "__name__", "").startswith(ENGINE):
                del sys.modules[name]


def _node_classes():
    """Every grad_fn class loaded so far, but custom Functions' (torch names those
    torch.autograd.function.<Name>Backward, and so does the engine, always)."""
    from .autograd.function import BackwardCFunction
    from .autograd.node import Node

    found, todo = [], list(Node.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if not issubclass(cls, BackwardCFunction) and cls.__module__.startswith(ENGINE):
            found.append(cls)
    return found
