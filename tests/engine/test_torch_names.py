"""The engine under torch's names (gradtrace.engine._torch_names): the table of where torch defines
each class, checked against torch both ways, and exposing/concealing in a fresh interpreter."""
import inspect
import subprocess
import sys
import textwrap

import pytest

import gradtrace.engine as engine
from gradtrace.engine._torch_names import TORCH_HOMES, engine_class


def _public_classes(real_torch):
    """(public path, engine class, torch class) for every engine class whose public path torch also has."""
    found, seen = [], set()

    def walk(module, torch_module, prefix, depth):
        for name in dir(module):
            if name.startswith("__"):
                continue
            value = getattr(module, name)
            path = prefix + name
            if inspect.isclass(value) and value.__module__.startswith(("gradtrace.engine", "torch")):
                theirs = getattr(torch_module, name, None)
                if inspect.isclass(theirs) and value not in seen and not name.startswith("_"):
                    seen.add(value)
                    found.append((path, value, theirs))
            elif (inspect.ismodule(value) and value.__name__.startswith("gradtrace.engine") and depth < 4
                  and inspect.ismodule(getattr(torch_module, name, None))):
                walk(value, getattr(torch_module, name), path + ".", depth + 1)

    walk(engine, real_torch, "", 0)
    return found


@pytest.mark.torch
def test_every_home_is_where_torch_defines_the_class(real_torch):
    for home, paths in TORCH_HOMES.items():
        for path in paths:
            theirs = real_torch
            for part in path.split("."):
                theirs = getattr(theirs, part)
            assert (theirs.__module__, theirs.__qualname__) == (home, path.rsplit(".", 1)[-1]), path
            assert engine_class(path).__name__ == theirs.__name__


@pytest.mark.torch
def test_every_engine_class_torch_also_has_is_in_the_table(real_torch):
    listed = {engine_class(path) for paths in TORCH_HOMES.values() for path in paths}
    internal = {"FormattedTimesMixin", "Interval"}  # torch's helpers the engine reuses, not public names
    missing = sorted(path for path, ours, theirs in _public_classes(real_torch)
                     if ours not in listed and ours.__name__ not in internal
                     and ours.__module__.startswith("gradtrace.engine"))
    assert missing == [], f"add these to TORCH_HOMES (torch's module: type(torch.X).__module__): {missing}"


def _run_fresh(code):
    """Run code in a new interpreter (exposing changes process-wide state: never in this one)."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_expose_then_conceal_in_a_fresh_interpreter():
    out = _run_fresh("""
        import pickle, sys
        from gradtrace.engine import _torch_names
        import gradtrace.engine as engine
        print(_torch_names.expose_as_torch())
        import torch, torch.nn.modules.linear as linear
        print(torch is engine, linear.Linear is engine.nn.Linear, repr(engine.nn.Linear))
        model = pickle.dumps(engine.nn.Linear(2, 3))
        _torch_names.conceal()
        print(repr(engine.nn.Linear), repr(engine.Tensor), 'torch' in sys.modules,
              any(name.startswith('torch.') for name in sys.modules))
        print(type(pickle.loads(pickle.dumps(engine.nn.Linear(2, 3)))) is engine.nn.Linear)
        _torch_names.expose_as_torch()
        print(type(pickle.loads(model)) is engine.nn.Linear)
        """)
    assert out == [
        "True",
        "True True <class 'torch.nn.modules.linear.Linear'>",
        "<class 'gradtrace.engine.nn.modules.Linear'> <class 'gradtrace.engine._tensor.Tensor'> False False",
        "True",
        "True",
    ]


@pytest.mark.torch
@pytest.mark.slow  # a fresh interpreter that imports real torch
def test_expose_refuses_beside_real_torch(real_torch):
    out = _run_fresh("""
        import torch
        from gradtrace.engine import _torch_names
        import gradtrace.engine as engine
        print(_torch_names.expose_as_torch(), repr(engine.Tensor), 'gradtrace' in repr(torch.Tensor))
        """)
    assert out == ["False <class 'gradtrace.engine._tensor.Tensor'> False"]
