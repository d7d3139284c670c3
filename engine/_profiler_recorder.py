"""The recorder op dispatch talks to while a profiler listens: begin/end stamps into one shared log.

Every active profiling session (a user's `profile()`, the kernel's `start_capture()`, nested in any
order) reads the same log: a session remembers where the log stood when it started and takes what
was begun after that when it stops. The hot path is therefore one four-item list, one append, a
thread id and two clock reads per op; shapes, memory, CUDA time and stacks cost only while a session
asks for them. Parent/child links are not tracked here: they follow from the intervals when events
are built (as torch finds them), which keeps `begin`/`end` free of per-thread stacks.
"""
import os
import sys
import threading
import time
import tracemalloc
from time import perf_counter_ns

from ._profiler_state import PROFILER

# A record is a plain list, the cheapest object to make per op: [name, start_ns, end_ns, thread]
# on the fast path, with a fifth slot, a `Details`, when a session asks for more (or for links).
NAME, START, END, THREAD, DETAILS = range(5)
# Kinds of record.
OP, USER_ANNOTATION = 0, 1

# The Python thread ident costs a fraction of the OS thread id (a system call); the Chrome trace
# maps idents to OS ids once, when it is written.
_get_thread_id = threading.get_ident
# Frames from these folders are the engine's own, not the user's, when stacks are recorded.
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


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
    """What a record carries beyond name and times: kind, shapes, sequence number, memory, CUDA, stack."""

    __slots__ = ("kind", "shapes", "seq", "memory_before", "memory_after", "cuda_start", "cuda_end", "stack")

    def __init__(self, kind=OP):
        self.kind = kind
        self.shapes = None
        self.seq = -1
        self.memory_before = 0
        self.memory_after = 0
        self.cuda_start = None
        self.cuda_end = None
        self.stack = None


def details_of(record):
    """The record's Details, or None for a fast-path record."""
    return record[DETAILS] if len(record) > DETAILS else None


class Session:
    """One listener: a window onto the shared log plus what it asked to record."""

    __slots__ = ("start_index", "start_ns", "start_wall_ns", "end_ns", "record_shapes", "profile_memory",
                 "with_stack", "use_device", "records", "_started_tracemalloc")

    def __init__(self, record_shapes, profile_memory, with_stack, use_device):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.use_device = use_device
        self.start_index = 0
        self.start_ns = 0
        self.start_wall_ns = 0  # for the Chrome trace's baseTimeNanoseconds
        self.end_ns = 0
        self.records = None
        self._started_tracemalloc = False


class Recorder:
    """Installed as `PROFILER.recorder` while at least one session listens.

    `begin`/`end` are the fast path (names and times). While any session wants details, instance
    attributes of the same names shadow them with `_begin_detailed`/`_end_detailed`, so neither
    path tests a flag per op.
    """

    def __init__(self):
        self.log = []
        self._append = self.log.append
        self._seqs = {}  # id(record) -> grad_fn sequence number, for records in the log
        self.sessions = []
        self._shapes = False
        self._memory = False
        self._stack = False
        self._cupy = None
        self._lock = threading.Lock()

    # -- the dispatch contract ----------------------------------------------------------------------
    # The clock and the thread id are default arguments so that the hot path reads locals, not
    # globals: measurable at a few hundred thousand calls a second.
    def begin(self, name, inputs, _now=perf_counter_ns, _thread=_get_thread_id):
        """Open a record for an op or a backward node; returns the token `end` takes."""
        record = [name, _now(), 0, _thread()]
        self._append(record)
        return record

    def end(self, token, _now=perf_counter_ns):
        """Close the record `begin` returned."""
        token[END] = _now()

    def link(self, token, node):
        """Tie a record to a grad_fn node (forward op that made it, or its backward run).

        Optional for dispatch: records that are linked get a sequence number, which the Chrome trace
        turns into forward-to-backward flow arrows. Only the number is noted here (keyed by the record
        while the log holds it); it joins the record's Details when a session takes its records.
        """
        seq = getattr(node, "_seq", None)
        if seq is None:
            sequence_nr = getattr(node, "_sequence_nr", None)
            seq = sequence_nr() if callable(sequence_nr) else sequence_nr
        if seq is not None:
            self._seqs[id(token)] = seq

    def _resolve_links(self, records):
        seqs = self._seqs
        if not seqs:
            return
        for record in records:
            seq = seqs.get(id(record))
            if seq is not None:
                if len(record) == DETAILS:
                    record.append(Details())
                record[DETAILS].seq = seq

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
        record = [name, 0, 0, _get_thread_id(), details]
        self._append(record)
        record[START] = perf_counter_ns()
        return record

    def _end_detailed(self, token):
        token[END] = perf_counter_ns()
        details = details_of(token)
        if details is None:
            return
        if details.cuda_start is not None:
            details.cuda_end = self._cupy.cuda.Event()
            details.cuda_end.record()
        if self._memory:
            details.memory_after = tracemalloc.get_traced_memory()[0]

    # -- sessions ----------------------------------------------------------------------------------
    def start_session(self, session):
        """Start listening for `session`; turns dispatch's flag on."""
        with self._lock:
            if session.profile_memory and not tracemalloc.is_tracing():
                tracemalloc.start()
                session._started_tracemalloc = True
            self.sessions.append(session)
            self._configure()
            session.start_index = len(self.log)
            PROFILER.recorder = self
            PROFILER.active = True
            session.start_wall_ns = time.time_ns()
            session.start_ns = perf_counter_ns()

    def stop_session(self, session):
        """Stop listening for `session` and hand it the records it saw (finished ones only)."""
        end_ns = perf_counter_ns()
        with self._lock:
            if session not in self.sessions:
                return session.records or []
            self.sessions.remove(session)
            session.end_ns = end_ns
            session.records = [r for r in self.log[session.start_index:] if r[END] and r[START] <= end_ns]
            self._resolve_links(session.records)
            if not self.sessions:
                PROFILER.active = False
                self.log = []
                self._append = self.log.append
                self._seqs = {}
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
        return session.records

    def _trim_log(self):
        """Drop the records no remaining session can still ask for."""
        first = min(s.start_index for s in self.sessions)
        if first:
            del self.log[:first]
            for s in self.sessions:
                s.start_index -= first
            # ids of dropped records may be reused by new ones: keep only the live records' links
            live = {id(r) for r in self.log}
            self._seqs = {k: v for k, v in self._seqs.items() if k in live}

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
        else:
            self.__dict__.pop("begin", None)
            self.__dict__.pop("end", None)


#: the one recorder; sessions come and go, dispatch sees it through PROFILER.recorder
RECORDER = Recorder()
