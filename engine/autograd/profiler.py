"""torch.autograd.profiler: `profile`, `record_function`, and the kernel's `start_capture` hook.

All three listen through the one recorder (`engine/_profiler_recorder.py`) that op dispatch calls
while `PROFILER.active` is set; any number of them may be active at once, nested in any order, and
each sees the ops that began inside its own window.
"""
import functools
import gc
import sys
import warnings

from .._profiler_recorder import (END, NAME, NO_SEQ, RECORDER, SEQ, START, THREAD, USER_ANNOTATION, Session,
                                  details_of)
from .._profiler_state import PROFILER
from .profiler_util import (BACKWARD_FUNCTION_SCOPE, EVALUATE_FUNCTION_PREFIX, DeviceType, EventList,
                            FunctionEvent, FunctionEventAvg)

__all__ = ["profile", "record_function", "start_capture", "Capture", "EventList", "FunctionEvent",
           "FunctionEventAvg", "DeviceType"]


def _cuda_available():
    """Whether cupy sees an NVIDIA GPU (importing cupy only to ask)."""
    try:
        import cupy
    except ImportError:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # cupy installed without a driver or a device
        return False


def _elapsed_device_us(details):
    if details is None or details.cuda_start is None or details.cuda_end is None:
        return None
    details.cuda_end.synchronize()
    import cupy

    return cupy.cuda.get_elapsed_time(details.cuda_start, details.cuda_end) * 1000.0


def _build_events(session):
    """Turn a stopped session's records into an EventList with parents, children and scopes."""
    # Building makes several objects per record and frees none: with the cyclic GC running, each
    # generation-0 collection would walk them all again (it doubled the time for 15,000 records).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _events_of(session)
    finally:
        if gc_was_enabled:
            gc.enable()


def _events_of(session):
    records = session.records or []
    origin = session.start_time
    use_device = session.use_device
    all_details = [details_of(r) for r in records]
    device_times = [None if d is None else _elapsed_device_us(d) for d in all_details]
    if use_device is None and any(t is not None for t in device_times):
        use_device = "cuda"
    record_shapes = session.record_shapes
    events = []
    open_by_thread = {}
    for index, record in enumerate(records):
        start_us = (record[START] - origin) * 1e6
        end_us = (record[END] - origin) * 1e6
        event = FunctionEvent._recorded(index + 1, record[NAME], record[THREAD], start_us, end_us, [])
        if use_device is not None:
            event.use_device = use_device
            event.device_time_measured_us = device_times[index]
        if record[SEQ] != NO_SEQ:
            event.sequence_nr = record[SEQ]
        details = all_details[index]
        if details is not None:
            if details.kind == USER_ANNOTATION:
                event.is_user_annotation = True
            if record_shapes and details.shapes is not None:
                event.input_shapes = details.shapes
            if session.profile_memory:
                event.cpu_memory_usage = details.memory_after - details.memory_before
            if session.with_stack and details.stack:
                event.stack = details.stack
        # Records of one thread come in the order they began, so the innermost still-open record is
        # the parent (torch finds the same tree from the intervals, after sorting them).
        stack = open_by_thread.setdefault(record[THREAD], [])
        while stack and stack[-1].time_range.end <= event.time_range.start:
            stack.pop()
        if stack:
            parent = stack[-1]
            parent.cpu_children.append(event)
            event.cpu_parent = parent
            # The engine wraps each node it runs in "evaluate_function: <node>"; the inner event is
            # the node's own backward call, which torch marks BACKWARD_FUNCTION.
            if parent.name == EVALUATE_FUNCTION_PREFIX + event.name:
                event.scope = BACKWARD_FUNCTION_SCOPE
                event.fwd_thread = parent.fwd_thread = event.thread
                if parent.sequence_nr < 0:
                    parent.sequence_nr = event.sequence_nr
        stack.append(event)
        events.append(event)
    event_list = EventList(events, use_device=use_device, profile_memory=session.profile_memory,
                           record_shapes=record_shapes)
    event_list._remove_dup_nodes()
    event_list._tree_built = True
    event_list._trace_start_wall_ns = session.start_wall_ns
    event_list._trace_duration_us = (session.end_time - session.start_time) * 1e6
    return event_list


