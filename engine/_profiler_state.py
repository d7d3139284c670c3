"""The one flag op dispatch reads to know whether a profiler is listening.

Dispatch does `if PROFILER.active:` and nothing else when no profiler runs. When one runs,
`PROFILER.recorder` is an object with

    begin(name: str, inputs: tuple) -> token     # inputs: the op's positional arguments
    end(token) -> None

called around every forward op (name like "aten::mul") and, during backward, around each node
("autograd::engine::evaluate_function: MulBackward0" wrapping "MulBackward0").
"""


class ProfilerState:
    __slots__ = ("active", "recorder")

    def __init__(self):
        self.active = False
        self.recorder = None


PROFILER = ProfilerState()
