"""The one flag op dispatch reads to know whether a profiler is listening.

Dispatch does `if PROFILER.active:` and nothing else when no profiler runs. When one runs,
`PROFILER.recorder` is an object with

    begin(name: str, inputs: tuple) -> token     # inputs: the op's positional arguments
    end(token) -> None

called around every forward op (name like "aten::mul") and, during backward, around each node
("autograd::engine::evaluate_function: MulBackward0" wrapping "MulBackward0"). While no session
wants more than names and times, `PROFILER.log` is the recorder's log, and the hottest call
sites skip begin/end to append `(name, start, end, thread, seq)` records themselves
(`_profiler_recorder` defines the layout); otherwise it is None.
"""


class ProfilerState:
    __slots__ = ("active", "recorder", "log")

    def __init__(self):
        self.active = False
        self.recorder = None
        self.log = None


PROFILER = ProfilerState()


class silenced:
    """A region whose ops no profiler sees: the inside of an op that torch runs as one kernel (the
    oneDNN LSTM layer), recorded only as that op."""

    __slots__ = ("_was",)

    def __enter__(self):
        self._was, PROFILER.active = PROFILER.active, False

    def __exit__(self, *exc):
        PROFILER.active = self._was
