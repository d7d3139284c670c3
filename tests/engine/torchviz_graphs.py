"""Autograd graphs for the torchviz comparison, built by the same code on gradtrace and on torch.

Each builder takes the torch module (gradtrace's engine exposed as torch, or real torch) and returns
(output, params): what `torchviz.make_dot(output, params=params)` is called with.
"""


def arithmetic(torch):
    a = torch.tensor([1., -2., 3.], requires_grad=True)
    b = torch.tensor([0.5, 4., -1.], requires_grad=True)
    out = (a * b + a.exp() / 2 - b.pow(2)).sum()
    return out, {"a": a, "b": b}


def reductions_and_views(torch):
    x = torch.arange(6.).reshape(2, 3).requires_grad_()
    y = x.t()[1:] * 3
    z = y.mean(dim=0) + x.sum(1).max()
    return z, {"x": x}


def view_output(torch):
    x = torch.ones(2, 3, requires_grad=True)
    return (x * 2).t(), {"x": x}


def mlp_loss(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    x = torch.randn(5, 3)
    target = torch.tensor([0, 1, 1, 0, 1])
    loss = torch.nn.functional.cross_entropy(model(x), target)
    return loss, dict(model.named_parameters())


def activations(torch):
    x = torch.tensor([[-1.5, 0.25, 2.0], [0.5, -0.1, 3.0]], requires_grad=True)
    out = (torch.sigmoid(x) * torch.tanh(x) + torch.clamp(x, -1, 1) + torch.relu(x)).softmax(dim=1)
    return out.log().sum(), {"x": x}


def lstm_cell(torch):
    torch.manual_seed(0)
    cell = torch.nn.LSTMCell(3, 2)
    x = torch.randn(4, 3)
    h, c = cell(x, (torch.zeros(4, 2), torch.zeros(4, 2)))
    return (h, c), dict(cell.named_parameters())


def lstm_layers(torch):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 2, num_layers=2)
    out, (h, c) = lstm(torch.randn(4, 2, 3))
    return (out, h, c), dict(lstm.named_parameters())


# torch's MkldnnRnnLayerBackward0 also keeps oneDNN's workspace (result3), a buffer gradtrace does not
# have: its saved values are compared everywhere else (test_rnn_nodes), its picture without them here
lstm_layers.options = [(False, False)]


def custom_function(torch):
    class ScaledProduct(torch.autograd.Function):
        """x * w * scale, saving both factors (torchviz draws a custom Function's saved_tensors)."""

        @staticmethod
        def forward(ctx, x, w, scale):
            ctx.save_for_backward(x, w)
            ctx.scale = scale
            return x * w * scale

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            return grad * w * ctx.scale, grad * x * ctx.scale, None

    x = torch.tensor([1., 2.], requires_grad=True)
    w = torch.tensor([3., -1.], requires_grad=True)
    return ScaledProduct.apply(x * 2, w, 0.5).sum(), {"x": x, "w": w}


GRAPHS = [arithmetic, reductions_and_views, view_output, mlp_loss, activations, lstm_cell, lstm_layers,
          custom_function]
# (show_attrs, show_saved): torchviz's default picture, and the one with every saved value
OPTIONS = [(False, False), (True, True)]


def options_of(build):
    return getattr(build, "options", OPTIONS)


def dot_sources(torch, make_dot):
    """{"graph/show_attrs/show_saved": DOT source} for every graph and option."""
    sources = {}
    for build in GRAPHS:
        for show_attrs, show_saved in options_of(build):
            out, params = build(torch)
            dot = make_dot(out, params=params, show_attrs=show_attrs, show_saved=show_saved)
            sources[f"{build.__name__}/{show_attrs}/{show_saved}"] = dot.source
    return sources
