"""The profiler: torch's table text, the recorder's semantics, real runs, the Chrome trace."""
import json
import time
import warnings

import numpy as np
import pytest

from gradtrace.engine._profiler_recorder import SEQ
from gradtrace.engine._profiler_state import PROFILER
from gradtrace.engine.autograd import profiler
from gradtrace.engine.autograd.profiler_util import EventList, FunctionEvent
from gradtrace.engine import profiler as torch_profiler

# Rows of shared/reference/torch-behaviour.md §4.3 and §4.4, as torch 2.13 printed them. Every line
# of torch's table ends with two spaces (the column separator); they are added back in `_table_text`
# so that no editor can strip them from this file.
TORCH_TABLE_1_LINES = [
    '-------------------------------------------------------  ------------  ------------  ------------  ------------  ------------  ------------',
    '                                                   Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg    # of Calls',
    '-------------------------------------------------------  ------------  ------------  ------------  ------------  ------------  ------------',
    '                                              aten::mul        34.71%     181.952us        34.71%     181.952us      60.651us             3',
    '                                              aten::div        18.06%      94.661us        31.43%     164.766us      82.383us             2',
    '                                              aten::sum        11.05%      57.897us        13.38%      70.135us      70.135us             1',
    '                                         aten::_to_copy         5.84%      30.606us        10.55%      55.313us      27.656us             2',
    '                                           SumBackward0         4.11%      21.562us         8.09%      42.393us      42.393us             1',
    '                                           aten::expand         3.62%      18.958us         3.97%      20.831us      20.831us             1',
    '                                            aten::copy_         3.48%      18.238us         3.48%      18.238us       9.119us             2',
    '                                               aten::to         2.82%      14.792us        13.37%      70.105us      35.053us             2',
    '                        torch::autograd::AccumulateGrad         2.29%      12.019us         3.97%      20.832us      10.416us             2',
    '                                       aten::as_strided         1.82%       9.534us         1.82%       9.534us       4.767us             2',
    '                                           DivBackward0         1.82%       9.525us         8.41%      44.066us      44.066us             1',
    '      autograd::engine::evaluate_function: SumBackward0         1.63%       8.543us         9.72%      50.936us      50.936us             1',
    '                                                 detach         1.38%       7.230us         1.38%       7.230us       3.615us             2',
    '                                    aten::empty_strided         1.37%       7.190us         1.37%       7.190us       2.397us             3',
    '                                           MulBackward0         1.26%       6.609us         9.18%      48.101us      48.101us             1',
    '      autograd::engine::evaluate_function: DivBackward0         1.13%       5.909us         9.53%      49.975us      49.975us             1',
    '                                        aten::ones_like         1.08%       5.678us         1.71%       8.953us       8.953us             1',
    '                                            aten::fill_         0.90%       4.727us         0.90%       4.727us       2.363us             2',
    '                                       aten::empty_like         0.46%       2.404us         0.60%       3.125us       3.125us             1',
    'autograd::engine::evaluate_function: torch::autograd...         0.44%       2.312us         4.42%      23.144us      11.572us             2',
    '      autograd::engine::evaluate_function: MulBackward0         0.43%       2.244us         9.60%      50.345us      50.345us             1',
    '                                           aten::detach         0.30%       1.583us         1.68%       8.813us       4.407us             2',
    '-------------------------------------------------------  ------------  ------------  ------------  ------------  ------------  ------------',
]

TORCH_TABLE_2_GROUPED_LINES = [
    '-------------------------------------------------------  ------------  ------------  ------------  ------------  ------------  ------------  -------------------------------------------',
    '                                                   Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg    # of Calls                                 Input Shapes',
    '-------------------------------------------------------  ------------  ------------  ------------  ------------  ------------  ------------  -------------------------------------------',
    '                                        model_inference         1.89%       1.771ms        81.30%      75.994ms      75.994ms             1                                           []',
    '                                           aten::linear         0.05%      48.552us        31.82%      29.748ms      29.748ms             1              [[256, 512], [512, 512], [512]]',
    '                                            aten::addmm        25.80%      24.118ms        31.67%      29.606ms      29.606ms             1      [[512], [256, 512], [512, 512], [], []]',
    '                                             aten::relu         0.07%      65.988us        29.81%      27.871ms      27.871ms             1                                 [[256, 512]]',
    '                                        aten::clamp_min        29.74%      27.805ms        29.74%      27.805ms      27.805ms             1                             [[256, 512], []]',
    '                                          backward_pass         0.46%     431.113us        18.70%      17.485ms      17.485ms             1                                           []',
    '-------------------------------------------------------  ------------  ------------  ------------  ------------  ------------  ------------  -------------------------------------------',
]


