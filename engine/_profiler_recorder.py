"""The recorder op dispatch talks to while a profiler listens: finished records in one shared log.

Every active profiling session (a user's `profile()`, the kernel's `start_capture()`, nested in any
order) reads the same log: a session remembers where the log stood when it started and, when it
stops, takes the records that began after it started. A record enters the log when its op ends,
as one tuple built in one go, so the hot path is two clock reads, a thread id, a tuple and an
append per op (measured against a flat list extended by each record's fields, and against lists
filled in at begin and end: both slower). Shapes, memory, CUDA time and stacks cost only while a
session asks for them. A session sorts its records into the order they began. Parent/child links
are not tracked here: they follow from the intervals when events are built (as torch finds them),
which keeps dispatch free of per-thread stacks.
"""
import os
import sys
import threading
import time
import tracemalloc
from operator import itemgetter
# The profiler's clock, in seconds. Its float comes from CPython's free list, where perf_counter_ns's
# large int is allocated: measurably cheaper at two reads per op, and its resolution stays far below
# a nanosecond for any uptime a process sees.
from time import perf_counter as clock

from ._profiler_state import PROFILER

# A record is (name, start, end, thread, seq), times from `clock`: a tuple on the fast path; or,
# through begin and end, a list with a sixth field, `details` (None, or a `Details` when a session
# asks for more). `seq` is the sequence number of the grad_fn node a forward op made or a backward
# record ran (NO_SEQ if none): the Chrome trace draws forward-to-backward arrows from it.
NAME, START, END, THREAD, SEQ, DETAILS = range(6)
NO_SEQ = -1
# The backward engine records a node and the evaluate_function record wrapped around it (same start,
# same thread) as one 7-tuple, (name, start, end, thread, seq, wrapper_name, wrapper_end): one tuple
# per node instead of two on a hot path. A session splits it into the two records when it stops.
WRAPPER_NAME, WRAPPER_END = 5, 6
_NODE_RECORD_LENGTH = 7
_by_start, _by_end = itemgetter(START), itemgetter(END)
# The backward engine wraps each node it runs in a record of this name plus the node's name.
EVALUATE_FUNCTION_PREFIX = "autograd::engine::evaluate_function: "
# Kinds of record.
OP, USER_ANNOTATION = 0, 1

# The Python thread ident costs a fraction of the OS thread id (a system call); the Chrome trace
# maps idents to OS ids once, when it is written.
_get_thread_id = threading.get_ident
# Frames from these folders are the engine's own, not the user's, when stacks are recorded.
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


class Log(list):
    """The shared log of finished records, which knows the thread that opened it.

    A record names its thread. `get_ident()` is a generic call, as costly on the hot path as the
    record's own append; `home._is_owned()` is a method call CPython specialises, and true only on
    the opening thread, which runs nearly every op of a session. So dispatch writes
    `log.home_thread if log.home._is_owned() else get_ident()`: the same number either way. (The
    RLock is held by the opening thread for the log's lifetime, and only ever asked who holds it.)
    """

    __slots__ = ("home", "home_thread")

    def __init__(self):
        super().__init__()
        self.home = threading.RLock()
        self.home.acquire()
        self.home_thread = _get_thread_id()


def _shapes_of(inputs):
    """torch's `input_shapes`: a list of dims per positional input, [] for non-tensors."""
    shapes = []
    for value in inputs:
        shape = getattr(value, "shape", None)
        shapes.append(list(shape) if shape is not None else [])
    return shapes


def _on_cuda(inputs):
    for value in inputs:
        device = getattr(value, "device", None)
        if device is not None and getattr(device, "type", None) == "cuda":
            return True
    return False


def _user_stack():
    """'file(line): function' for the caller's frames outside the engine, innermost first."""
    entries = []
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_ENGINE_DIR):
            entries.append(f"{filename}({frame.f_lineno}): {frame.f_code.co_name}")
        frame = frame.f_back
    return entries


class Details:
    """What a record carries beyond name and times: kind, shapes, memory, CUDA, stack."""

    __slots__ = ("kind", "shapes", "memory_before", "memory_after", "cuda_start", "cuda_end", "stack")

    def __init__(self, kind=OP):
        self.kind = kind
        self.shapes = None
        self.memory_before = 0
        self.memory_after = 0
        self.cuda_start = None
        self.cuda_end = None
        self.stack = None


