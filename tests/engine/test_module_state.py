"""Module traversal, state_dict and load_state_dict: orders, keys, results and error texts as torch's."""
import pytest

import gradtrace.engine as gt


def _nested(lib):
    nn = lib.nn
    lib.manual_seed(0)
    return nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.Linear(2, 1))


def _load_error(model, state):
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    return str(error.value)


SCENARIOS = {
    "named_modules_depth_first": lambda lib: [n for n, _ in _nested(lib).named_modules()],
    "parameter_order": lambda lib: [n for n, _ in _nested(lib).named_parameters()],
    "state_dict_keys": lambda lib: list(_nested(lib).state_dict()),
    "all_keys_matched": lambda lib: repr(_nested(lib).load_state_dict(_nested(lib).state_dict())),
    "incompatible_keys_not_strict": lambda lib: repr(_nested(lib).load_state_dict(
        {**{k: v for k, v in _nested(lib).state_dict().items() if k != "1.bias"}, "foo": lib.zeros(1)},
        strict=False)),
    "missing_and_unexpected_error": lambda lib: _load_error(
        _nested(lib), {**{k: v for k, v in _nested(lib).state_dict().items() if k != "1.bias"},
                       "foo": lib.zeros(1)}),
    "size_mismatch_error": lambda lib: _load_error(_nested(lib), {**_nested(lib).state_dict(),
                                                                  "1.weight": lib.zeros(3, 3)}),
    "not_a_tensor_error": lambda lib: _load_error(_nested(lib), {**_nested(lib).state_dict(), "1.bias": 3.0}),
    "non_persistent_buffer": lambda lib: _buffers(lib),
    "shared_module_keys": lambda lib: _shared(lib),
}


def _buffers(lib):
    linear = lib.nn.Linear(2, 2)
    linear.register_buffer("scratch", lib.ones(1), persistent=False)
    linear.register_buffer("count", lib.ones(1))
    return list(linear.state_dict()), [n for n, _ in linear.named_buffers()]


def _shared(lib):
    linear = lib.nn.Linear(2, 2)
    model = lib.nn.Sequential(linear, linear)
    return list(model.state_dict()), len(list(model.parameters()))


@pytest.mark.torch
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_module_state_matches_torch(real_torch, name):
    assert SCENARIOS[name](gt) == SCENARIOS[name](real_torch)


def test_load_state_dict_copies_values_and_buffers():
    source, target = _nested(gt), gt.nn.Sequential(gt.nn.Sequential(gt.nn.Linear(2, 2)), gt.nn.Linear(2, 1))
    source[1].register_buffer("steps", gt.tensor([7.0]))
    target[1].register_buffer("steps", gt.tensor([0.0]))
    assert repr(target.load_state_dict(source.state_dict())) == "<All keys matched successfully>"
    assert target[0][0].weight.tolist() == source[0][0].weight.tolist()
    assert target[1].steps.tolist() == [7.0]
    assert target[0][0].weight.grad_fn is None and target[0][0].weight.requires_grad