def _table_text(lines, footer):
    return "".join(line + "  \n" for line in lines) + footer + "\n"


# -- building events with known times -----------------------------------------------------------------
def node(name, total_ns, *children, shapes=None, annotation=False):
    """One call lasting `total_ns`, its self time first, then its children back to back."""
    return (name, total_ns, children, shapes, annotation)


def lay_out(*roots):
    """FunctionEvents for the call trees `roots`, run one after another, nesting found from intervals."""
    events = []

    def place(spec, start):
        name, total, children, shapes, annotation = spec
        self_ns = total - sum(child[1] for child in children)
        assert self_ns >= 0, name
        events.append(FunctionEvent(id=len(events) + 1, name=name, thread=1, start_us=start / 1000.0,
                                    end_us=(start + total) / 1000.0, input_shapes=shapes or [],
                                    is_user_annotation=annotation))
        cursor = start + self_ns
        for child in children:
            place(child, cursor)
            cursor += child[1]

    cursor = 1_000
    for root in roots:
        place(root, cursor)
        cursor += root[1]
    event_list = EventList(events)
    event_list._build_tree()
    return event_list


def to_chain(to_ns, empty_strided_ns):
    """aten::to -> aten::_to_copy -> (aten::empty_strided, aten::copy_), as torch runs for `y / 2`."""
    # torch's 27.656us average shows that the two _to_copy calls summed a hair under 55.313us
    return node("aten::to", to_ns,
                node("aten::_to_copy", to_ns - 7_396.1,
                     node("aten::empty_strided", empty_strided_ns), node("aten::copy_", 9_119)))


def accumulate_grad(detach_ns):
    return node("autograd::engine::evaluate_function: torch::autograd::AccumulateGrad", 11_572,
                node("torch::autograd::AccumulateGrad", 10_416,
                     node("aten::detach", detach_ns, node("detach", 3_615))))


def table_1_events():
    """The calls of torch's real table 1 (x*w, /2, sum, backward), with times that add up to it."""
    return lay_out(
        node("aten::mul", 140_460),
        node("aten::div", 130_225, to_chain(40_105.1, 3_235)),
        node("aten::sum", 70_135, node("aten::as_strided", 7_661), node("aten::fill_", 4_577)),
        node("aten::ones_like", 8_953,
             node("aten::empty_like", 3_125, node("aten::empty_strided", 721)),
             node("aten::fill_", 149.8)),  # torch's 2.363us average: the two fills summed under 4.727us
        node("autograd::engine::evaluate_function: SumBackward0", 50_936,
             node("SumBackward0", 42_393, node("aten::expand", 20_831, node("aten::as_strided", 1_873)))),
        node("autograd::engine::evaluate_function: DivBackward0", 49_975,
             node("DivBackward0", 44_066, node("aten::div", 34_541, to_chain(30_000, 3_234)))),
        node("autograd::engine::evaluate_function: MulBackward0", 50_345,
             node("MulBackward0", 48_101, node("aten::mul", 20_746), node("aten::mul", 20_746))),
        accumulate_grad(4_407),
        accumulate_grad(4_406.1),
    )


