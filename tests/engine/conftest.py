"""Fixtures shared by the engine's tests."""
import pytest


@pytest.fixture(params=[pytest.param("torch", marks=pytest.mark.torch), "gradtrace"])
def lib(request):
    """The tensor library under test: real torch (the oracle) or gradtrace.engine."""
    if request.param == "torch":
        return request.getfixturevalue("real_torch")
    import gradtrace.engine as gt
    return gt