class _Listening:
    """A window of recording: start, stop, and the EventList of what ran in between."""

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False, use_device=None,
                 max_records=None):
        self._session = Session(record_shapes, profile_memory, with_stack, use_device, max_records)
        self._events = None

    def _start(self):
        RECORDER.start_session(self._session)

    def _stop(self):
        RECORDER.stop_session(self._session)
        self._events = None

    @property
    def _finished(self):
        return self._session.records is not None

    def _function_events(self):
        if self._events is None:
            self._events = _build_events(self._session)
        return self._events


class Capture(_Listening):
    """What `start_capture` returns: call `stop()` to end the capture and get its events."""

    @property
    def truncated(self):
        """True when the capture reached its `max_records` and stopped by itself."""
        return self._session.truncated

    def stop(self):
        """End the capture; returns the events as an EventList like `prof.function_events`."""
        if not self._finished:
            self._stop()
        return self._function_events()


def start_capture(record_shapes=False, max_records=None):
    """Start recording ops now, alongside any user profiler; `capture.stop()` returns the EventList.

    The kernel wraps each user input in one capture to build the report's profiler table. With
    `max_records`, the capture stops by itself soon after it holds that many records (forward ops,
    backward nodes and their wrappers), so that a long training loop neither fills memory with
    records nor waits long for its report; `capture.truncated` then says so, and the events are
    those of the first part of the run.
    """
    capture = Capture(record_shapes=record_shapes, max_records=max_records)
    capture._start()
    return capture


class profile(_Listening):
    """torch.autograd.profiler.profile: record the ops run inside the `with` block."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None, post_processing_timeout_s=None, activity_filters=None):
        self.enabled = enabled
        if not enabled:
            return
        self.use_cuda = use_cuda
        if use_cuda:
            warnings.warn("The attribute `use_cuda` will be deprecated soon, "
                          "please use ``use_device = 'cuda'`` instead.", FutureWarning, stacklevel=2)
            use_device = "cuda"
        if use_device is not None:
            if use_device not in ("cuda", "xpu", "mtia", "hpu"):
                warnings.warn(f"The {use_device} is not a valid device option.", stacklevel=2)
                use_device = None
            elif use_device == "cuda" and not _cuda_available():
                warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=2)
                self.use_cuda = False
                use_device = None
            elif use_device != "cuda":
                warnings.warn(f"{use_device.upper()} is not available, disabling "
                              f"{use_device.upper()} profiling", stacklevel=2)
                use_device = None
        self.use_device = use_device
        self.record_shapes = record_shapes or with_flops
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.use_cpu = use_cpu
        self.entered = False
        super().__init__(self.record_shapes, profile_memory, with_stack, use_device)

    def __enter__(self):
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return None
        if self.use_device == "cuda":
            sys.modules["cupy"].cuda.runtime.deviceSynchronize()
        self._stop()
        return False

    def __repr__(self):
        if not self.enabled or not self._finished:
            return "<unfinished torch.autograd.profile>"
        return repr(self.function_events)

    def __str__(self):
        if not self.enabled or not self._finished:
            return "<unfinished torch.autograd.profile>"
        return str(self.function_events)

    def _check_finished(self):
        if not self.enabled or not self._finished:
            raise RuntimeError("Profiler didn't finish running")

    @property
    def function_events(self):
        """Every recorded call, in start order (an EventList of FunctionEvent)."""
        self._check_finished()
        return self._function_events()

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False):
        """The raw (not averaged) events as torch's table."""
        return self.function_events.table(
            sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width, header=header,
            top_level_events_only=top_level_events_only)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """Events averaged per name (and per input shapes when asked): an EventList of FunctionEventAvg."""
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n,
                                                 group_by_overload_name)

    def total_average(self):
        """All events folded into one FunctionEventAvg keyed 'Total'."""
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        """Sum of all events' self CPU time, in microseconds."""
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path):
        """Write the trace as Chrome trace JSON (chrome://tracing, Perfetto)."""
        self.function_events.export_chrome_trace(path)


class record_function:
    """Label a block (or, as a decorator, a function) as its own row in the profiler's table."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._token = None

    def __enter__(self):
        self._token = RECORDER.begin_annotation(self.name) if PROFILER.active else None
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self._token is not None:
            RECORDER.end(self._token)
            self._token = None
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            with record_function(self.name, self.args):
                return func(*args, **kwargs)

        return wrapped
