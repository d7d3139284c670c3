"""Inside a real gradtrace kernel, `import torch` is the engine under torch's names: what type(),
repr and `x?` print, and that pickle, copy, torch.save and isinstance still agree with them."""
import pytest

from kernel_harness import run_cell, start_kernel, stdout_text, stop_kernel


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield kc
    stop_kernel(km, kc)


def _out(kc, code):
    reply, messages = run_cell(kc, code)
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert reply["content"]["status"] == "ok", errors
    return stdout_text(messages)


def test_types_print_torch_names(kernel):
    out = _out(kernel, "import torch\nimport torch.nn as nn\n"
                       "t = torch.ones(2, requires_grad=True)\n"
                       "print(type(t)); print(type(nn.Linear(2, 3))); print(type(nn.Parameter(t)))\n"
                       "print(type(torch.float32), type(torch.device('cpu')), type(t.shape))\n"
                       "print(type((t * 2).grad_fn), type(torch.optim.SGD([t], lr=0.1)))\n"
                       "print(type(torch.max(t, 0)))")
    assert out.splitlines() == [
        "<class 'torch.Tensor'>",
        "<class 'torch.nn.modules.linear.Linear'>",
        "<class 'torch.nn.parameter.Parameter'>",
        "<class 'torch.dtype'> <class 'torch.device'> <class 'torch.Size'>",
        "<class 'MulBackward0'> <class 'torch.optim.sgd.SGD'>",
        "<class 'torch.return_types.max'>",
    ]


def test_generator_repr_is_torchs(kernel):
    out = _out(kernel, "import torch, re\nprint(re.sub('0x[0-9a-f]+', 'ADDR', repr(torch.manual_seed(0))))\n"
                       "print(type(torch.Generator()))")
    assert out.splitlines() == ["<torch._C.Generator object at ADDR>", "<class 'torch._C.Generator'>"]


def test_inspect_says_torch_tensor(kernel):
    _out(kernel, "import torch\nx = torch.ones(3)")
    reply = kernel.inspect("x", 1, detail_level=0, reply=True, timeout=30)
    text = reply["content"]["data"]["text/plain"]
    assert "torch.Tensor" in text and "gradtrace" not in text


def test_pickle_copy_save_and_isinstance_agree_with_the_names(kernel):
    out = _out(kernel, """
import copy, io, pickle
import torch, torch.nn as nn
model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
data = pickle.dumps(model)
print(b'torch.nn.modules.linear' in data, b'gradtrace.engine.nn' in data)
again = pickle.loads(data)
print(type(again[0]) is nn.Linear, isinstance(again, nn.Module), torch.equal(again[0].weight, model[0].weight))
print(type(copy.deepcopy(model)[0]), type(copy.copy(model)))
buf = io.BytesIO(); torch.save(model, buf); buf.seek(0)
loaded = torch.load(buf, weights_only=False)
print(type(loaded[0]), torch.equal(loaded[0].bias, model[0].bias))
g = pickle.loads(pickle.dumps(torch.Generator().manual_seed(3)))
print(type(g), torch.equal(torch.randn(2, generator=g), torch.randn(2, generator=torch.Generator().manual_seed(3))))
print(pickle.loads(pickle.dumps(torch.float64)) is torch.float64, pickle.loads(pickle.dumps(torch.device('cpu'))))
t = pickle.loads(pickle.dumps(torch.tensor([1., 2.])))
print(type(t), isinstance(t, torch.Tensor), torch.is_tensor(t))
""")
    assert out.splitlines() == [
        "True False",
        "True True True",
        "<class 'torch.nn.modules.linear.Linear'> <class 'torch.nn.modules.container.Sequential'>",
        "<class 'torch.nn.modules.linear.Linear'> True",
        "<class 'torch._C.Generator'> True",
        "True cpu",
        "<class 'torch.Tensor'> True True",
    ]


def test_libraries_importing_torch_get_the_engine(kernel):
    # a module the user did not write (here: one compiled outside the user namespace) sees the same torch
    out = _out(kernel, "import torch, types\nlib = types.ModuleType('lib')\n"
                       "exec('import torch\\nimport torch.nn.functional as F', lib.__dict__)\n"
                       "print(lib.torch is torch, lib.F is torch.nn.functional)")
    assert out.strip() == "True True"


def test_torch_real_gives_the_names_back():
    pytest.importorskip("torch")
    km, kc = start_kernel()  # its own kernel: once real torch is loaded in a process, it stays
    try:
        out = _out(kc, "import torch\nt = torch.ones(1)\n%torch real\nprint(type(t).__module__)\n"
                       "print(type(torch.ones(1)).__module__, torch.__version__.startswith('2.13'))\n"
                       "%torch gradtrace\nimport torch\nprint(type(torch.ones(1)))")
    finally:
        stop_kernel(km, kc)
    lines = [line for line in out.splitlines() if not line.startswith("import torch gives")]
    # once real torch is loaded the name is taken: the engine keeps its own names from then on
    assert lines == ["gradtrace.engine._tensor", "torch True", "<class 'gradtrace.engine._tensor.Tensor'>"]


def test_torchviz_in_the_kernel_draws_gradtrace_graphs(kernel):
    pytest.importorskip("torchviz")  # the kernel runs in this interpreter's environment
    out = _out(kernel, "import re, torch\nfrom torchviz import make_dot\n"
                       "w = torch.ones(2, requires_grad=True)\nloss = (w * 3).relu().sum()\n"
                       "dot = make_dot(loss, params={'w': w}, show_attrs=True, show_saved=True)\n"
                       "print(re.findall(r'label=\"?(\\w+Backward0|AccumulateGrad)', dot.source))\n"
                       "print('result: [saved tensor]' in dot.source, 'label=\"w\\n (2)\"' in dot.source)")
    assert out.splitlines() == ["['SumBackward0', 'ReluBackward0', 'MulBackward0', 'AccumulateGrad']",
                                "True True"]