def table_2_events():
    """The calls behind torch's grouped table 2 excerpt (Linear/ReLU/Linear under record_function);
    calls outside the excerpt's six rows are reduced to what makes the totals come out."""
    return lay_out(
        node("model_inference", 75_994_415,
             node("aten::linear", 29_748_000,
                  node("aten::t", 93_448, shapes=[[512, 512]]),
                  node("aten::addmm", 29_606_000,
                       node("aten::copy_", 5_488_000, shapes=[[256, 512], [256, 512], []]),
                       shapes=[[512], [256, 512], [512, 512], [], []]),
                  shapes=[[256, 512], [512, 512], [512]]),
             node("aten::relu", 27_870_700, node("aten::clamp_min", 27_804_712, shapes=[[256, 512], []]),
                  shapes=[[256, 512]]),
             node("aten::linear", 16_604_715, shapes=[[256, 512], [10, 512], [10]]),
             annotation=True),
        node("backward_pass", 17_485_000,
             node("autograd::engine::evaluate_function: AddmmBackward0", 17_053_887),
             annotation=True),
    )


# -- (1) the table, character for character ---------------------------------------------------------
def test_key_averages_table_reproduces_torch_table_1():
    table = table_1_events().key_averages().table(sort_by="self_cpu_time_total")
    assert table == _table_text(TORCH_TABLE_1_LINES, "Self CPU time total: 524.173us")


def test_row_limit_keeps_header_and_footer():
    table = table_1_events().key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    assert table == _table_text(TORCH_TABLE_1_LINES[:8] + TORCH_TABLE_1_LINES[-1:],
                                "Self CPU time total: 524.173us")


def test_group_by_input_shape_reproduces_torch_table_2_excerpt():
    averages = table_2_events().key_averages(group_by_input_shapes=True)
    table = averages.table(sort_by="cpu_time_total", row_limit=6)
    assert table == _table_text(TORCH_TABLE_2_GROUPED_LINES, "Self CPU time total: 93.479ms")


def test_without_grouping_there_is_no_input_shapes_column():
    table = table_2_events().key_averages().table(sort_by="cpu_time_total", row_limit=1)
    assert table.splitlines()[1] == TORCH_TABLE_1_LINES[1] + "  "


def test_function_event_avg_fields_in_microseconds():
    averages = {avg.key: avg for avg in table_1_events().key_averages()}
    div = averages["aten::div"]
    assert (div.count, round(div.self_cpu_time_total, 3), round(div.cpu_time_total, 3)) == (2, 94.661, 164.766)
    assert round(div.cpu_time, 4) == 82.383
    assert (div.self_cpu_time_total_str, div.cpu_time_total_str, div.cpu_time_str) == (
        "94.661us", "164.766us", "82.383us")
    assert div.input_shapes == ""
    assert round(table_1_events().self_cpu_time_total, 3) == 524.173
    model = {a.key: a for a in table_2_events().key_averages()}["model_inference"]
    assert model.cpu_time_total_str == "75.994ms" and model.is_user_annotation


def test_time_unit_forces_one_unit():
    table = table_1_events().key_averages().table(sort_by="self_cpu_time_total", row_limit=1, time_unit="ms")
    row = "                                              aten::mul        34.71%       0.182ms        34.71%" \
          "       0.182ms       0.061ms             3  "
    assert table.splitlines()[3] == row
    assert table.endswith("Self CPU time total: 0.524ms\n")
    assert table_1_events().key_averages().table(row_limit=0, time_unit="s").endswith(
        "Self CPU time total: 0.001s\n")


def test_time_formats_switch_at_a_millisecond_and_a_second():
    events = lay_out(node("a", 999_999), node("b", 1_000_000), node("c", 1_000_000_000))
    assert [e.cpu_time_total_str for e in events] == ["999.999us", "1.000ms", "1.000s"]


def test_empty_profile_table_is_empty_string():
    assert EventList().table() == ""
    assert EventList().key_averages().table(sort_by="self_cpu_time_total") == ""


def test_sort_by_cuda_names_map_to_device_names():
    table = table_1_events().key_averages().table(sort_by="self_cuda_time_total", row_limit=1)
    # no device time anywhere: the sort is stable, so the first event seen leads
    assert table.splitlines()[3].split()[0] == "aten::mul"


