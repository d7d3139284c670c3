"""Profiler results as torch shapes them: FunctionEvent, FunctionEventAvg, EventList and the table.

A port of `torch/autograd/profiler_util.py` trimmed to what this engine records (CPU ops, user
annotations, optional CUDA time and memory). The table text, the time and memory formats and the
self/total arithmetic follow torch character for character; `shared/reference/torch-behaviour.md` §4
is the map. The Chrome trace writer lives in `profiler_trace.py`.
"""
import enum
import itertools
from operator import attrgetter

from .._profiler_recorder import EVALUATE_FUNCTION_PREFIX

__all__ = ["DeviceType", "EventList", "FunctionEvent", "FunctionEventAvg", "Interval"]

#: scope of a backward node's own event (torch's at::RecordScope::BACKWARD_FUNCTION)
BACKWARD_FUNCTION_SCOPE = 1


class DeviceType(enum.Enum):
    """Where an event ran (torch.autograd.DeviceType, the members this engine meets)."""

    CPU = 0
    CUDA = 1


class Interval:
    """A [start, end) span in microseconds."""

    __slots__ = ("start", "end")

    def __init__(self, start, end):
        self.start = start
        self.end = end

    def elapsed_us(self):
        """Length of the interval in microseconds."""
        return self.end - self.start


def _format_time(time_us):
    """torch's time text: seconds, milliseconds or microseconds with three decimals."""
    if time_us >= 1000.0 * 1000.0:
        return f"{time_us / (1000.0 * 1000.0):.3f}s"
    if time_us >= 1000.0:
        return f"{time_us / 1000.0:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_in_unit(time_us, time_unit):
    """The time in the unit `table(time_unit=...)` forces ('s', 'ms', 'us'), else torch's own choice."""
    if time_unit == "s":
        return f"{time_us / (1000.0 * 1000.0):.3f}s"
    if time_unit == "ms":
        return f"{time_us / 1000.0:.3f}ms"
    if time_unit == "us":
        return f"{time_us:.3f}us"
    return _format_time(time_us)


def _format_time_share(time_us, total_time_us):
    """A percentage of the total with two decimals; 'NaN' when nothing was timed."""
    if total_time_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


def _format_memory(nbytes):
    """torch's memory text: GB, MB, KB with two decimals, else whole bytes."""
    kib = 1024
    mib = 1024 * kib
    gib = 1024 * mib
    if abs(nbytes) >= gib:
        return f"{nbytes * 1.0 / gib:.2f} GB"
    if abs(nbytes) >= mib:
        return f"{nbytes * 1.0 / mib:.2f} MB"
    if abs(nbytes) >= kib:
        return f"{nbytes * 1.0 / kib:.2f} KB"
    return str(nbytes) + " B"


def _time_str(attribute):
    return property(lambda self: _format_time(getattr(self, attribute)))


class FormattedTimesMixin:
    """The `*_str` texts and per-call averages shared by events and their averages."""

    cpu_time_str = _time_str("cpu_time")
    device_time_str = _time_str("device_time")
    cpu_time_total_str = _time_str("cpu_time_total")
    device_time_total_str = _time_str("device_time_total")
    self_cpu_time_total_str = _time_str("self_cpu_time_total")
    self_device_time_total_str = _time_str("self_device_time_total")

    @property
    def cpu_time(self):
        """Average CPU time per call, in microseconds."""
        return 0.0 if self.count == 0 else 1.0 * self.cpu_time_total / self.count

    @property
    def device_time(self):
        """Average device time per call, in microseconds."""
        return 0.0 if self.count == 0 else 1.0 * self.device_time_total / self.count

    @property
    def cuda_time(self):
        """Deprecated alias of device_time (torch keeps it)."""
        return self.device_time


