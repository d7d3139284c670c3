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
import types
from dataclasses import dataclass, field

from . import kernel_info, runner
from .capture import OutputCapture, WarningCapture
from .completeness import is_complete as _is_complete
from .completion import Completer
from .display import flush_figures, format_bundle, make_display_functions
from .history import HistoryStore
from .input_transform import HELP_FUNCTION, MAGIC_FUNCTION, transform_input
from .inspection import describe, expression_at_cursor, resolve
from .magics import MagicCommands, UsageError
from .report import PROFILE_MAX_RECORDS, Lens, Snapshot, build_report, tensor_and_module_types
from .report_render import render_bundle
from .torch_alias import TorchImporter, describe_torch, resolve_torch_mode


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
_ENGINE = "gradtrace.engine"


class LanguageService:
    """Runs Python inputs in a persistent namespace and reports what autograd did after each."""

    def __init__(self, *, torch_mode=None, history_path=None):
        self.torch_mode = resolve_torch_mode(torch_mode)
        self._importer = TorchImporter(self.torch_mode)
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
        self._waiting_scope = None    # the running input's report scope while its profile waits for the engine

    # -- the namespace's builtins ----------------------------------------------------------------
    def _user_builtins(self):
        display, clear_output = make_display_functions(lambda: self._events, self._flush_streams)
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
        if self._capture is not None:
            self._capture.flush()

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
        if isinstance(self.namespace.get("torch"), types.ModuleType):
            self.namespace["torch"] = self._importer.import_torch()

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
        return outcome

    def _run_units(self, code, filename, events, outcome, *, silent, store):
        source = transform_input(code)
        runner.register_source(filename, source)
        units = self._compiler.parse(source, filename, per_statement=self.lens.statements and not silent)
        for index, unit in enumerate(units):
            last = index == len(units) - 1
            # Magics look at the last input's graph and profile: they are not new work to report.
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

    def _run_user_code(self, unit, filename):
        with self._state_lock:
            self._interruptible = True
        try:
            return self._compiler.run(unit, filename, self.namespace)
        finally:
            with self._state_lock:
                self._interruptible = False

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
            self._history.store_output(count, data["text/plain"])
        self._flush_streams()
        events.execute_result(self.execution_count, data, metadata)

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

    def _on_sigint(self, signum, frame):
        # SIGINT while user code runs interrupts it; while the service itself works, it is dropped
        # so that no KeyboardInterrupt escapes into the front end.
        if self._interruptible:
            raise KeyboardInterrupt

    def interrupt(self):
        """Raise KeyboardInterrupt in the thread running user code; no-op when idle."""
        with self._state_lock:
            thread = self._running_thread
            if thread is None or not self._interruptible:
                return
            if thread is threading.main_thread():
                # A real signal (not _thread.interrupt_main) so that blocking calls like sleep wake up.
                signal.pthread_kill(thread.ident, signal.SIGINT)
            else:
                import ctypes
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                           ctypes.py_object(KeyboardInterrupt))

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
