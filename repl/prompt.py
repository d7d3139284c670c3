"""Builds the input prompt: PromptSession with highlighting, history, suggestions and completion."""
import os
import sys

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.lexers import DynamicLexer, PygmentsLexer
from prompt_toolkit.shortcuts import CompleteStyle
from prompt_toolkit.styles import Style

from gradtrace.kernel.private_files import data_dir, prepare_private_file

from .keys import build_key_bindings

HISTORY_ENV = "GRADTRACE_HISTORY_FILE"

_STYLE = Style.from_dict({
    "in": "ansigreen",
    "in-number": "ansigreen bold",
    "continuation": "ansigreen",
})


def history_path():
    """Where the prompt's history lives: $GRADTRACE_HISTORY_FILE, else the user's data dir."""
    override = os.environ.get(HISTORY_ENV)
    if override:
        return override
    return os.path.join(data_dir(), "repl_history")


def open_history(path):
    """A FileHistory at `path`, or an in-memory one (with a warning) when the file can't be used."""
    try:
        prepare_private_file(path)  # what the user typed: 0600 in a 0700 directory
        return FileHistory(path)
    except OSError as error:
        print(f"gradtrace: history will not be saved: cannot write {path} ({error.strerror}).",
              file=sys.stderr)
        return InMemoryHistory()


class TransportCompleter(Completer):
    """Completions from the language service, local or remote (the transport bounds the wait)."""

    def __init__(self, get_transport):
        self._get_transport = get_transport

    def get_completions(self, document, complete_event):
        cursor = document.cursor_position
        reply = self._get_transport().complete(document.text, cursor)
        if not reply:
            return
        start = reply.get("cursor_start", cursor)
        types = {}
        for item in (reply.get("metadata") or {}).get("_jupyter_types_experimental", []):
            if isinstance(item, dict) and "text" in item:
                types[item["text"]] = item.get("type", "")
        seen = set()
        for match in reply.get("matches", []):
            if match in seen:
                continue
            seen.add(match)
            yield Completion(match, start_position=start - cursor, display_meta=_meta_text(types.get(match, "")))


def _meta_text(kind):
    """The completion's kind for the menu; jedi's "<unknown>" says nothing, so it shows as nothing."""
    return "" if kind in ("", "<unknown>") else kind


class _LateHighlighting:
    """Python highlighting that loads pygments' lexer after the first prompt is drawn.

    The first prompt is empty, so nothing is lost, and the time to it (a measured promise) does
    not include pygments' import.
    """

    def __init__(self):
        self.lexer = None

    def load(self, app):
        app.after_render -= self.load
        from pygments.lexers.python import PythonLexer
        self.lexer = PygmentsLexer(PythonLexer)
        app.invalidate()


def _prompt_message(next_count):
    def message():
        return [("class:in", "In ["), ("class:in-number", str(next_count())), ("class:in", "]: ")]
    return message


def _continuation(width, line_number, wrap_count):
    return [("class:continuation", " " * max(width - 5, 0) + "...: ")]


def build_session(get_transport, next_count, *, vi_mode=False, history=None, input=None, output=None):
    """The PromptSession; `get_transport()` and `next_count()` are read each time they are needed."""
    def is_complete(code):
        return get_transport().is_complete(code)

    highlighting = _LateHighlighting()
    session = PromptSession(
        message=_prompt_message(next_count),
        prompt_continuation=_continuation,
        multiline=True,  # Enter is decided by keys.enter_action, not by prompt_toolkit
        lexer=DynamicLexer(lambda: highlighting.lexer),
        style=_STYLE,
        history=history if history is not None else open_history(history_path()),
        enable_history_search=False,  # Up walks history line by line; Ctrl-R searches
        auto_suggest=AutoSuggestFromHistory(),
        completer=TransportCompleter(get_transport),
        complete_while_typing=False,
        complete_style=CompleteStyle.COLUMN,
        key_bindings=build_key_bindings(is_complete),
        vi_mode=vi_mode,
        include_default_pygments_style=True,
        input=input,
        output=output,
    )
    session.app.after_render += highlighting.load
    return session
