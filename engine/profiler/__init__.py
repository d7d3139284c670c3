"""torch.profiler: `profile(activities=..., schedule=..., on_trace_ready=...)`, `ProfilerActivity`,
`schedule`, `record_function`. The same recorder and table code as torch.autograd.profiler."""
import enum
import sys
import warnings

from ..autograd.profiler import _cuda_available, _Listening, record_function
from ..autograd.profiler_util import EventList

__all__ = ["profile", "ProfilerActivity", "ProfilerAction", "schedule", "record_function",
           "supported_activities"]


class ProfilerActivity(enum.Enum):
    """What a profiler records: CPU ops, CUDA time."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5

    def __str__(self):
        return f"ProfilerActivity.{self.name}"


class ProfilerAction(enum.Enum):
    """What a schedule tells the profiler to do at a step."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities():
    """The activities this machine can record."""
    activities = {ProfilerActivity.CPU}
    if _cuda_available():
        activities.add(ProfilerActivity.CUDA)
    return activities


def _default_activities():
    """CPU, plus CUDA when cupy is already loaded and sees a GPU (never imported just to ask)."""
    if "cupy" in sys.modules and _cuda_available():
        return {ProfilerActivity.CPU, ProfilerActivity.CUDA}
    return {ProfilerActivity.CPU}


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """torch's step schedule: skip `skip_first`, then cycles of wait, warmup, active steps."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
            f"skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _always_record(_step):
    return ProfilerAction.RECORD


class profile:
    """torch.profiler.profile: record the ops run between start and stop (or inside `with`).

    With a `schedule`, `step()` moves through its phases: steps marked RECORD are recorded, and at
    the end of each RECORD_AND_SAVE step `on_trace_ready(prof)` is called with that cycle's events.
    """

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False,
                 use_cuda=None, custom_trace_id_callback=None):
        activities = set(activities) if activities else _default_activities()
        if use_cuda is not None:
            warnings.warn("`use_cuda` is deprecated, use `activities` argument instead", FutureWarning,
                          stacklevel=2)
            if use_cuda:
                activities.add(ProfilerActivity.CUDA)
        if ProfilerActivity.CUDA in activities and not _cuda_available():
            # torch drops an activity the machine cannot record; CPU recording goes on.
            activities.discard(ProfilerActivity.CUDA)
        self.activities = activities
        self.use_device = "cuda" if ProfilerActivity.CUDA in activities else None
        self.record_shapes = record_shapes or with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.schedule = schedule if schedule is not None else _always_record
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self._window = None  # the recording now running, if any
        self._result = None  # the last finished recording

    # -- start / stop / step ---------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()
        return False

    def start(self):
        """Begin, according to the schedule's action for the current step."""
        if self.current_action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._open()

    def stop(self):
        """End recording; a pending trace is handed to on_trace_ready."""
        if self._window is not None:
            self._close(save=True)

    def step(self):
        """Mark the end of one training step and move the schedule on."""
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        recording = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
        if previous == ProfilerAction.RECORD_AND_SAVE:
            self._close(save=True)
        elif previous in recording and self.current_action not in recording:
            self._close(save=False)
        if self.current_action in recording and self._window is None:
            self._open()

    def _open(self):
        self._window = _Listening(self.record_shapes, self.profile_memory, self.with_stack,
                                  self.use_device)
        self._window._start()

    def _close(self, save):
        window, self._window = self._window, None
        if window is None:
            return
        if self.use_device == "cuda":
            import cupy

            cupy.cuda.runtime.deviceSynchronize()
        window._stop()
        self._result = window
        if save and self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # -- results ------------------------------------------------------------------------------------
    def events(self):
        """The last recording's events (an EventList of FunctionEvent)."""
        if self._result is None:
            return EventList()
        return self._result._function_events()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """Events averaged per name (and per input shapes when asked)."""
        return self.events().key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def export_chrome_trace(self, path):
        """Write the last recording as Chrome trace JSON."""
        self.events().export_chrome_trace(path)

    @property
    def self_cpu_time_total(self):
        """Sum of all events' self CPU time, in microseconds."""
        return self.events().self_cpu_time_total