class FunctionEvent(FormattedTimesMixin):
    """One recorded call: an op, a backward node, or a record_function block (times in µs)."""

    # Defaults shared by all instances: most recorded events never change them, and a profile can
    # hold hundreds of thousands of events, so `_recorded` sets only what each event has of its own.
    node_id = -1
    overload_name = ""
    fwd_thread = None
    kernels = ()
    count = 1
    cpu_parent = None
    trace_name = None
    concrete_inputs = ()
    stack = ()
    scope = 0
    use_device = None
    cpu_memory_usage = 0
    device_memory_usage = 0
    is_async = False
    is_remote = False
    sequence_nr = -1
    device_type = DeviceType.CPU
    device_index = 0
    is_legacy = False
    flops = None
    is_user_annotation = False
    # GPU time between CUDA events recorded around the call (children included), or None when the
    # call touched no CUDA tensor; its device total then sums its children's.
    device_time_measured_us = None
    self_cpu_percent = -1
    total_cpu_percent = -1
    total_device_percent = -1

    def __init__(self, id, name, thread, start_us, end_us, fwd_thread=None, input_shapes=None,
                 stack=None, scope=0, use_device=None, cpu_memory_usage=0, device_memory_usage=0,
                 is_async=False, is_remote=False, sequence_nr=-1, node_id=-1,
                 device_type=DeviceType.CPU, device_index=0, is_legacy=False, flops=None,
                 trace_name=None, concrete_inputs=None, is_user_annotation=False,
                 overload_name="", device_time_measured_us=None):
        self.id = id
        self.node_id = node_id
        self.name = name
        self.overload_name = overload_name
        self.trace_name = name if trace_name is None else trace_name
        self.time_range = Interval(start_us, end_us)
        self.thread = thread
        self.fwd_thread = fwd_thread
        self.cpu_children = []
        self.input_shapes = [] if input_shapes is None else input_shapes
        self.concrete_inputs = [] if concrete_inputs is None else concrete_inputs
        self.stack = [] if stack is None else stack
        self.scope = scope
        self.use_device = use_device
        self.cpu_memory_usage = cpu_memory_usage
        self.device_memory_usage = device_memory_usage
        self.is_async = is_async
        self.is_remote = is_remote
        self.sequence_nr = sequence_nr
        self.device_type = device_type
        self.device_index = device_index
        self.is_legacy = is_legacy
        self.flops = flops
        self.is_user_annotation = is_user_annotation
        self.device_time_measured_us = device_time_measured_us

    @classmethod
    def _recorded(cls, id, name, thread, start_us, end_us, input_shapes):
        """A CPU event with every other field at its class default (the profiler's fast path)."""
        event = cls.__new__(cls)
        event.id = id
        event.name = name
        event.trace_name = name
        event.time_range = Interval(start_us, end_us)
        event.thread = thread
        event.cpu_children = []
        event.input_shapes = input_shapes
        return event

    def append_cpu_child(self, child):
        """Add a direct child; its time stops counting as this event's self time."""
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent):
        """Set the enclosing event."""
        self.cpu_parent = parent

    @property
    def cpu_time_total(self):
        time_range = self.time_range
        return time_range.end - time_range.start

    @property
    def self_cpu_time_total(self):
        if self.is_async:
            return 0
        time_range = self.time_range
        total = time_range.end - time_range.start
        for child in self.cpu_children:
            total -= child.time_range.end - child.time_range.start
        return total

    @property
    def self_cpu_memory_usage(self):
        if self.is_async:
            return 0
        if not self.cpu_children:
            return self.cpu_memory_usage
        return self.cpu_memory_usage - sum(child.cpu_memory_usage for child in self.cpu_children)

    @property
    def self_device_memory_usage(self):
        if self.is_async:
            return 0
        if not self.cpu_children:
            return self.device_memory_usage
        return self.device_memory_usage - sum(child.device_memory_usage for child in self.cpu_children)

    @property
    def device_time_total(self):
        if self.is_async or not self.use_device:
            return 0
        if self.device_time_measured_us is not None:
            return self.device_time_measured_us
        return sum(child.device_time_total for child in self.cpu_children)

    @property
    def self_device_time_total(self):
        if self.is_async or not self.use_device:
            return 0
        own = self.device_time_total - sum(child.device_time_total for child in self.cpu_children)
        # Two pairs of CUDA events can disagree by a few ns; a negative self time means zero.
        return max(own, 0)

    @property
    def key(self):
        return self.name

    def __repr__(self):
        device_name = self.use_device
        return (
            f"<FunctionEvent id={self.id} name={self.name} overload_name={self.overload_name} "
            f"device_type={self.device_type} node_id={self.node_id} cpu_time={self.cpu_time_str} "
            f"start_us={self.time_range.start} end_us={self.time_range.end} "
            f"cpu_children={str([child.id for child in self.cpu_children])} "
            f"{device_name}_time={self.device_time_str} "
            f"name={self.name} thread={self.thread} input_shapes={str(self.input_shapes)} "
            f"cpu_memory_usage={self.cpu_memory_usage} {device_name}_memory_usage={self.device_memory_usage} "
            f"is_async={self.is_async} is_remote={self.is_remote} seq_nr={self.sequence_nr} "
            f"is_legacy={self.is_legacy}>"
        )


