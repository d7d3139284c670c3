"""IPython-style input syntax turned into plain Python: `%magic args`, `obj?`, `obj??`, bare `exit`.

Code that parses as Python is left alone; only inputs that fail to parse get their magic and help
lines rewritten into calls of `__gradtrace_magic__` / `__gradtrace_help__`, which the service puts
in the namespace's builtins.
"""
import ast
import re

MAGIC_FUNCTION = "__gradtrace_magic__"
HELP_FUNCTION = "__gradtrace_help__"

_MAGIC_LINE = re.compile(r"^(?P<indent>[ \t]*)%(?P<name>[A-Za-z_]\w*)[ \t]*(?P<args>.*?)[ \t]*$")
_HELP_OBJECT = r"[A-Za-z_][\w.]*(?:\[[^\]]*\])*(?:\.[A-Za-z_]\w*)*"
_HELP_SUFFIX = re.compile(rf"^(?P<indent>[ \t]*)(?P<obj>{_HELP_OBJECT})[ \t]*(?P<marks>\?\??)[ \t]*$")
_HELP_PREFIX = re.compile(rf"^(?P<indent>[ \t]*)(?P<marks>\?\??)[ \t]*(?P<obj>{_HELP_OBJECT})[ \t]*$")
_EXIT_WORDS = ("exit", "quit")


def transform_line(line):
    """One line with magic/help syntax rewritten as a call; other lines unchanged."""
    match = _MAGIC_LINE.match(line)
    if match:
        return f"{match['indent']}{MAGIC_FUNCTION}({match['name']!r}, {match['args']!r})"
    match = _HELP_SUFFIX.match(line) or _HELP_PREFIX.match(line)
    if match:
        return f"{match['indent']}{HELP_FUNCTION}({match['obj']!r}, {len(match['marks']) - 1})"
    return line


def transform_input(code):
    """The Python source to run for an input as typed."""
    stripped = code.strip()
    if stripped in _EXIT_WORDS:
        return stripped + "()"
    try:
        ast.parse(code)
        return code
    except SyntaxError:
        pass
    except ValueError:  # null bytes: let compile() report it
        return code
    return "\n".join(transform_line(line) for line in code.split("\n"))
