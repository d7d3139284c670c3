"""Key bindings of the input prompt: Enter decided by is-complete, Tab, Ctrl-C, Ctrl-D.

The decision of what Enter does is a plain function (`enter_action`) so it can be tested without a
terminal; the bindings only apply it to the buffer.
"""
from prompt_toolkit.filters import Condition, is_searching
from prompt_toolkit.key_binding import KeyBindings

INDENT = "    "


def enter_action(text, is_complete):
    """What Enter does to `text`: ("submit", None) or ("newline", indent).

    `is_complete(code)` returns an is_complete_reply content; it is only asked when the text
    alone does not settle it. A blank last line ends a multi-line block, as in IPython.
    """
    if not text.strip():
        return ("submit", None)
    lines = text.split("\n")
    if len(lines) > 1 and not lines[-1].strip():
        return ("submit", None)
    reply = is_complete(text) or {}
    if reply.get("status") == "incomplete":
        indent = reply.get("indent")
        if indent is None:
            indent = _indent_after(lines[-1])
        return ("newline", indent)
    return ("submit", None)  # complete, invalid (the error shows) or unknown


def _indent_after(line):
    """The indentation a new line after `line` gets when the service gave none."""
    stripped = line.rstrip()
    current = line[: len(line) - len(line.lstrip())]
    return current + INDENT if stripped.endswith(":") else current


def fallback_is_complete(code):
    """is_complete_reply content decided here with codeop, for when the service is too slow."""
    import codeop
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for invalid escapes
            compiled = codeop.compile_command(code, "<input>", "exec")
    except (SyntaxError, OverflowError, ValueError):
        return {"status": "invalid"}
    if compiled is None:
        return {"status": "incomplete", "indent": _indent_after(code.split("\n")[-1])}
    last = code.split("\n")[-1]
    if last[:1].isspace() or last.rstrip().endswith(":"):
        # An indented last line means a block is still open (codeop only closes it on a blank line).
        return {"status": "incomplete", "indent": _indent_after(last)}
    return {"status": "complete"}


def build_key_bindings(is_complete):
    """The REPL's bindings; `is_complete(code)` is the transport's (bounded) is-complete."""
    bindings = KeyBindings()

    @bindings.add("enter", filter=~is_searching)
    def _enter(event):
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None:
            if state.current_completion is not None:
                buffer.apply_completion(state.current_completion)
                return
            buffer.cancel_completion()
        document = buffer.document
        if not document.is_cursor_at_the_end and "\n" in document.text:
            # Editing inside a block: Enter splits the line, it does not run the block.
            buffer.insert_text("\n" + _indent_after(document.current_line_before_cursor))
            return
        action, indent = enter_action(buffer.text, is_complete)
        if action == "newline":
            buffer.insert_text("\n" + indent)
            return
        if "\n" in buffer.text:
            # Drop the blank line (and indentation) that ended the block.
            buffer.text = buffer.text.rstrip()
        buffer.validate_and_handle()

    line_is_blank_before_cursor = Condition(
        lambda: not _current_buffer().document.current_line_before_cursor.strip())

    @bindings.add("tab", filter=~is_searching & line_is_blank_before_cursor)
    def _indent(event):
        event.current_buffer.insert_text(INDENT)

    @bindings.add("tab", filter=~is_searching & ~line_is_blank_before_cursor)
    def _complete(event):
        buffer = event.current_buffer
        if buffer.complete_state:
            buffer.complete_next()
        else:
            buffer.start_completion(insert_common_part=True)

    buffer_is_empty = Condition(lambda: not _current_buffer().text)

    @bindings.add("c-d", filter=~is_searching & buffer_is_empty)
    def _leave(event):
        # The REPL asks before leaving; vi mode would otherwise take Ctrl-D for itself.
        event.app.exit(exception=EOFError, style="class:exiting")

    @bindings.add("c-c", filter=~is_searching)
    def _clear(event):
        # At the prompt Ctrl-C abandons the line (code that runs gets a KeyboardInterrupt instead).
        event.current_buffer.reset()

    return bindings


def _current_buffer():
    from prompt_toolkit.application.current import get_app
    return get_app().current_buffer