def test_profile_memory_adds_memory_columns():
    events = table_1_events()
    events._profile_memory = True
    lines = events.key_averages().table(row_limit=1).splitlines()
    assert lines[1] == (" " * 51 + "Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg"
                        "       CPU Mem  Self CPU Mem    # of Calls  ")
    assert lines[3].endswith("60.651us           0 B           0 B             3  ")


# -- (2) the recorder, driven as dispatch drives it ----------------------------------------------
def run_op(name, *inputs, inner=None, sleep_s=0.0):
    """What dispatch does around one op: begin, the op's work (and any ops it calls), end."""
    recorder = PROFILER.recorder
    token = recorder.begin(name, inputs)
    if sleep_s:
        time.sleep(sleep_s)
    if inner is not None:
        inner()
    recorder.end(token)


def test_no_profiler_means_flag_off():
    assert PROFILER.active is False
    with profiler.profile():
        assert PROFILER.active is True
    assert PROFILER.active is False


def test_nesting_gives_parent_child_and_self_time():
    with profiler.profile() as prof:
        run_op("aten::div", sleep_s=0.002, inner=lambda: run_op("aten::to", sleep_s=0.003))
    div, to = prof.function_events
    assert (div.name, to.name) == ("aten::div", "aten::to")
    assert to.cpu_parent is div and div.cpu_children == [to]
    assert div.self_cpu_time_total == pytest.approx(div.cpu_time_total - to.cpu_time_total)
    assert div.cpu_time_total >= 5000 and to.cpu_time_total >= 3000
    assert prof.self_cpu_time_total == pytest.approx(div.cpu_time_total)


def test_record_function_total_includes_children():
    with profiler.profile() as prof:
        with profiler.record_function("label-z"):
            run_op("aten::pow", sleep_s=0.002)
    averages = {a.key: a for a in prof.key_averages()}
    label = averages["label-z"]
    assert label.is_user_annotation and label.count == 1
    assert label.cpu_time_total >= averages["aten::pow"].cpu_time_total >= 2000
    assert label.self_cpu_time_total < label.cpu_time_total


def test_record_function_as_decorator_and_outside_a_profiler():
    @profiler.record_function("helper")
    def helper():
        run_op("aten::mul") if PROFILER.active else None
        return 7

    assert helper() == 7  # no profiler: nothing to record, no error
    with profiler.profile() as prof:
        helper()
    assert [e.name for e in prof.function_events] == ["helper", "aten::mul"]


def test_nested_profiles_each_see_their_window():
    with profiler.profile() as outer:
        run_op("aten::add")
        with profiler.profile() as inner:
            run_op("aten::mul")
        assert PROFILER.active
        run_op("aten::sub")
    assert [e.name for e in outer.function_events] == ["aten::add", "aten::mul", "aten::sub"]
    assert [e.name for e in inner.function_events] == ["aten::mul"]
    assert not PROFILER.active


def test_start_capture_nests_with_a_user_profile():
    capture = profiler.start_capture()
    run_op("aten::add")
    with profiler.profile() as prof:
        run_op("aten::mul")
    events = capture.stop()
    assert [e.name for e in events] == ["aten::add", "aten::mul"]
    assert [e.name for e in prof.function_events] == ["aten::mul"]
    assert {a.key: a.count for a in events.key_averages()} == {"aten::add": 1, "aten::mul": 1}
    assert events.key_averages().table(sort_by="self_cpu_time_total").startswith("-" * 13 + "  ")
    assert capture.stop() is events
    assert not PROFILER.active


def test_capture_stopped_inside_a_profile_leaves_the_profile_listening():
    with profiler.profile() as prof:
        capture = profiler.start_capture()
        run_op("aten::add")
        capture.stop()
        run_op("aten::mul")
    assert [e.name for e in prof.function_events] == ["aten::add", "aten::mul"]


def test_record_shapes():
    x = np.ones((2, 3), dtype=np.float32)
    with profiler.profile(record_shapes=True) as prof:
        run_op("aten::mul", x, x)
        run_op("aten::div", x, 2)
    assert [e.input_shapes for e in prof.function_events] == [[[2, 3], [2, 3]], [[2, 3], []]]
    grouped = prof.key_averages(group_by_input_shape=True).table()
    assert grouped.splitlines()[1].endswith("Input Shapes  ")
    assert "  [[2, 3], []]  \n" in grouped
    with profiler.profile() as plain:
        run_op("aten::mul", x, x)
    assert plain.function_events[0].input_shapes == []


