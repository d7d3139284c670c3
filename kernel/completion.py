"""Completion over the live namespace with jedi, bounded in time, with a dir()-based fallback."""
import keyword
import queue
import re
import threading

from .inspection import resolve

TIME_LIMIT = 0.2   # seconds a complete request may take
_ATTRIBUTE_CONTEXT = re.compile(r"([A-Za-z_][\w.]*)\.(\w*)$")
_NAME_CONTEXT = re.compile(r"(\w*)$")


class Completer:
    """complete(code, cursor_pos) -> Jupyter complete_reply content, within TIME_LIMIT seconds."""

    def __init__(self, namespace):
        self._namespace = namespace
        self._requests = queue.Queue()
        self._worker = None
        self._busy = threading.Event()

    def _ensure_worker(self):
        if self._worker is None:
            self._worker = threading.Thread(target=self._serve, name="gradtrace-completion", daemon=True)
            self._worker.start()

    def _serve(self):
        while True:
            code, cursor_pos, answer = self._requests.get()
            try:
                answer.put(self._jedi_completions(code, cursor_pos))
            except Exception:  # noqa: BLE001 - jedi failures fall back to dir()
                answer.put(None)
            finally:
                self._busy.clear()

    def _jedi_completions(self, code, cursor_pos):
        import jedi
        before = code[:cursor_pos]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1)
        found = []
        for completion in jedi.Interpreter(code, [self._namespace]).complete(line, column):
            start = cursor_pos - completion.get_completion_prefix_length()
            found.append((start, code[start:cursor_pos] + completion.complete, completion.type))
        return found

    def complete(self, code, cursor_pos=None):
        """{"matches", "cursor_start", "cursor_end", "metadata"} for the text before `cursor_pos`."""
        if cursor_pos is None:
            cursor_pos = len(code)
        jedi_found = None
        if not self._busy.is_set():  # a jedi call still running from an earlier request: don't queue
            self._ensure_worker()
            self._busy.set()
            answer = queue.Queue()
            self._requests.put((code, cursor_pos, answer))
            try:
                jedi_found = answer.get(timeout=TIME_LIMIT)
            except queue.Empty:
                jedi_found = None
        found = list(jedi_found or [])
        found.extend(self._live_completions(code[:cursor_pos], cursor_pos))
        return _reply(code, cursor_pos, found)

    def _live_completions(self, before, cursor_pos):
        """Attributes of the live object before a dot, or names in scope: always fast, never executes calls."""
        match = _ATTRIBUTE_CONTEXT.search(before)
        if match:
            try:
                obj = resolve(match.group(1), self._namespace)
            except KeyError:
                return []
            prefix = match.group(2)
            names = dir(obj)
        else:
            prefix = _NAME_CONTEXT.search(before).group(1)
            if not prefix:
                return []
            builtins = self._namespace.get("__builtins__", {})
            names = list(self._namespace) + (list(builtins) if isinstance(builtins, dict) else [])
            names += keyword.kwlist
        if not prefix.startswith("_"):
            names = [n for n in names if not n.startswith("_")]
        start = cursor_pos - len(prefix)
        return [(start, n, None) for n in names if n.startswith(prefix)]


def _reply(code, cursor_pos, found):
    """Matches sharing one cursor_start (IPython's rule: widen each to the smallest start)."""
    if not found:
        return {"matches": [], "cursor_start": cursor_pos, "cursor_end": cursor_pos, "metadata": {}}
    start = min(s for s, _, _ in found)
    matches, types = [], []
    seen = set()
    for s, text, kind in found:
        text = code[start:s] + text
        if text not in seen:
            seen.add(text)
            matches.append(text)
            types.append({"start": start, "end": cursor_pos, "text": text, "type": kind or "<unknown>"})
    return {"matches": matches, "cursor_start": start, "cursor_end": cursor_pos,
            "metadata": {"_jupyter_types_experimental": types}}
