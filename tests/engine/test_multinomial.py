"""torch.multinomial draws what torch draws: without replacement (or one sample) it is torch's
exponential trick, argmax/topk of probs / Exp(1), from the same generator stream."""
import pytest

import gradtrace.engine as gt


def _draws(torch):
    torch.manual_seed(3)
    p = torch.softmax(torch.randn(4, 25), dim=-1)
    return (torch.multinomial(p, 1).tolist(), torch.multinomial(p, num_samples=5).tolist(),
            torch.multinomial(p[0], 3).tolist(),
            torch.multinomial(torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64), 2).tolist(),
            torch.multinomial(torch.tensor([0., 1., 0.]), 1).tolist(),
            torch.rand(1).item())  # the stream continues where torch's does


@pytest.mark.torch
def test_multinomial_without_replacement_matches_torch(real_torch):
    assert _draws(gt) == _draws(real_torch)


def test_zero_probability_is_never_drawn():
    gt.manual_seed(0)
    picks = gt.multinomial(gt.tensor([0.0, 0.5, 0.0, 0.5]).expand(200, 4), 2)
    assert set(picks.flatten().tolist()) == {1, 3}
