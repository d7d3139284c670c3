"""The language service: one object that runs inputs and answers completion, inspection and history.

The Jupyter wire server (kernel) and the REPL's local mode both drive a LanguageService; it knows
nothing about ZeroMQ. Outputs go to an `events` object the front end provides, in this order:
streams and displays as the code produces them, the execute_result, inline figures, then the
autograd report (see report.py), always after the input's own outputs.
"""
import builtins
import contextlib
import getpass
import os
import signal
import sys
import threading
import time
import types
from dataclasses import dataclass, field

from . import kernel_info, runner
from .capture import OutputCapture, WarningCapture
from .completeness import is_complete as _is_complete
from .completion import Completer
from .display import flush_figures, format_bundle, make_display_functions
from .history import HistoryStore
from .input_transform import HELP_FUNCTION, MAGIC_FUNCTION, transform_input
from .ipython_display import route_to as route_ipython_display
from .inspection import describe, expression_at_cursor, resolve
from .magics import MagicCommands, UsageError
from .report import PROFILE_MAX_RECORDS, Lens, Snapshot, build_report, tensor_and_module_types
from .report_render import render_bundle
from .torch_alias import TorchImporter, claim_torch, describe_torch, release_torch, resolve_torch_mode


@dataclass
class ExecuteOutcome:
    """What execute() reports back to the front end once the input has finished."""
    status: str                      # "ok" | "error"
    execution_count: int
    error: tuple = None              # (ename, evalue, traceback lines) when status is "error"
    payload: list = field(default_factory=list)
    user_expressions: dict = field(default_factory=dict)
    report: dict = None              # the last Report of the input, None without one
    exit_requested: bool = False


class ExitRequest(SystemExit):
    """Raised by exit()/quit() in the user namespace: the front end ends the session."""

    def __init__(self, keep_kernel=False):
        super().__init__()
        self.keep_kernel = keep_kernel


