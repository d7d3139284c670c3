"""is_complete: whether an input is ready to run, needs more lines (with their indent), or cannot parse."""
import codeop
import warnings

from .input_transform import transform_input

INDENT = 4
_DEDENT_WORDS = ("return", "pass", "break", "continue", "raise")


def _next_indent(source):
    """The indent of the next line after `source`, like IPython's suggestion."""
    lines = [line for line in source.split("\n") if line.strip()]
    if not lines:
        return ""
    last = lines[-1]
    width = len(last) - len(last.lstrip())
    code = last.split("#", 1)[0].rstrip()
    if code.endswith(":"):
        width += INDENT
    elif code.lstrip().split(" ", 1)[0] in _DEDENT_WORDS:
        width = max(0, width - INDENT)
    return " " * width


def is_complete(code):
    """{"status": "complete"|"incomplete"|"invalid"} with "indent" (a string) when incomplete."""
    source = transform_input(code)
    if not source.strip():
        return {"status": "complete"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled = codeop.compile_command(source.rstrip("\n") if not source.endswith("\n\n") else source,
                                              "<input>", "exec")
    except (SyntaxError, OverflowError, ValueError):
        return {"status": "invalid"}
    if compiled is None:
        return {"status": "incomplete", "indent": _next_indent(source)}
    # A block whose last line is indented may go on, until the user enters a blank line.
    lines = source.rstrip(" \t").split("\n")
    ends_with_blank = len(lines) > 1 and not lines[-1].strip()
    content = [line for line in lines if line.strip()]
    if not ends_with_blank and content and content[-1][:1] in (" ", "\t"):
        return {"status": "incomplete", "indent": _next_indent(source)}
    return {"status": "complete"}
