"""The values the language server's tests expect are what real PyTorch prints."""
import pytest

from lsp_harness import W_GRAD_REPR, W_REPR, Y_REPR


@pytest.mark.torch
def test_the_tutorial_values_are_what_torch_prints(real_torch):
    w = real_torch.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    y.backward()
    assert (repr(y), repr(w), repr(w.grad)) == (Y_REPR, W_REPR, W_GRAD_REPR)