def details_of(record):
    """The record's Details, or None for a fast-path record (which has no such field)."""
    return record[DETAILS] if len(record) > DETAILS else None


class Session:
    """One listener: a window onto the shared log plus what it asked to record."""

    __slots__ = ("start_index", "start_time", "start_wall_ns", "end_time", "record_shapes", "profile_memory",
                 "with_stack", "use_device", "records", "max_records", "truncated", "_started_tracemalloc")

    def __init__(self, record_shapes, profile_memory, with_stack, use_device, max_records=None):
        self.max_records = max_records  # stop by itself at about this many records (None: no limit)
        self.truncated = False  # whether it did
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.use_device = use_device
        self.start_index = 0
        self.start_time = 0.0
        self.start_wall_ns = 0  # for the Chrome trace's baseTimeNanoseconds
        self.end_time = 0.0
        self.records = None
        self._started_tracemalloc = False


class Recorder:
    """Installed as `PROFILER.recorder` while at least one session listens.

    Dispatch opens a record with `begin` and closes it, into the log, with `end`. While no session
    wants details, the hottest call sites, op dispatch and the backward engine, skip those calls:
    when an op ends they append `(name, start, end, thread, seq)` to `PROFILER.log` themselves.
    While a session wants details, `PROFILER.log` is None, and instance attributes named
    `begin`/`end` shadow the fast methods with `_begin_detailed`/`_end_detailed`, so neither path
    tests a flag per op.
    """

    def __init__(self):
        self.log = Log()
        self.sessions = []
        self._shapes = False
        self._memory = False
        self._stack = False
        self._cupy = None
        self._lock = threading.Lock()

    # -- the dispatch contract ----------------------------------------------------------------------
    # The clock and the thread id are default arguments so that the hot path reads locals, not
    # globals: measurable at a few hundred thousand calls a second.
    def begin(self, name, inputs, _now=clock, _thread=_get_thread_id):
        """Open a record for an op or a backward node; returns the token `end` takes."""
        return [name, _now(), 0.0, _thread(), NO_SEQ, None]

    def end(self, token, _now=clock):
        """Close the record `begin` returned and put it in the log."""
        token[END] = _now()
        self.log.append(token)

    def begin_annotation(self, name):
        """Open a record_function block (a user annotation whose total includes its children)."""
        return self._begin_detailed(name, (), USER_ANNOTATION)

    # -- the slower path, only while some session asks for details -------------------------------
    def _begin_detailed(self, name, inputs, kind=OP):
        details = Details(kind)
        if self._shapes:
            details.shapes = _shapes_of(inputs)
        if self._stack:
            details.stack = _user_stack()
        if self._memory:
            details.memory_before = tracemalloc.get_traced_memory()[0]
        if self._cupy is not None and _on_cuda(inputs):
            details.cuda_start = self._cupy.cuda.Event()
            details.cuda_start.record()
        return [name, clock(), 0.0, _get_thread_id(), NO_SEQ, details]

    def _end_detailed(self, token):
        token[END] = clock()
        details = details_of(token)
        if details is not None:
            if details.cuda_start is not None:
                details.cuda_end = self._cupy.cuda.Event()
                details.cuda_end.record()
            if self._memory:
                details.memory_after = tracemalloc.get_traced_memory()[0]
        self.log.append(token)

    # -- sessions ----------------------------------------------------------------------------------
    def start_session(self, session):
        """Start listening for `session`; turns dispatch's flag on."""
        with self._lock:
            if session.profile_memory and not tracemalloc.is_tracing():
                tracemalloc.start()
                session._started_tracemalloc = True
            if not self.sessions:
                self.log = Log()  # opened by this thread
            self.sessions.append(session)
            self._configure()
            session.start_index = len(self.log)
            PROFILER.recorder = self
            PROFILER.active = True
            session.start_wall_ns = time.time_ns()
            session.start_time = clock()
        if session.max_records is not None:
            _LIMITS.watch(session)

    def stop_session(self, session, truncated=False):
        """Stop listening for `session` and hand it the records it saw (finished ones only).

        `truncated`: the session is stopped because it reached its record limit.
        """
        end_time = clock()
        with self._lock:
            if session not in self.sessions:
                return session.records or []
            self.sessions.remove(session)
            session.end_time = end_time
            records = _finished_records(self.log[session.start_index:], session.start_time, end_time)
            # Into the order records began; of records that began together, the longer (the
            # parent) first: two passes of a stable sort, both with C-level keys.
            records.sort(key=_by_end, reverse=True)
            records.sort(key=_by_start)
            session.records = records
            if not self.sessions:
                PROFILER.active = False
                self.log.clear()
            else:
                self._trim_log()
            self._configure()
            if session._started_tracemalloc:
                # tracemalloc runs while someone measures memory; whoever still does inherits it.
                heirs = [s for s in self.sessions if s.profile_memory]
                if heirs:
                    heirs[0]._started_tracemalloc = True
                else:
                    tracemalloc.stop()
            session.truncated = truncated  # last: whoever sees it sees the session stopped
        return session.records

    def _trim_log(self):
        """Drop the records no remaining session can still ask for."""
        first = min(s.start_index for s in self.sessions)
        if first:
            del self.log[:first]
            for s in self.sessions:
                s.start_index -= first

    def _configure(self):
        sessions = self.sessions
        self._shapes = any(s.record_shapes for s in sessions)
        self._memory = any(s.profile_memory for s in sessions)
        self._stack = any(s.with_stack for s in sessions)
        # CUDA tensors exist only once cupy is imported: no import, no device checks per op.
        wants_cuda = any(s.use_device == "cuda" for s in sessions)
        cupy = sys.modules.get("cupy")
        if cupy is None and wants_cuda:
            try:
                import cupy  # noqa: F811 - only on a GPU machine, only when asked
            except ImportError:
                cupy = None
        self._cupy = cupy if sessions else None
        if self._shapes or self._memory or self._stack or self._cupy is not None:
            self.begin = self._begin_detailed
            self.end = self._end_detailed
            PROFILER.log = None
        else:
            self.__dict__.pop("begin", None)
            self.__dict__.pop("end", None)
            PROFILER.log = self.log if sessions else None


    def _size(self, session):
        """How many records the log holds for a session that is still listening."""
        with self._lock:
            return len(self.log) - session.start_index if session in self.sessions else 0


