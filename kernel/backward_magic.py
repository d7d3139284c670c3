"""`%backward y [--inputs a b] [--apply] [--steps N]`: replay a backward pass step by step.

The engine does the replay (introspect_replay); this module parses the line and hands the result
to the front end: a step widget in a notebook that has ipywidgets, the table everywhere else.
"""
import argparse
import shlex

from . import backward_render


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        from .magics import UsageError

        raise UsageError(f"%backward: {message}")


def _parser():
    parser = _Parser(prog="%backward", add_help=False,
                     description="replay y.backward() step by step without changing any .grad")
    parser.add_argument("output")
    parser.add_argument("--inputs", nargs="+", default=None,
                        help="replay torch.autograd.grad(output, inputs) instead")
    parser.add_argument("--apply", action="store_true", help="write the leaves' .grad, as backward would")
    parser.add_argument("--steps", type=int, default=40, help="how many steps to show in full")
    return parser


def run(service, magic_tensor, args):
    """Run the magic for the service; `magic_tensor(magic, expression)` evaluates a tensor argument."""
    from .magics import UsageError

    options = _parser().parse_args(shlex.split(args))
    if options.steps < 2:
        raise UsageError("%backward: --steps must be at least 2")
    output = magic_tensor("backward", options.output)
    inputs = None if options.inputs is None else [magic_tensor("backward", e) for e in options.inputs]
    if options.apply and inputs is not None:
        raise UsageError("%backward: --apply writes .grad as backward() does; autograd.grad (--inputs) never does")
    try:
        from gradtrace.engine.introspect import replay
    except ImportError as error:
        raise UsageError(f"%backward needs gradtrace.engine.introspect, which failed to import: {error}")
    try:
        result = replay(output, service.graph_names(), inputs=inputs, apply=options.apply,
                        max_steps=options.steps)
    except RuntimeError as error:
        raise UsageError(f"%backward: {error}") from None
    data = result.to_dict()
    bundle = backward_render.bundle(data)
    from .backward_widget import widget_bundle

    service.display_data(widget_bundle(data, bundle) or bundle)
