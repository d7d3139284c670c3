"""torch.accelerator, set_default_device/get_default_device and torch.backends as a CPU-only torch
build answers them (where CuPy and a GPU are, the CUDA answers are checked under the gpu mark)."""
import pytest

import gradtrace.engine as engine
from gradtrace.engine._device import cuda_is_available


def _outcome(call):
    try:
        return ("ok", call())
    except Exception as error:  # noqa: BLE001 - the outcome is what is compared
        return (type(error).__name__, str(error))


@pytest.fixture
def default_device_restored():
    yield
    engine.set_default_device(None)


@pytest.mark.torch
@pytest.mark.skipif(cuda_is_available(), reason="compares with a CPU-only torch build")
def test_accelerator_answers_as_a_cpu_build(real_torch):
    for torch in (engine, real_torch):
        acc = torch.accelerator
        got = (acc.is_available(), acc.current_accelerator(), acc.current_accelerator(check_available=True),
               acc.device_count(), _outcome(acc.current_device_index), _outcome(acc.synchronize),
               _outcome(lambda: acc.set_device_index(0)))
        if torch is engine:
            ours = got
        else:
            assert ours == got


@pytest.mark.torch
@pytest.mark.skipif(cuda_is_available(), reason="compares with a CPU-only torch build")
def test_default_device_cpu_works_and_cuda_fails_as_torchs(real_torch, default_device_restored):
    for torch in (engine, real_torch):
        torch.set_default_device("cpu")
        cpu = (repr(torch.get_default_device()), str(torch.ones(2).device), str(torch.tensor([1.]).device),
               str(torch.randn(2).device), str(torch.arange(3).device))
        torch.set_default_device(torch.device("cpu"))
        again = repr(torch.get_default_device())
        torch.set_default_device("cuda")  # accepted: torch fails only when a device is needed
        cuda = (_outcome(torch.get_default_device), _outcome(lambda: torch.ones(1)),
                _outcome(lambda: torch.tensor([1.])))
        torch.set_default_device(None)
        after = (repr(torch.get_default_device()), str(torch.zeros(1).device))
        number = _outcome(lambda: torch.set_default_device(0))
        torch.set_default_device(None)
        got = (cpu, again, cuda, after, number)
        if torch is engine:
            ours = got
        else:
            assert ours == got


@pytest.mark.gpu
def test_default_device_cuda_puts_new_tensors_on_the_gpu(default_device_restored):
    engine.set_default_device("cuda")
    assert engine.get_default_device() == engine.device("cuda", 0)
    assert str(engine.ones(2).device) == "cuda:0" and str(engine.tensor([1.]).device) == "cuda:0"
    assert str(engine.ones(2, device="cpu").device) == "cpu"
    assert engine.accelerator.current_accelerator() == engine.device("cuda")
    assert engine.accelerator.device_count() >= 1 and engine.accelerator.current_device_index() == 0


@pytest.mark.torch
def test_backend_flags_tutorials_read(real_torch):
    import gradtrace.engine.backends.cudnn as cudnn  # the line tutorials write

    for torch in (engine, real_torch):
        b = torch.backends
        got = (b.cudnn.is_available(), b.cudnn.version(), b.cudnn.enabled, b.cudnn.benchmark, b.cudnn.deterministic,
               b.cudnn.allow_tf32, b.cudnn.benchmark_limit, b.mps.is_available(), b.mps.is_built(),
               b.cuda.matmul.allow_tf32, b.cuda.matmul.allow_fp16_reduced_precision_reduction,
               b.cuda.flash_sdp_enabled(), b.cuda.math_sdp_enabled(), b.cuda.mem_efficient_sdp_enabled())
        if torch is engine:
            ours = got
        else:
            assert ours == got
    cudnn.benchmark = True
    try:
        assert engine.backends.cudnn.benchmark is True
    finally:
        cudnn.benchmark = False


@pytest.mark.torch
def test_reproducibility_switches_read_back_as_torchs(real_torch):
    import warnings

    def run(torch):
        seen = [(torch.are_deterministic_algorithms_enabled(), torch.get_float32_matmul_precision())]
        try:
            torch.use_deterministic_algorithms(True, warn_only=True)
            seen.append((torch.are_deterministic_algorithms_enabled(),
                         torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_deterministic_debug_mode()))
            torch.set_deterministic_debug_mode("error")
            seen.append((torch.get_deterministic_debug_mode(), torch.is_deterministic_algorithms_warn_only_enabled()))
            seen.append(_outcome(lambda: torch.use_deterministic_algorithms("yes")))
            seen.append(_outcome(lambda: torch.set_deterministic_debug_mode("zz")))
            torch.set_float32_matmul_precision("high")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                torch.set_float32_matmul_precision("bad")
            seen.append((torch.get_float32_matmul_precision(), [str(w.message) for w in caught]))
        finally:
            torch.use_deterministic_algorithms(False)
            torch.set_float32_matmul_precision("highest")
        return seen

    assert run(engine) == run(real_torch)


def test_cuda_is_built_means_cupy_is_installed():
    import importlib.util

    assert engine.backends.cuda.is_built() is (importlib.util.find_spec("cupy") is not None)


@pytest.mark.torch
@pytest.mark.skipif(cuda_is_available(), reason="compares with a CPU-only torch build")
def test_cuda_is_built_is_false_as_on_a_cpu_build_without_cupy(real_torch):
    import importlib.util

    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed here: gradtrace can run on CUDA, a CPU torch build cannot")
    assert engine.backends.cuda.is_built() is real_torch.backends.cuda.is_built() is False