def test_backward_node_scope_and_str_of_profile():
    with profiler.profile() as prof:
        run_op("autograd::engine::evaluate_function: MulBackward0",
               inner=lambda: run_op("MulBackward0", inner=lambda: run_op("aten::mul")))
    wrapper, node_event, mul = prof.function_events
    assert (wrapper.scope, node_event.scope, mul.scope) == (0, 1, 0)
    assert str(prof) == prof.function_events.table()
    assert str(prof).count("\n") == 8


def test_profile_memory_counts_allocations():
    kept = []  # the op's output outlives the op, as a real op's would
    with profiler.profile(profile_memory=True) as prof:
        run_op("aten::empty", inner=lambda: kept.append(np.ones(100_000, dtype=np.float32)))
    event = prof.function_events[0]
    assert event.cpu_memory_usage >= 400_000
    header = prof.key_averages().table().splitlines()[1]
    assert "CPU Mem  Self CPU Mem    # of Calls" in header



def test_unfinished_profile_and_reentry():
    prof = profiler.profile()
    assert str(prof) == "<unfinished torch.autograd.profile>"
    with prof:
        with pytest.raises(RuntimeError, match="Profiler context manager is not reentrant"):
            prof.__enter__()
    assert not PROFILER.active


def test_disabled_profile_records_nothing():
    with profiler.profile(enabled=False) as prof:
        assert not PROFILER.active
    assert prof is None


def test_use_cuda_warnings_without_a_gpu():
    if profiler._cuda_available():
        pytest.skip("this machine has CUDA")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        profiler.profile(use_cuda=True)
    assert [(w.category, str(w.message)) for w in caught] == [
        (FutureWarning, "The attribute `use_cuda` will be deprecated soon, please use ``use_device = 'cuda'`` "
                        "instead."),
        (UserWarning, "CUDA is not available, disabling CUDA profiling"),
    ]
    assert caught[0].filename == __file__