def _finished_records(log, start, end):
    """The records of `log` that ran within [start, end], node records split in two."""
    records = []
    append = records.append
    for r in log:
        if r[START] < start:
            continue
        if len(r) == _NODE_RECORD_LENGTH:
            if r[WRAPPER_END] <= end:  # the wrapper before the node: the parent first among equals
                append((r[WRAPPER_NAME], r[START], r[WRAPPER_END], r[THREAD], NO_SEQ))
            if r[END] <= end:
                append((r[NAME], r[START], r[END], r[THREAD], r[SEQ]))
        elif r[END] <= end:
            append(r)
    return records


class _RecordLimits:
    """Stops sessions that asked for at most `max_records` once their part of the log is that long.

    Dispatch never counts (that would cost every op); one thread looks a few times a second while
    a limited session listens, and sleeps otherwise. A limited session may overshoot by what runs
    in one interval.
    """

    INTERVAL_S = 0.2

    def __init__(self, recorder):
        self._recorder = recorder
        self._watched = []
        self._wakeup = threading.Condition()
        self._thread = None

    def watch(self, session):
        with self._wakeup:
            self._watched.append(session)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="gradtrace-profiler-limits", daemon=True)
                self._thread.start()
            self._wakeup.notify()

    def _run(self):
        while True:
            with self._wakeup:
                self._watched = [s for s in self._watched if s.records is None]  # drop stopped ones
                if not self._watched:
                    self._wakeup.wait()
                    continue
                self._wakeup.wait(self.INTERVAL_S)
                full = [s for s in self._watched if self._recorder._size(s) >= s.max_records]
            for session in full:
                self._recorder.stop_session(session, truncated=True)


#: the one recorder; sessions come and go, dispatch sees it through PROFILER.recorder
RECORDER = Recorder()
_LIMITS = _RecordLimits(RECORDER)
