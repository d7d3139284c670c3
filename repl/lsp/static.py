"""Static analysis of the document with jedi: what needs no running service.

jedi is not thread-safe (two Scripts at once can break its compiled-module access), so every call
runs on one thread; callers bound their wait, and a call whose caller gave up before it started is
dropped. A call that runs over keeps going (jedi cannot be stopped) and warms jedi's caches.
"""
import threading
import time

from ..transport import keep_sigint_off_this_thread
from .jobs import JobQueue

_jobs = JobQueue()
_thread = None
_start_lock = threading.Lock()


def _serve():
    keep_sigint_off_this_thread()
    _jobs.serve()


def submit(fn, *args, timeout=None):
    """Run fn(*args) on jedi's thread (dropped if not started within `timeout` s); a concurrent Future."""
    global _thread
    with _start_lock:
        if _thread is None:
            _thread = threading.Thread(target=_serve, name="gradtrace-jedi", daemon=True)
            _thread.start()
    return _jobs.submit(fn, *args, deadline=None if timeout is None else time.monotonic() + timeout)


def _script(source, path):
    import jedi
    # This Python's own environment, read in-process: jedi's default inspects compiled modules
    # through a subprocess, which makes each call several times slower and its first one ~1 s.
    return jedi.Script(source, path=path, environment=jedi.InterpreterEnvironment())


def completions(source, path, line, column):
    """[(name, jedi type, cursor offset back to the name's start)] at 1-based line, 0-based column."""
    return [(c.name, c.type, c.get_completion_prefix_length())
            for c in _script(source, path).complete(line, column)]


def signatures(source, path, line, column):
    """[(label, [parameter labels], docstring, active parameter index)] of the call around the cursor."""
    found = []
    for sig in _script(source, path).get_signatures(line, column):
        params = [p.to_string() for p in sig.params]
        label = f"{sig.name}({', '.join(params)})"
        found.append((label, params, sig.docstring(raw=True), sig.index))
    return found


def definitions(source, path, line, column):
    """[(module path, or None for this document when it has none, 1-based line, column)] of the
    definitions of the name at the cursor."""
    return [(d.module_path, d.line, d.column)
            for d in _script(source, path).goto(line, column, follow_imports=True) if d.line is not None]


def help_text(source, path, line, column):
    """(signature lines, docstring) of the name at the cursor, or None when jedi knows nothing."""
    for name in _script(source, path).help(line, column):
        signatures = [s.to_string() for s in name.get_signatures()]
        doc = name.docstring(raw=True)
        if signatures or doc:
            return "\n".join(signatures), doc
        return f"{name.name}: {name.type}", ""
    return None