# -- torch.profiler --------------------------------------------------------------------------------
def test_torch_profiler_profile_and_activities():
    assert str(torch_profiler.ProfilerActivity.CPU) == "ProfilerActivity.CPU"
    with torch_profiler.profile(activities=[torch_profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
        with torch_profiler.record_function("model_inference"):
            run_op("aten::linear", np.ones((4, 5)))
    assert [e.name for e in prof.events()] == ["model_inference", "aten::linear"]
    table = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=10)
    assert table.splitlines()[3].split() [0] == "model_inference"
    assert "[[4, 5]]" in table


def test_torch_profiler_schedule_and_on_trace_ready():
    sched = torch_profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
    A = torch_profiler.ProfilerAction
    assert [sched(i) for i in range(6)] == [A.NONE, A.WARMUP, A.RECORD, A.RECORD_AND_SAVE, A.NONE, A.NONE]
    traces = []
    with torch_profiler.profile(schedule=sched, on_trace_ready=lambda p: traces.append(
            [e.name for e in p.events()])) as prof:
        for step in range(5):
            run_op(f"step{step}")
            prof.step()
    assert traces == [["step2", "step3"]]


# -- the Chrome trace ------------------------------------------------------------------------------------
def test_chrome_trace_is_valid_json_with_torch_keys(tmp_path):
    with profiler.profile(record_shapes=True) as prof:
        with profiler.record_function("lbl"):
            recorder = PROFILER.recorder
            token = recorder.begin("aten::mul", (np.ones((2, 3)), np.ones((2, 3))))
            token[SEQ] = 41  # the grad_fn node the op made
            recorder.end(token)

        def backward_node():
            token = PROFILER.recorder.begin("MulBackward0", ())
            token[SEQ] = 41  # the node run
            PROFILER.recorder.end(token)

        run_op("autograd::engine::evaluate_function: MulBackward0", inner=backward_node)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    assert list(trace) == ["schemaVersion", "deviceProperties", "trace_id", "record_shapes", "host_name",
                           "displayTimeUnit", "baseTimeNanoseconds", "traceEvents", "traceName"]
    assert (trace["schemaVersion"], trace["deviceProperties"], trace["displayTimeUnit"]) == (1, [], "ms")
    phases = {e["ph"] for e in trace["traceEvents"]}
    assert phases == {"M", "X", "s", "f", "i"}
    complete = {e["name"]: e for e in trace["traceEvents"] if e["ph"] == "X"}
    assert complete["lbl"]["cat"] == "user_annotation"
    assert complete["aten::mul"]["cat"] == "cpu_op"
    assert complete["aten::mul"]["args"]["Input Dims"] == [[2, 3], [2, 3]]
    assert complete["aten::mul"]["args"]["Sequence number"] == 41
    assert complete["PyTorch Profiler (0)"]["cat"] == "Trace"
    flows = [e for e in trace["traceEvents"] if e["cat" if "cat" in e else "ph"] == "fwdbwd"]
    assert [(f["ph"], f["id"]) for f in flows] == [("s", 42), ("f", 42)]
    assert flows[1]["bp"] == "e"
    assert complete["autograd::engine::evaluate_function: MulBackward0"]["args"]["Sequence number"] == 41


def test_chrome_trace_unwritable_path_names_the_file(tmp_path):
    with profiler.profile() as prof:
        run_op("aten::mul")
    target = tmp_path / "missing" / "trace.json"
    with pytest.raises(RuntimeError, match="Could not write the Chrome trace to .*trace.json"):
        prof.export_chrome_trace(str(target))


def test_with_stack_adds_source_location():
    with profiler.profile(with_stack=True) as prof:
        run_op("aten::mul")
    event = prof.function_events[0]
    assert event.stack[0].startswith(f"{__file__}(") and event.stack[0].endswith("): run_op")
    assert event.stack[1].endswith("): test_with_stack_adds_source_location")
    header = prof.key_averages(group_by_stack_n=2).table().splitlines()[1]
    assert header.endswith("# of Calls  Source Location" + " " * (75 - len("Source Location")) + "  ")


def _header_names(table):
    return [h.strip() for h in table.splitlines()[1].split("  ") if h.strip()]


CUDA_HEADERS = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "Self CUDA",
                "Self CUDA %", "CUDA total", "CUDA time avg", "# of Calls"]


def test_device_time_columns_and_footer():
    parent = FunctionEvent(1, "aten::linear", 1, 0.0, 100.0, use_device="cuda")
    child = FunctionEvent(2, "aten::addmm", 1, 10.0, 90.0, use_device="cuda", device_time_measured_us=30.0)
    events = EventList([parent, child], use_device="cuda")
    events._build_tree()
    assert (parent.device_time_total, parent.self_device_time_total) == (30.0, 0)
    assert (child.device_time_total, child.self_device_time_total) == (30.0, 30.0)
    table = events.key_averages().table(sort_by="self_cuda_time_total")
    assert _header_names(table) == CUDA_HEADERS
    assert table.splitlines()[3].split() == ["aten::addmm", "80.00%", "80.000us", "80.00%", "80.000us",
                                             "80.000us", "30.000us", "100.00%", "30.000us", "30.000us", "1"]
    assert table.endswith("Self CPU time total: 100.000us\nSelf CUDA time total: 30.000us\n")


@pytest.mark.gpu
def test_cuda_tensors_are_timed_on_the_device():
    import gradtrace.engine as gt

    x = gt.ones(1024, 1024, device="cuda")
    with profiler.profile(use_device="cuda") as prof:
        y = x * x
    del y
    mul = {a.key: a for a in prof.key_averages()}["aten::mul"]
    assert mul.device_time_total > 0
    table = prof.key_averages().table(sort_by="self_cuda_time_total")
    assert _header_names(table) == CUDA_HEADERS
    assert "\nSelf CUDA time total: " in table
    # the kernel's capture finds CUDA tensors by itself, no use_device needed
    capture = profiler.start_capture()
    x * x
    assert _header_names(capture.stop().key_averages().table()) == CUDA_HEADERS


