"""Static analysis of the document with jedi: what needs no running service.

Callers bound the wait; a call that runs over keeps going in the background (jedi cannot be
stopped), and warms jedi's caches for the next. The first look into a big package (real torch:
~10 s) must not hold up every later request, so calls get a few threads rather than one; each
builds its own jedi.Script and shares only parso's module cache.
"""
import concurrent.futures

from ..transport import keep_sigint_off_this_thread

_worker = concurrent.futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix="gradtrace-jedi",
                                                initializer=keep_sigint_off_this_thread)


def submit(fn, *args):
    """Run fn(*args) on a jedi thread; a concurrent Future."""
    return _worker.submit(fn, *args)


def _script(source, path):
    import jedi
    return jedi.Script(source, path=path)


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
    """[(module path, 1-based line, column)] of the definitions of the name at the cursor."""
    return [(d.module_path, d.line, d.column)
            for d in _script(source, path).goto(line, column, follow_imports=True)
            if d.module_path is not None and d.line is not None]


def help_text(source, path, line, column):
    """(signature lines, docstring) of the name at the cursor, or None when jedi knows nothing."""
    for name in _script(source, path).help(line, column):
        signatures = [s.to_string() for s in name.get_signatures()]
        doc = name.docstring(raw=True)
        if signatures or doc:
            return "\n".join(signatures), doc
        return f"{name.name}: {name.type}", ""
    return None