class FunctionEventAvg(FormattedTimesMixin):
    """Sums over the events sharing one key (name, and input shapes when grouped by them)."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = False
        self.is_remote = False
        self.use_device = None
        self.cpu_time_total = 0
        self.device_time_total = 0
        self.self_cpu_time_total = 0
        self.self_device_time_total = 0
        self.input_shapes = None
        self.overload_name = None
        self.stack = None
        self.scope = None
        self.cpu_memory_usage = 0
        self.device_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.self_device_memory_usage = 0
        self.cpu_children = None
        self.cpu_parent = None
        self.device_type = DeviceType.CPU
        self.is_legacy = False
        self.is_user_annotation = False
        self.flops = 0

    def add(self, other):
        """Fold one FunctionEvent (or another average) into this one."""
        if self.key is None:
            self.key = other.key
            self.node_id = other.node_id
            self.is_async = other.is_async
            self.is_remote = other.is_remote
            self.cpu_parent = other.cpu_parent
            self.cpu_children = other.cpu_children
            self.overload_name = other.overload_name
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.scope = other.scope
            self.device_type = other.device_type
            self.is_legacy = other.is_legacy
            self.use_device = other.use_device
            self.is_user_annotation = other.is_user_annotation
        if not isinstance(other, (FunctionEvent, FunctionEventAvg)):
            raise TypeError("FunctionEventAvg.add() takes a FunctionEvent or a FunctionEventAvg.")
        if other.key != self.key:
            raise ValueError(f"Expected keys to match, but got {other.key} vs {self.key}")
        self.cpu_time_total += other.cpu_time_total
        self.device_time_total += other.device_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.self_device_time_total += other.self_device_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.device_memory_usage += other.device_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.self_device_memory_usage += other.self_device_memory_usage
        self.count += other.count
        if other.flops is not None:
            self.flops = (self.flops or 0) + other.flops
        return self

    def __iadd__(self, other):
        return self.add(other)

    def __repr__(self):
        device_name = "cuda" if not self.use_device else self.use_device
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
            f"cpu_time={self.cpu_time_str}  self_{device_name}_time={self.self_device_time_total_str} "
            f"{device_name}_time={self.device_time_str} input_shapes={str(self.input_shapes)} "
            f"cpu_memory_usage={self.cpu_memory_usage} {device_name}_memory_usage={self.device_memory_usage}>"
        )


class EventList(list):
    """A list of FunctionEvent (or FunctionEventAvg) with torch's table, averages and export."""

    def __init__(self, *args, use_device=None, profile_memory=False, with_flops=False,
                 record_shapes=False):
        super().__init__(*args)
        self._use_device = use_device
        self._profile_memory = profile_memory
        self._with_flops = with_flops
        self._record_shapes = record_shapes
        self._tree_built = False

    def __str__(self):
        return self.table()

    def _build_tree(self):
        self._populate_cpu_children()
        self._remove_dup_nodes()
        self._tree_built = True

    def _populate_cpu_children(self):
        """Make each event the child of the innermost event whose interval holds it, per thread."""
        sync_events = [evt for evt in self if not evt.is_async and evt.device_type == DeviceType.CPU]
        by_thread = itertools.groupby(sorted(sync_events, key=attrgetter("thread")),
                                      key=lambda event: (event.thread, event.node_id))
        for _thread, thread_events in by_thread:
            ordered = sorted(thread_events, key=lambda e: (e.time_range.start, -e.time_range.end))
            open_events = []
            for event in ordered:
                while open_events:
                    parent = open_events[-1]
                    if (event.time_range.start >= parent.time_range.end
                            or event.time_range.end > parent.time_range.end):
                        open_events.pop()
                    else:
                        parent.append_cpu_child(event)
                        event.set_cpu_parent(parent)
                        break
                open_events.append(event)

    def _remove_dup_nodes(self):
        """Fold an event into its parent when the parent has the same name and no other child."""
        while True:
            to_delete = set()
            for idx, evt in enumerate(self):
                parent = evt.cpu_parent
                if parent is not None and parent.name == evt.name and len(parent.cpu_children) == 1:
                    parent.cpu_children = evt.cpu_children
                    parent.kernels = evt.kernels
                    for child in evt.cpu_children:
                        child.cpu_parent = parent
                    to_delete.add(idx)
            if not to_delete:
                break
            kept = [evt for idx, evt in enumerate(self) if idx not in to_delete]
            self.clear()
            self.extend(kept)

    @property
    def self_cpu_time_total(self):
        """Sum of the events' self CPU time, in microseconds."""
        return sum(event.self_cpu_time_total for event in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """The events as torch's text table ('' when there are none)."""
        return _build_table(self, sort_by=sort_by, row_limit=row_limit,
                            max_src_column_width=max_src_column_width,
                            max_name_column_width=max_name_column_width,
                            max_shapes_column_width=max_shapes_column_width, header=header,
                            profile_memory=self._profile_memory,
                            top_level_events_only=top_level_events_only, time_unit=time_unit)

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (chrome://tracing, Perfetto) JSON file."""
        from .profiler_trace import write_chrome_trace

        write_chrome_trace(self, path, record_shapes=self._record_shapes)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        """One FunctionEventAvg per name (and per input shapes when asked), in first-seen order."""
        if not self._tree_built:
            self._build_tree()
        stats = {}
        plain = not (group_by_overload_name or group_by_input_shapes or group_by_stack_n > 0)
        # Without device times, memory or flops, an event adds only its count and CPU times to its
        # row: summing those directly gives what `add` gives, at a third of the cost per event.
        cpu_only = not (self._use_device or self._profile_memory or self._with_flops)
        for evt in self:
            key = (evt.key, evt.node_id, evt.device_type, evt.is_legacy, evt.is_user_annotation)
            if not plain:
                if group_by_overload_name:
                    key += (str(evt.overload_name),)
                if group_by_input_shapes:
                    key += (str(evt.input_shapes),)
                if group_by_stack_n > 0:
                    key += tuple(evt.stack[:group_by_stack_n])
            avg = stats.get(key)
            if avg is None:
                avg = stats[key] = FunctionEventAvg()
            elif (cpu_only and evt.__class__ is FunctionEvent and evt.flops is None and not evt.is_async
                  and evt.use_device is None):
                avg.count += 1
                avg.cpu_time_total += evt.cpu_time_total
                avg.self_cpu_time_total += evt.self_cpu_time_total
                continue
            avg.add(evt)
        averages = EventList(stats.values(), use_device=self._use_device,
                             profile_memory=self._profile_memory, with_flops=self._with_flops,
                             record_shapes=self._record_shapes)
        for avg in averages:
            avg.stack = avg.stack[:group_by_stack_n]
            if not group_by_input_shapes:
                avg.input_shapes = ""
            if not group_by_overload_name:
                avg.overload_name = ""
        averages._tree_built = True
        return averages

    def total_average(self):
        """All events folded into one FunctionEventAvg keyed 'Total'."""
        total = FunctionEventAvg()
        for evt in self:
            total += evt
            total.key = None
        total.key = "Total"
        return total


def _build_table(events, sort_by=None, header=None, row_limit=100, max_src_column_width=75,
                 max_name_column_width=55, max_shapes_column_width=80, profile_memory=False,
                 top_level_events_only=False, time_unit=None):
    """torch's `_build_table`: the text of a list of events or averages."""
    if len(events) == 0:
        return ""
    has_device_time = any(event.self_device_time_total > 0 for event in events)
    has_device_mem = any(event.self_device_memory_usage > 0 for event in events)
    use_device = events[0].use_device
    has_input_shapes = any(event.input_shapes is not None and len(event.input_shapes) > 0
                           for event in events)

    if sort_by is not None:
        attribute = (sort_by.replace("cuda", "device").replace("xpu", "device")
                     .replace("privateuse1", "device"))
        events = sorted(events, key=lambda evt: getattr(evt, attribute), reverse=True)

    name_column_width = max(len(evt.key) for evt in events) + 4
    if max_name_column_width is not None:
        name_column_width = min(name_column_width, max_name_column_width)
    shapes_column_width = max(len(str(evt.input_shapes)) for evt in events) + 4
    if max_shapes_column_width is not None:
        shapes_column_width = min(shapes_column_width, max_shapes_column_width)
    column_width = 12

    stacks = [evt.stack for evt in events if evt.stack is not None and len(evt.stack) > 0]
    has_stack = len(stacks) > 0
    src_column_width = None
    if has_stack:
        src_column_width = max(max(len(entry) for entry in stack) for stack in stacks) + 4
        if max_src_column_width is not None:
            src_column_width = min(src_column_width, max_src_column_width)

    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    device_name = use_device.upper() if use_device is not None else "None"
    if has_device_time:
        headers += [f"Self {device_name}", f"Self {device_name} %", f"{device_name} total",
                    f"{device_name} time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
        if use_device and has_device_mem:
            headers += [f"{device_name} Mem", f"Self {device_name} Mem"]
    headers.append("# of Calls")
    append_node_id = any(evt.node_id != -1 for evt in events)
    if append_node_id:
        headers.append("Node ID")

    spacing = 2
    row_format = ""
    header_sep = ""
    line_length = -spacing

    def add_column(padding, text_dir=">"):
        nonlocal row_format, header_sep, line_length
        row_format += "{: " + text_dir + str(padding) + "}" + " " * spacing
        header_sep += "-" * padding + " " * spacing
        line_length += padding + spacing

    add_column(name_column_width)
    for _ in headers[1:]:
        add_column(column_width)
    if has_input_shapes:
        headers.append("Input Shapes")
        add_column(shapes_column_width)
    if has_stack:
        headers.append("Source Location")
        add_column(src_column_width, text_dir="<")

    result = []

    def append(line):
        result.append(line)
        result.append("\n")  # torch ends the last line with a newline too

    sum_self_cpu_time_total = 0
    sum_self_device_time_total = 0
    for evt in events:
        sum_self_cpu_time_total += evt.self_cpu_time_total
        # No separate kernel events here: each CPU event carries its own share of device time.
        sum_self_device_time_total += evt.self_device_time_total

    if header is not None:
        append("=" * line_length)
        append(header)
    if top_level_events_only:
        append("=" * line_length)
        append("This report only display top-level ops statistics")
    append(header_sep)
    append(row_format.format(*headers))
    append(header_sep)

    def trim_path(path):
        if len(path) > src_column_width:
            path = path[len(path) - src_column_width:]
            if len(path) > 3:
                path = "..." + path[3:]
        return path

    shown = 0
    for evt in events:
        if shown == row_limit:
            break
        if top_level_events_only and evt.cpu_parent is not None:
            continue
        shown += 1
        name = evt.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[: max_name_column_width - 3] + "..."
        evt.self_cpu_percent = _format_time_share(evt.self_cpu_time_total, sum_self_cpu_time_total)
        evt.total_cpu_percent = (_format_time_share(evt.cpu_time_total, sum_self_cpu_time_total)
                                 if not evt.is_async else 0)
        row = [
            name,
            evt.self_cpu_percent,
            _format_time_in_unit(evt.self_cpu_time_total, time_unit),
            evt.total_cpu_percent,
            _format_time_in_unit(evt.cpu_time_total, time_unit),
            _format_time_in_unit(evt.cpu_time, time_unit),
        ]
        if has_device_time:
            evt.total_device_percent = _format_time_share(evt.self_device_time_total,
                                                          sum_self_device_time_total)
            row += [
                _format_time_in_unit(evt.self_device_time_total, time_unit),
                evt.total_device_percent,
                _format_time_in_unit(evt.device_time_total, time_unit),
                _format_time_in_unit(evt.device_time, time_unit),
            ]
        if profile_memory:
            row += [_format_memory(evt.cpu_memory_usage), _format_memory(evt.self_cpu_memory_usage)]
            if use_device and has_device_mem:
                row += [_format_memory(evt.device_memory_usage),
                        _format_memory(evt.self_device_memory_usage)]
        row.append(evt.count)
        if append_node_id:
            row.append(evt.node_id)
        if has_input_shapes:
            row.append(str(evt.input_shapes)[:shapes_column_width])
        if has_stack:
            row.append(trim_path(evt.stack[0]) if len(evt.stack) > 0 else "")
        append(row_format.format(*row))
        if has_stack:
            empty = [""] * (len(headers) - 1)
            for entry in evt.stack[1:]:
                append(row_format.format(*(empty + [trim_path(entry)])))
            append(row_format.format(*(empty + [""])))

    append(header_sep)
    append(f"Self CPU time total: {_format_time_in_unit(sum_self_cpu_time_total, time_unit)}")
    if has_device_time:
        append(f"Self {device_name} time total: "
               f"{_format_time_in_unit(sum_self_device_time_total, time_unit)}")
    return "".join(result)
