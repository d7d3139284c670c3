"""Views and storage as torch reports them: _is_view(), _base, is_contiguous, stride, storage_offset,
data_ptr (a slice starts where torch's does inside its base's storage) and untyped_storage."""
import re

import pytest

import gradtrace.engine as engine

# expressions of x (arange(12.) as 3x4) and a (ones(2, 3) requiring grad)
CASES = [
    "x", "x[1:]", "x[1:, ::2]", "x[1]", "x[1, 2]", "x[:, 1]", "x[..., 1:3]", "x[None]", "x[...]",
    "x.t()", "x.T", "x.transpose(0, 1)[1:]", "x.view(12)", "x.view(-1)[3:]", "x.view(2, 6)", "x.reshape(4, 3)",
    "x.t().reshape(12)", "x.unsqueeze(0)", "x.squeeze()", "x.expand(2, 3, 4)", "x.permute(1, 0)",
    "x.narrow(1, 1, 2)", "x.select(0, 2)", "x.unbind()[1]", "x.chunk(2, 1)[1]", "x.split(2)[1]",
    "x.flatten()", "x.flatten()[5:]", "x.unflatten(1, (2, 2))", "x.movedim(0, 1)", "x.contiguous()",
    "x.t().contiguous()", "x.clone()", "x.flip(0)", "x[[0, 2]]", "x[x > 3]", "x.detach()", "x.data",
    "x.t().detach()", "x[1:].t()[::2]",
    "a", "a.detach()", "a.t()", "a[1:]", "a * 2", "(a * 2)[1]", "a.data",
]


def _facts(torch, expr):
    x = torch.arange(12.).reshape(3, 4).clone()
    a = torch.ones(2, 3, requires_grad=True)
    t = eval(expr)
    root = x if expr.startswith("x") else a
    base = t._base
    return {
        "_is_view": t._is_view(),
        "_base": None if base is None else ("x" if base is x else "a" if base is a else "other"),
        "is_contiguous": t.is_contiguous(),
        "stride": t.stride(),
        "storage_offset": t.storage_offset(),
        "data_ptr - root's": t.data_ptr() - root.data_ptr(),
        "shares root's storage": t.untyped_storage().data_ptr() == root.untyped_storage().data_ptr(),
        "storage nbytes": t.untyped_storage().nbytes(),
    }


@pytest.mark.torch
@pytest.mark.parametrize("expr", CASES)
def test_view_facts_match_torch(real_torch, expr):
    ours, theirs = _facts(engine, expr), _facts(real_torch, expr)
    if not theirs["shares root's storage"] and not ours["shares root's storage"]:
        # two allocations: where the allocator put them is not a fact to compare
        del ours["data_ptr - root's"], theirs["data_ptr - root's"]
    assert ours == theirs


@pytest.mark.torch
def test_untyped_storage_reads_like_torchs(real_torch):
    for torch in (engine, real_torch):
        t = torch.tensor([1., 2.])
        storage = t[1:].untyped_storage()
        facts = (storage.data_ptr() == t.data_ptr(), storage.nbytes(), storage.size(), len(storage),
                 storage.element_size(), str(storage.device), storage.tolist(), storage[7],
                 t.untyped_storage() is t.untyped_storage())
        text = re.sub(r"\[[\w.]+\.UntypedStorage", "[UntypedStorage", repr(storage))
        empty = re.sub(r"\[[\w.]+\.UntypedStorage", "[UntypedStorage", repr(torch.zeros(0).untyped_storage()))
        if torch is engine:
            ours = (facts, text, empty)
        else:
            assert (facts, text, empty) == ours


def test_storage_follows_an_in_place_change_of_the_array():
    x = engine.zeros(3)
    before = x.untyped_storage()
    x.data = engine.ones(5)
    assert x.untyped_storage() is not before and x.untyped_storage().nbytes() == 20