# -- (3) real runs through the engine's op dispatch ------------------------------------------------
BACKWARD_ROWS = {
    "MulBackward0": 1, "DivBackward0": 1, "SumBackward0": 1,
    "autograd::engine::evaluate_function: MulBackward0": 1,
    "autograd::engine::evaluate_function: DivBackward0": 1,
    "autograd::engine::evaluate_function: SumBackward0": 1,
    "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad": 2,
    "torch::autograd::AccumulateGrad": 2,
}


def tutorial_profile(lib, profile):
    """The reference's tutorial: x, w 100x100 leaves; y = x*w; z = y/2; loss = z.sum(); backward."""
    x = lib.ones(100, 100, requires_grad=True)
    w = lib.ones(100, 100, requires_grad=True)
    with profile() as prof:
        y = x * w
        z = y / 2
        loss = z.sum()
        loss.backward()
    return prof


def test_real_run_records_forward_ops_and_backward_nodes():
    import gradtrace.engine as gt

    prof = tutorial_profile(gt, gt.autograd.profiler.profile)
    counts = {a.key: a.count for a in prof.key_averages()}
    for name, count in BACKWARD_ROWS.items():
        assert counts.get(name) == count, name
    assert counts["aten::sum"] == 1
    assert counts["aten::mul"] >= 1 and counts["aten::div"] >= 1
    table = prof.key_averages().table(sort_by="self_cpu_time_total")
    assert "autograd::engine::evaluate_function: torch::autograd...  " in table
    assert table.splitlines()[0] == TORCH_TABLE_1_LINES[0] + "  "
    scopes = {e.name: e.scope for e in prof.function_events}
    assert scopes["MulBackward0"] == 1 and scopes["aten::sum"] == 0


@pytest.mark.torch
def test_real_run_counts_match_torch_where_names_overlap(real_torch):
    import gradtrace.engine as gt

    ours = {a.key: a.count for a in tutorial_profile(gt, gt.autograd.profiler.profile).key_averages()}
    theirs = {a.key: a.count for a in tutorial_profile(real_torch, real_torch.autograd.profiler.profile)
              .key_averages()}
    assert {k: v for k, v in theirs.items() if k in BACKWARD_ROWS} == BACKWARD_ROWS
    shared = set(ours) & set(theirs)
    assert set(BACKWARD_ROWS) | {"aten::mul", "aten::div", "aten::sum"} <= shared
    assert {k: ours[k] for k in shared} == {k: theirs[k] for k in shared}


def division_chain_profile(lib):
    """The profiler benchmark's workload, short: divisions and products whose operands all need grads."""
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    z = lib.ones(2, 3, requires_grad=True)
    with lib.autograd.profiler.profile() as prof:
        for _ in range(5):
            z = (z / x) * y
        z.sum().backward()
    return {a.key: a.count for a in prof.key_averages()}


@pytest.mark.torch
def test_division_backward_runs_torchs_ops(real_torch):
    """DivBackward0 computes -grad * ((self / other) / other) as torch does: 3 divs, 1 mul, 1 neg."""
    import gradtrace.engine as gt

    ours, theirs = division_chain_profile(gt), division_chain_profile(real_torch)
    names = ["aten::div", "aten::mul", "aten::neg", "aten::add_", "DivBackward0", "MulBackward0"]
    assert {n: ours.get(n) for n in names} == {n: theirs.get(n) for n in names}
    assert ours["aten::div"] == 5 + 5 * 3


