"""Reliability: bounded memory. A long training loop in one input, and a long session of small inputs,
leave the kernel's RSS flat; what the kernel keeps per input is bounded in count and bytes."""
import pytest

from gradtrace.kernel import service as service_module
from gradtrace.kernel.report import PROFILE_MAX_RECORDS
from gradtrace.kernel.service import LanguageService
from kernel_harness import start_kernel, stop_kernel
from reliability_probes import MLP_SETUP, memory_over_a_loop, memory_over_many_inputs


class Quiet:
    """A front end that drops everything."""

    def stream(self, name, text): pass

    def display(self, data, metadata, transient=None, update=False): pass

    def clear_output(self, wait): pass

    def execute_result(self, execution_count, data, metadata): pass

    def report(self, data, metadata): pass


@pytest.fixture
def service(tmp_path):
    svc = LanguageService(torch_mode="gradtrace", history_path=str(tmp_path / "history.sqlite"))
    yield svc
    svc.shutdown()


def test_out_and_underscore_names_keep_the_last_results_only(service, monkeypatch):
    monkeypatch.setattr(service_module, "OUTPUT_CACHE_SIZE", 3)
    for i in range(6):
        service.execute(f"{i} * 10", Quiet())
    assert service.namespace["Out"] == {4: 30, 5: 40, 6: 50}
    assert sorted(name for name in service.namespace if name[:1] == "_" and name[1:].isdigit()) == ["_4", "_5", "_6"]
    assert service.namespace["_"] == 50


def test_a_long_input_keeps_a_bounded_profile(service):
    service.execute(MLP_SETUP, Quiet())
    loop = ("for step in range(600):\n    opt.zero_grad()\n    loss = ((model(x) - y) ** 2).mean()\n"
            "    loss.backward()\n    opt.step()")
    outcome = service.execute(loop, Quiet())
    assert outcome.status == "ok"
    # the profile stopped at its record limit (a record may come back as more than one event)
    assert len(service.last_profile_events) < 2 * PROFILE_MAX_RECORDS
    assert outcome.report["notes"][-1].startswith(f"profiler: stopped after the first {PROFILE_MAX_RECORDS:,} events")


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_rss_is_flat_over_a_10000_step_training_loop(kernel):
    _, kc = kernel
    figures = memory_over_a_loop(kc, steps=10_000)
    assert figures["growth_mb"] < 5, figures


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_rss_is_flat_over_1000_small_inputs_with_reports(kernel):
    _, kc = kernel
    figures = memory_over_many_inputs(kc, inputs=1000)
    assert figures["growth_mb"] < 5, figures
