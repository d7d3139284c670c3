"""Whole programs other people wrote for PyTorch (the official tutorials, "Learning PyTorch with Examples",
"What is torch.nn really?", the quickstart, d2l.ai, course exercises), in short CPU-only versions under
programs/: each runs unchanged once on real torch and once with `import torch` giving gradtrace's engine
(the kernel's import alias), and must print exactly the same text.

All programs of one side run in one subprocess (programs/_runner.py), so torch is imported once and
neither side sees the other's modules. Where a program prints a float32 training loss or coefficient,
it formats it to 5-6 significant digits: torch's summation order and BLAS differ from numpy's in the
last bits (shared/reference/torch-behaviour.md, section 7), as torch's own output does across CPUs.
"""
import functools
import json
import pathlib
import re
import subprocess
import sys

import pytest

PROGRAMS = pathlib.Path(__file__).parent / "programs"
NAMES = sorted(p.name for p in PROGRAMS.glob("*.py") if not p.name.startswith("_"))


@functools.lru_cache(maxsize=None)
def _outputs(mode):
    """{program name: what it printed} for one side, "real" or "gradtrace"."""
    done = subprocess.run([sys.executable, str(PROGRAMS / "_runner.py"), mode, *NAMES], cwd=PROGRAMS,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    # objects printed by default repr (grad_fn nodes) carry addresses that differ from run to run
    return {name: re.sub(r" at 0x[0-9a-f]+>", " at 0x...>", text) for name, text in json.loads(done.stdout).items()}


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_program_prints_exactly_what_torch_prints(real_torch, name):
    assert _outputs("gradtrace")[name] == _outputs("real")[name]


@pytest.mark.parametrize("name", NAMES)
def test_program_runs_on_gradtrace_alone(name):
    assert "Traceback (most recent call last)" not in _outputs("gradtrace")[name]