def test_real_run_through_torch_profiler_namespace_and_capture(tmp_path):
    import gradtrace.engine as gt

    x = gt.ones(2, 3, requires_grad=True)
    capture = profiler.start_capture(record_shapes=True)
    with gt.profiler.profile(activities=[gt.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
        with gt.profiler.record_function("model_inference"):
            y = (x * 2).sum()
        y.backward()
    events = capture.stop()
    assert [e.name for e in events] == [e.name for e in prof.events()]
    names = [a.key for a in prof.key_averages()]
    assert names[:3] == ["model_inference", "aten::mul", "aten::sum"]
    grouped = {a.key: a.input_shapes for a in prof.key_averages(group_by_input_shape=True)}
    assert grouped["aten::mul"] == [[2, 3], []]
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    complete = [e["name"] for e in trace["traceEvents"] if e["ph"] == "X"]
    assert complete[:3] == ["model_inference", "aten::mul", "aten::sum"]
    assert "MulBackward0" in complete and "PyTorch Profiler (0)" in complete


def test_ops_of_another_thread_never_nest_under_this_threads_ops():
    import threading

    worker_ran = threading.Event()

    def worker():
        run_op("aten::add")
        worker_ran.set()

    def while_the_worker_runs():
        thread = threading.Thread(target=worker)
        thread.start()
        worker_ran.wait(5)
        thread.join()

    with profiler.profile() as prof:
        run_op("aten::mm", inner=while_the_worker_runs)
    by_name = {e.name: e for e in prof.function_events}
    assert by_name["aten::add"].cpu_parent is None and by_name["aten::mm"].cpu_children == []
    assert by_name["aten::add"].thread != by_name["aten::mm"].thread


def test_every_record_names_the_thread_that_ran_it():
    """The log's opening thread is named without asking (see _profiler_recorder.Log); any other
    thread, here one started inside the session, still gets its own id."""
    import threading

    import gradtrace.engine as gt

    worker_id = []

    def worker():
        worker_id.append(threading.get_ident())
        gt.ones(2).mul(3)

    with profiler.profile() as prof:
        gt.ones(2).add(1)
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        gt.ones(2).sub(1)
    threads = {e.name: e.thread for e in prof.function_events if e.name in ("aten::add", "aten::mul", "aten::sub")}
    assert threads == {"aten::add": threading.get_ident(), "aten::mul": worker_id[0],
                       "aten::sub": threading.get_ident()}


def _accumulation_parents(torch_module):
    """Parent names of the add rows that sum two gradients flowing into one node during backward."""
    x = torch_module.ones(3, requires_grad=True)
    with torch_module.autograd.profiler.profile() as prof:
        y = x * 2
        (y * 3 + y * 4).sum().backward()
    backward_adds = [e for e in prof.function_events
                     if e.name.startswith("aten::add") and e.cpu_parent is not None]
    return [e.cpu_parent.name for e in backward_adds]


def test_gradient_accumulation_runs_inside_the_feeding_nodes_evaluate_function():
    import gradtrace.engine as gt

    assert _accumulation_parents(gt) == ["autograd::engine::evaluate_function: MulBackward0"]


@pytest.mark.torch
def test_gradient_accumulation_parent_matches_torch(real_torch):
    import gradtrace.engine as gt

    assert _accumulation_parents(gt) == _accumulation_parents(real_torch)


def test_a_capture_with_a_record_limit_stops_by_itself():
    import gradtrace.engine as gt

    x = gt.ones(3, requires_grad=True)
    capture = profiler.start_capture(max_records=500)
    ops = 0
    deadline = time.monotonic() + 10
    while not capture.truncated and time.monotonic() < deadline:
        (x * 2).sum().backward()  # 2 forward ops, 2 backward nodes with wrappers, 1 leaf
        ops += 1
    assert capture.truncated
    assert not PROFILER.active  # the rest of the run is not recorded, and costs nothing
    events = capture.stop()
    assert len(events) >= 500 and {e.name for e in events} >= {"aten::mul", "aten::sum", "MulBackward0"}


def test_a_limited_capture_stopping_leaves_a_user_profile_listening():
    import gradtrace.engine as gt

    x = gt.ones(3)
    with profiler.profile() as prof:
        capture = profiler.start_capture(max_records=10)
        deadline = time.monotonic() + 10
        while not capture.truncated and time.monotonic() < deadline:
            x * 2
        assert capture.truncated and PROFILER.active
        x + 1
    assert len(capture.stop()) < len(prof.function_events)
    assert prof.function_events[-1].name == "aten::add"
