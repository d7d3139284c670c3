"""Chrome trace export: the JSON object torch's Kineto writes, which chrome://tracing and Perfetto open.

Layout (shared/reference/torch-behaviour.md §4.6): `ph: M` metadata naming the process and threads,
one `ph: X` complete event per call (`cat` "cpu_op" or "user_annotation"), `ph: s`/`f` flow arrows
(`cat` "fwdbwd") from a forward op to the backward node it created when both were recorded and
linked, the "PyTorch Profiler (0)" span and the two `ph: i` instants. Timestamps are microseconds
since the profiler started; `baseTimeNanoseconds` is that start on the wall clock.
"""
import json
import os
import socket
import threading
import uuid

from .profiler_util import BACKWARD_FUNCTION_SCOPE, EVALUATE_FUNCTION_PREFIX


def _round_us(value):
    return round(value, 3)


def _metadata(pid, threads):
    events = [
        {"ph": "M", "name": "process_name", "ts": 0, "pid": pid, "tid": 0, "args": {"name": "python"}},
        {"ph": "M", "name": "process_labels", "ts": 0, "pid": pid, "tid": 0, "args": {"labels": "CPU"}},
        {"ph": "M", "name": "process_sort_index", "ts": 0, "pid": pid, "tid": 0,
         "args": {"sort_index": pid}},
    ]
    for tid in threads:
        events.append({"ph": "M", "name": "thread_name", "ts": 0, "pid": pid, "tid": tid,
                       "args": {"name": f"thread {tid} (python)"}})
        events.append({"ph": "M", "name": "thread_sort_index", "ts": 0, "pid": pid, "tid": tid,
                       "args": {"sort_index": tid}})
    return events


def _is_forward_op(event):
    return event.scope != BACKWARD_FUNCTION_SCOPE and not event.name.startswith(EVALUATE_FUNCTION_PREFIX)


def trace_events(events, record_shapes=False):
    """The `traceEvents` list for an EventList of FunctionEvent."""
    pid = os.getpid()
    # Events carry Python thread idents; the trace names threads by OS id, as Kineto does.
    os_ids = {thread.ident: thread.native_id for thread in threading.enumerate()}
    tid_of = {event.thread: os_ids.get(event.thread, event.thread) for event in events}
    out = _metadata(pid, sorted(set(tid_of.values())))
    # One arrow per grad_fn node: from the innermost (last begun) forward op linked to it, to the
    # node's own backward call; arrows with a missing end are left out.
    flow_start = {e.sequence_nr: e for e in events if e.sequence_nr >= 0 and _is_forward_op(e)}
    flow_end = {e.sequence_nr: e for e in events
                if e.scope == BACKWARD_FUNCTION_SCOPE and e.sequence_nr >= 0}
    flows = {flow_start[seq]: "s" for seq in flow_start.keys() & flow_end.keys()}
    flows.update({flow_end[seq]: "f" for seq in flow_start.keys() & flow_end.keys()})
    for index, event in enumerate(events):
        ts = _round_us(event.time_range.start)
        args = {"External id": event.id}
        if event.sequence_nr >= 0:
            args["Sequence number"] = event.sequence_nr
            args["Fwd thread id"] = 0 if _is_forward_op(event) else 1
        args["Record function id"] = 0
        if record_shapes and not event.is_user_annotation:
            args["Input Dims"] = event.input_shapes
        args["Ev Idx"] = index
        out.append({"ph": "X", "cat": "user_annotation" if event.is_user_annotation else "cpu_op",
                    "name": event.name, "pid": pid, "tid": tid_of[event.thread], "ts": ts,
                    "dur": _round_us(event.time_range.elapsed_us()), "args": args})
        phase = flows.get(event)
        if phase is not None:
            flow = {"ph": phase, "id": event.sequence_nr + 1, "pid": pid, "tid": tid_of[event.thread],
                    "ts": ts, "cat": "fwdbwd", "name": "fwdbwd"}
            if phase == "f":
                flow["bp"] = "e"  # binds to the enclosing slice, the backward node's own event
            out.append(flow)
    duration = _round_us(getattr(events, "_trace_duration_us", 0.0))
    out.append({"ph": "X", "cat": "Trace", "name": "PyTorch Profiler (0)", "pid": "Spans",
                "tid": "PyTorch Profiler", "ts": 0, "dur": duration, "args": {"Op count": 0}})
    out.append({"ph": "M", "name": "process_sort_index", "ts": 0, "pid": "Spans", "tid": 0,
                "args": {"sort_index": 536870912}})
    out.append({"ph": "i", "s": "g", "name": "Iteration Start: PyTorch Profiler", "pid": "Traces",
                "tid": "Trace PyTorch Profiler", "ts": 0})
    out.append({"ph": "i", "s": "g", "name": "Record Window End", "pid": "", "tid": "", "ts": duration})
    return out


def write_chrome_trace(events, path, record_shapes=False):
    """Write `events` (an EventList of FunctionEvent) to `path` as a Chrome trace JSON object."""
    trace = {"schemaVersion": 1, "deviceProperties": [], "trace_id": uuid.uuid4().hex.upper()}
    if record_shapes:
        trace["record_shapes"] = 1
    trace.update({
        "host_name": socket.gethostname(),
        "displayTimeUnit": "ms",
        "baseTimeNanoseconds": getattr(events, "_trace_start_wall_ns", 0),
        "traceEvents": trace_events(events, record_shapes),
        "traceName": str(path),
    })
    try:
        with open(path, "w") as f:
            json.dump(trace, f)
    except OSError as error:
        raise RuntimeError(f"Could not write the Chrome trace to {path}: {error.strerror}") from None
