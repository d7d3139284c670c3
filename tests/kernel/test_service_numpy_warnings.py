"""In the kernel's language service (which shows every warning an input raises), the engine's ops print no
numpy warning, as torch prints none, while the user's own numpy code still warns as numpy does."""
import pytest

from gradtrace.kernel.service import LanguageService


class Recorder:
    def __init__(self):
        self.events = []

    def __getattr__(self, name):  # every front-end event is written down
        return lambda *args, **kwargs: self.events.append((name, args))

    def text(self, stream):
        return "".join(args[1] for name, args in self.events if name == "stream" and args[0] == stream)


@pytest.fixture
def service(tmp_path):
    svc = LanguageService(torch_mode="gradtrace", history_path=str(tmp_path / "history.sqlite"))
    yield svc
    svc.shutdown()


@pytest.mark.parametrize("action", ["default", "always", "error"])
def test_engine_ops_print_no_numpy_warning_whatever_the_filters(service, action):
    events = Recorder()
    service.execute(f"import warnings, torch\nwarnings.simplefilter({action!r})\n"
                    "q = torch.tensor([0., 1.]) / torch.tensor(0.)\nl = torch.log(torch.tensor(-1.))\n"
                    "e = torch.exp(torch.tensor([1000.]))\nprint(q, l, e)", events)
    assert events.text("stdout") == "tensor([nan, inf]) tensor(nan) tensor([inf])\n"
    assert events.text("stderr") == ""


def test_the_users_numpy_still_warns(service):
    events = Recorder()
    service.execute("import numpy as np\nnp.log(np.array(-1.))", events)
    assert "RuntimeWarning: invalid value encountered in log" in events.text("stderr")
