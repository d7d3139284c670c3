"""Shared fixtures: the real-PyTorch oracle and the GPU switch."""
import importlib

import pytest


@pytest.fixture(scope="session")
def real_torch():
    """The real PyTorch module, the oracle; tests that take it skip where torch is absent."""
    return pytest.importorskip("torch")


def _gpu_available():
    try:
        cupy = importlib.import_module("cupy")
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    if _gpu_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs CuPy and an NVIDIA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)