class _ExitCommand:
    """`exit` and `quit` in the user namespace: calling them ends the session, never the process."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"Use {self._name}() or Ctrl-D (i.e. EOF) to exit"

    def __call__(self, keep_kernel=False):
        raise ExitRequest(keep_kernel)


_SERVICE_CALLS = (MAGIC_FUNCTION, HELP_FUNCTION)
_SIGNAL_REPEAT_S = 0.2  # how often an interrupt's SIGINT is sent again while the code has not noticed it
# Results kept in Out and as _N (IPython keeps 1000; each of ours may hold a graph of Python objects,
# about 10 kB for a small model's loss): older ones are dropped, so that a long
# session of `loss`-style inputs does not keep every graph alive.
OUTPUT_CACHE_SIZE = 200
_ENGINE = "gradtrace.engine"


class LanguageService:
    """Runs Python inputs in a persistent namespace and reports what autograd did after each."""

    def __init__(self, *, torch_mode=None, history_path=None, owns_process=False):
        """owns_process: this service is the process's reason to exist (the kernel, the REPL), so in
        gradtrace mode it may give the name torch to the engine process-wide (torch_alias.claim_torch)."""
        self.torch_mode = resolve_torch_mode(torch_mode)
        self._owns_process = owns_process
        self._importer = TorchImporter(self.torch_mode, self._claim_torch())
        self.execution_count = 0
        self.lens = Lens()
        self.last_profile_events = None
        #: records the per-input profile keeps before it stops (None: no limit); `%profile limit`
        self.profile_max_records = PROFILE_MAX_RECORDS
        os.environ.setdefault("MPLBACKEND", "agg")  # figures render off-screen and come back as PNGs

        self._main_module = types.ModuleType("__main__", "The gradtrace user namespace.")
        self.namespace = self._main_module.__dict__
        self._magics = MagicCommands(self)
        self.namespace["__builtins__"] = self._user_builtins()
        self.namespace.update(In=[""], Out={})
        self._compiler = runner.InputCompiler()
        self._warnings = WarningCapture()
        self._history = HistoryStore(history_path)
        self._completer = Completer(self.namespace)

        self._events = None           # the running input's events, None while idle
        self._capture = None
        self._warning_scope = None
        self._payload = []
        self._run_number = 0
        self._state_lock = threading.Lock()
        self._running_thread = None
        self._interruptible = False   # True only while user code runs, so interrupts never hit the service
        self._interrupt_pending = False  # an interrupt came before the input's code began: it stops that code
        self._signal_unanswered = False  # SIGINT sent to the code, its KeyboardInterrupt not raised yet
        self._banner = None
        self._waiting_scope = None    # the running input's report scope while its profile waits for the engine

    # -- the namespace's builtins ----------------------------------------------------------------
    def _user_builtins(self):
        display, clear_output = make_display_functions(lambda: self._events, self._flush_streams)
        self._display_functions = display, clear_output
        user_builtins = dict(vars(builtins))
        user_builtins.update({
            "__import__": self._import,
            "input": self._input,
            "exit": _ExitCommand("exit"),
            "quit": _ExitCommand("quit"),
            "display": display,
            "clear_output": clear_output,
            MAGIC_FUNCTION: self._magics,
            HELP_FUNCTION: self._help,
        })
        return user_builtins

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        """`import` in user code: the torch alias, then the profile that waited for the engine (_begin_report)."""
        module = self._importer(name, globals, locals, fromlist, level)
        scope = self._waiting_scope
        if scope is not None and _ENGINE in sys.modules:
            self._waiting_scope = None
            scope[1] = self._start_capture()
        return module

    def _flush_streams(self):
        self.flush_output()

    def flush_output(self, timeout=None):
        """Hand the running input's buffered text to its front end now; False if `timeout` passed first."""
        capture = self._capture
        return capture is None or capture.flush(timeout)

    def _input(self, prompt="", password=False):
        """input() in user code: asks the front end."""
        events = self._events
        if events is None:
            raise RuntimeError("input() is only available while an input is running")
        self._flush_streams()
        return events.input(str(prompt), password)

    def _getpass(self, prompt="Password: ", stream=None):
        return self._input(prompt, password=True)

    def _help(self, expression, detail_level):
        """`obj?` / `obj??`: the help text as a pager payload."""
        try:
            obj = resolve(expression, self.namespace)
        except KeyError:
            print(f"Object `{expression}` not found.")
            return
        text = describe(expression, obj, detail_level, self.tensor_names())
        self._payload.append({"source": "page", "data": {"text/plain": text}, "start": 0})

    # -- what front ends show ---------------------------------------------------------------------
    @property
    def banner(self):
        """The kernel banner: versions and which torch `import torch` gives."""
        return kernel_info.banner(self.torch_mode)

    @property
    def language_info(self):
        """kernel_info's language_info, as ipykernel gives it for Python."""
        return kernel_info.language_info()

    def torch_description(self):
        """One line saying which torch is in effect."""
        return describe_torch(self.torch_mode)

    def set_torch_mode(self, mode):
        """Switch what `import torch` gives; a `torch` already bound in the namespace follows."""
        self.torch_mode = resolve_torch_mode(mode)
        self._importer.mode = self.torch_mode
        self._importer.process_wide = self._claim_torch()
        if isinstance(self.namespace.get("torch"), types.ModuleType):
            self.namespace["torch"] = self._importer.import_torch()

    def _claim_torch(self):
        """Whether `import torch` gives the engine process-wide (under torch's names) in the current mode."""
        if not self._owns_process:
            return False
        if self.torch_mode == "gradtrace":
            return claim_torch()
        release_torch()
        return False

    # -- helpers for magics ----------------------------------------------------------------------
    def evaluate(self, expression):
        """The value of an expression in the user namespace."""
        return eval(expression, self.namespace)

    def tensor_types(self):
        """The tensor classes loaded in this process (gradtrace's, and real torch's if imported)."""
        return tensor_and_module_types()[0]

    def tensor_names(self):
        """id(tensor) -> name for the tensors (and module parameters) the namespace holds."""
        return Snapshot(self.namespace).names_by_id()

    def graph_names(self):
        """tensor_names() plus, for graph pictures and derivations, the nodes that made named tensors."""
        from gradtrace.engine.introspect import variable_names

        snapshot = Snapshot(self.namespace)
        return variable_names(snapshot.names_by_id(), {name: t for name, (t, _) in snapshot.tensors.items()})

    def display_data(self, data, metadata=None):
        """Show a bundle as display_data during the running input."""
        if self._events is not None:
            self._flush_streams()
            self._events.display(data, metadata or {}, transient=None, update=False)
        else:
            print(data.get("text/plain", ""))

    # -- execution --------------------------------------------------------------------------------
    def execute(self, code, events, *, silent=False, store_history=True, user_expressions=None):
        """Run one input; outputs go to `events`; returns an ExecuteOutcome."""
        store = store_history and not silent
        self._run_number += 1
        if store:
            self.execution_count += 1
            self._history.store_input(self.execution_count, code)
            self.namespace["In"].append(code)
            filename = runner.input_filename(self.execution_count)
        else:
            filename = runner.input_filename(f"silent-{self._run_number}")
        outcome = ExecuteOutcome(status="ok", execution_count=self.execution_count)
        self._payload = outcome.payload
        with self._running(events) as events:
            try:
                self._run_units(code, filename, events, outcome, silent=silent, store=store)
            except ExitRequest as request:
                outcome.exit_requested = True
                outcome.payload.append({"source": "ask_exit", "keepkernel": bool(request.keep_kernel)})
            except SystemExit:
                outcome.exit_requested = True
                outcome.payload.append({"source": "ask_exit", "keepkernel": False})
            except UsageError as error:
                outcome.status = "error"
                outcome.error = ("UsageError", str(error), [f"UsageError: {error}"])
            except BaseException as error:  # noqa: BLE001 - KeyboardInterrupt included, by design
                outcome.status = "error"
                outcome.error = runner.format_exception(error, full=bool(os.environ.get("GRADTRACE_FULL_TRACEBACK")))
            if user_expressions:
                outcome.user_expressions = self._user_expressions(user_expressions)
        self.forget_interrupt()  # one that came after the input's code is for no other input
        return outcome

    def _run_units(self, code, filename, events, outcome, *, silent, store):
        source = transform_input(code)
        runner.register_source(filename, source)
        units = self._compiler.parse(source, filename, per_statement=self.lens.statements and not silent)
        for index, unit in enumerate(units):
            last = index == len(units) - 1
            # Magics look at the last input's graph and profile: they are not new work to report.
            if self._take_pending_interrupt():
                raise KeyboardInterrupt  # before the report's set-up (the first one imports the engine)
            scope = None if silent or unit.only_calls(_SERVICE_CALLS) else self._begin_report()
            try:
                has_value, value = self._run_user_code(unit, filename)
            except BaseException:
                self._end_report(scope, unit, None, outcome, events)
                raise
            report = self._end_report(scope, unit, value if has_value else None, outcome, events, send=False)
            if last and has_value and not silent:
                self._show_result(value, events, store)
            if last and not silent:
                self._flush_streams()
                flush_figures(events)
            if report is not None:
                self._send_report(report, events)

    def _take_pending_interrupt(self, *, then_interruptible=False):
        """Whether an interrupt waits for this input's code (clearing it); optionally let SIGINT raise from now."""
        with self._state_lock:
            self._interruptible = self._interruptible or then_interruptible
            # Read after the flag is up: a SIGINT from now on raises by itself (see _on_sigint).
            pending, self._interrupt_pending = self._interrupt_pending, False
        return pending

    def _run_user_code(self, unit, filename):
        try:  # from the flag's rise on, a SIGINT may raise here: the finally must cover it
            if self._take_pending_interrupt(then_interruptible=True):
                raise KeyboardInterrupt
            return self._compiler.run(unit, filename, self.namespace)
        finally:
            with self._state_lock:
                self._interruptible = False
                self._signal_unanswered = False

    def _show_result(self, value, events, store):
        """execute_result for the value of a last bare expression (None shows nothing, as in Python)."""
        if value is None:
            return
        data, metadata = format_bundle(value)
        if store:
            count = self.execution_count
            ns = self.namespace
            ns["___"], ns["__"], ns["_"] = ns.get("__", ""), ns.get("_", ""), value
            ns[f"_{count}"] = value
            ns["Out"][count] = value
            self._forget_old_outputs()
            self._history.store_output(count, data["text/plain"])
        self._flush_streams()
        events.execute_result(self.execution_count, data, metadata)

    def _forget_old_outputs(self):
        """Keep the last OUTPUT_CACHE_SIZE results in Out and _N: each may hold a tensor and its graph."""
        outputs = self.namespace["Out"]
        if not isinstance(outputs, dict):
            return  # the user rebound Out
        while len(outputs) > OUTPUT_CACHE_SIZE:
            oldest = next(iter(outputs))
            del outputs[oldest]
            self.namespace.pop(f"_{oldest}", None)

    # -- the report ---------------------------------------------------------------------------------
    def _begin_report(self):
        if not self.lens.parts():
            return None
        scope = [None, None, len(self._warning_scope.notes)]  # [before, capture, notes_start]
        if self.lens.profile:
            if _ENGINE in sys.modules:
                scope[1] = self._start_capture()
            else:
                # No engine op runs before the engine is imported, so the capture starts when user code
                # imports it (_import): an input such as `1 + 1` never loads the engine for its report.
                self._waiting_scope = scope
        scope[0] = Snapshot(self.namespace)
        return scope

    def _start_capture(self):
        try:
            from gradtrace.engine.autograd.profiler import start_capture
        except ImportError:
            return None
        return start_capture(max_records=self.profile_max_records)

    def _end_report(self, scope, unit, result, outcome, events, send=True):
        self._waiting_scope = None
        if scope is None:
            return None
        before, capture, notes_start = scope
        profile_events = capture.stop() if capture is not None else None
        notes = self._warning_scope.notes[notes_start:]
        if capture is not None and capture.truncated:
            notes.append(f"profiler: stopped after the first {self.profile_max_records:,} events, to keep "
                         "memory and this report small; the table covers the start of the input "
                         "(%profile limit N changes the limit)")
        if profile_events is not None and len(profile_events):
            self.last_profile_events = profile_events
        else:
            profile_events = None
        if not self.lens.parts():
            return None
        tensor_types = self.tensor_types()
        report = build_report(
            before, Snapshot(self.namespace), lens=self.lens, execution_count=self.execution_count,
            profile_events=profile_events, notes=notes,
            statement=unit.source if self.lens.statements else None,
            result=result if tensor_types and isinstance(result, tensor_types) else None)
        if report is not None:
            outcome.report = report
            if send:
                self._send_report(report, events)
        return report

    def _send_report(self, report, events):
        self._flush_streams()
        events.report(render_bundle(report), {})

    def _user_expressions(self, expressions):
        results = {}
        for name, expression in expressions.items():
            try:
                data, metadata = format_bundle(eval(expression, self.namespace))
                results[name] = {"status": "ok", "data": data, "metadata": metadata}
            except Exception as error:  # noqa: BLE001 - reported to the client, like ipykernel
                ename, evalue, lines = runner.format_exception(error)
                results[name] = {"status": "error", "ename": ename, "evalue": evalue, "traceback": lines}
        return results

    @contextlib.contextmanager
    def _running(self, events):
        """Redirect streams, warnings, input and SIGINT to this input for its duration."""
        capture = OutputCapture(events)
        saved_main = sys.modules.get("__main__")
        saved_input, saved_getpass = builtins.input, getpass.getpass
        in_main_thread = threading.current_thread() is threading.main_thread()
        saved_sigint = signal.signal(signal.SIGINT, self._on_sigint) if in_main_thread else None
        with self._state_lock:
            self._running_thread = threading.current_thread()
        self._events, self._capture = capture.events, capture
        sys.modules["__main__"] = self._main_module  # pickle and dataclasses look user classes up here
        route_ipython_display(*self._display_functions)
        builtins.input, getpass.getpass = self._input, self._getpass
        try:
            with capture, self._warnings.capture(capture.stderr) as scope:
                self._warning_scope = scope
                yield capture.events
        finally:
            builtins.input, getpass.getpass = saved_input, saved_getpass
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
            self._events = self._capture = None
            with self._state_lock:
                self._running_thread = None
            if in_main_thread:
                signal.signal(signal.SIGINT, saved_sigint)

    @contextlib.contextmanager
    def callback_scope(self):
        """User code the front end triggers between inputs (a widget's callback on a comm message):
        an interrupt stops it as it would stop a cell, so a stuck callback cannot hang the kernel."""
        in_main_thread = threading.current_thread() is threading.main_thread()
        saved_sigint = signal.signal(signal.SIGINT, self._on_sigint) if in_main_thread else None
        with self._state_lock:
            busy = self._running_thread is not None
            if not busy:
                self._running_thread, self._interruptible = threading.current_thread(), True
        try:
            yield
        finally:
            with self._state_lock:
                if not busy:
                    self._running_thread, self._interruptible = None, False
            if in_main_thread:
                signal.signal(signal.SIGINT, saved_sigint)

    def _on_sigint(self, signum, frame):
        # SIGINT while user code runs interrupts it; while the service itself works, no
        # KeyboardInterrupt may escape into the front end, so it waits for the input's code instead.
        # (No lock here: this handler runs in the thread that may hold it.)
        if self._interruptible:
            self._signal_unanswered = False
            raise KeyboardInterrupt
        self._interrupt_pending = True

    def interrupt(self, *, when_code_starts=False):
        """Raise KeyboardInterrupt in the thread running user code; no-op when idle.

        With when_code_starts, an input whose code has not begun yet (or a next statement of it)
        is interrupted as soon as its code begins; the flag dies with the input.
        """
        with self._state_lock:
            thread = self._running_thread
            if thread is None or not self._interruptible:
                if when_code_starts:
                    self._interrupt_pending = True
                return
            if thread is threading.main_thread():
                # A real signal (not _thread.interrupt_main) so that blocking calls like sleep wake up.
                signal.pthread_kill(thread.ident, signal.SIGINT)
                if not self._signal_unanswered:
                    self._signal_unanswered = True
                    threading.Thread(target=self._repeat_unanswered_signal, args=(thread.ident,),
                                     name="gradtrace-interrupt", daemon=True).start()
            else:
                import ctypes
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                           ctypes.py_object(KeyboardInterrupt))

    def _repeat_unanswered_signal(self, thread_ident):
        # A signal that lands just before a blocking call enters the kernel (time.sleep checks for
        # signals only after the call is interrupted) is noticed only when the call ends, maybe in
        # minutes. So it is sent again until the handler has raised, or the code has ended.
        while True:
            time.sleep(_SIGNAL_REPEAT_S)
            with self._state_lock:
                if not (self._signal_unanswered and self._interruptible):
                    self._signal_unanswered = False
                    return
                signal.pthread_kill(thread_ident, signal.SIGINT)

    def forget_interrupt(self):
        """Drop an interrupt that is waiting for code to begin (its input is over)."""
        with self._state_lock:
            self._interrupt_pending = False

    # -- completion, inspection, is_complete, history ---------------------------------------------------
    def complete(self, code, cursor_pos=None):
        """complete_reply content: jedi over the live namespace, answered within ~200 ms."""
        if cursor_pos is None:
            cursor_pos = len(code)
        line_start = code.rfind("\n", 0, cursor_pos) + 1
        before = code[line_start:cursor_pos]
        if before.startswith("%") and before[1:].isidentifier() or before == "%":
            matches = ["%" + name for name in self._magics.names() if name.startswith(before[1:])]
            return {"matches": matches, "cursor_start": line_start, "cursor_end": cursor_pos, "metadata": {}}
        return self._completer.complete(code, cursor_pos)

    def inspect(self, code, cursor_pos=None, detail_level=0):
        """inspect_reply content: a tensor's autograd state, or an object's signature and docstring."""
        if cursor_pos is None:
            cursor_pos = len(code)
        expression = expression_at_cursor(code, cursor_pos)
        try:
            obj = resolve(expression, self.namespace)
        except KeyError:
            return {"found": False, "data": {}, "metadata": {}}
        text = describe(expression, obj, detail_level, self.tensor_names())
        return {"found": True, "data": {"text/plain": text}, "metadata": {}}

    def is_complete(self, code):
        """is_complete_reply content: complete, incomplete (with indent) or invalid."""
        return _is_complete(code)

    def history(self, hist_access_type, *, output=False, raw=True, session=None, start=None, stop=None,
                n=None, pattern=None, unique=False):
        """history_reply entries: (session, line, input), or (session, line, (input, output))."""
        if hist_access_type == "tail":
            return self._history.tail(10 if n is None else n, raw=raw, output=output)
        if hist_access_type == "range":
            return self._history.range(session, start, stop, raw=raw, output=output)
        if hist_access_type == "search":
            return self._history.search(pattern or "*", raw=raw, output=output, n=n, unique=unique)
        return []

    def shutdown(self):
        """Flush and close the history; the service must not be used afterwards."""
        self._history.close()
