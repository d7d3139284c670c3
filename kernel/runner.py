"""Compiling and running one input: statements, the last bare expression, and clean tracebacks."""
import ast
import linecache
import os
import traceback
from dataclasses import dataclass

_KERNEL_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_ENGINE_DIR = os.path.join(os.path.dirname(_KERNEL_DIR.rstrip(os.sep)), "engine") + os.sep


_INPUT_PREFIX = "<gradtrace-input-"


def input_filename(number):
    """The pseudo file name of input `number`, as tracebacks and warnings show it."""
    return f"{_INPUT_PREFIX}{number}>"


def register_source(filename, source):
    """Make `source` visible to linecache so tracebacks and warnings show the lines of an input."""
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(source), None, lines, filename)  # mtime None: never invalidated


@dataclass
class Unit:
    """A piece of an input to run: statements, then an optional last expression whose value is shown."""
    statements: ast.Module
    expression: ast.Expression = None
    source: str = ""

    def only_calls(self, function_names):
        """True when the unit does nothing but call these functions (a magic or help line)."""
        nodes = [stmt.value if isinstance(stmt, ast.Expr) else stmt for stmt in self.statements.body]
        if self.expression is not None:
            nodes.append(self.expression.body)
        return bool(nodes) and all(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                                   and node.func.id in function_names for node in nodes)


class InputCompiler:
    """Parses inputs into Units and compiles them, remembering `from __future__` imports across inputs."""

    def __init__(self):
        self.flags = 0

    def parse(self, source, filename, per_statement=False):
        """Units of `source`: the whole input as one, or one per top-level statement."""
        module = ast.parse(source, filename, "exec")
        self._note_future_imports(module)
        lines = source.splitlines()
        if per_statement:
            units = [self._unit([stmt], lines) for stmt in module.body]
            return units or [Unit(ast.Module([], []))]
        return [self._unit(module.body, lines)]

    def _unit(self, body, lines):
        expression = None
        if body and isinstance(body[-1], ast.Expr):
            expression = ast.Expression(body[-1].value)
            body = body[:-1]
        statements = ast.Module(body, [])
        nodes = body or ([expression.body] if expression else [])
        text = ""
        if nodes:
            first = nodes[0].lineno - 1
            last = (expression.body if expression else nodes[-1]).end_lineno
            text = "\n".join(lines[first:last])
        return Unit(statements, expression, text)

    def _note_future_imports(self, module):
        import __future__
        for node in module.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                for alias in node.names:
                    feature = getattr(__future__, alias.name, None)
                    if feature is not None:
                        self.flags |= feature.compiler_flag

    def run(self, unit, filename, namespace):
        """Execute a unit in `namespace`; the value of its last expression, or None when it has none."""
        if unit.statements.body:
            exec(compile(unit.statements, filename, "exec", self.flags, True), namespace)
        if unit.expression is not None:
            return True, eval(compile(unit.expression, filename, "eval", self.flags, True), namespace)
        return False, None


def format_exception(error, *, full=False):
    """(ename, evalue, traceback lines) with the service's own frames removed.

    Frames of gradtrace's kernel never show; trailing frames inside gradtrace's engine are cut too, so
    an engine error reads like PyTorch's, raised at the user's line. `full=True` keeps the engine frames.
    """
    summary = traceback.TracebackException(type(error), error, error.__traceback__, compact=True)
    _clean(summary, full, set())
    text = "".join(summary.format())
    return type(error).__name__, str(error), text.rstrip("\n").split("\n")


def _clean(summary, full, seen):
    if summary is None or id(summary) in seen:
        return
    seen.add(id(summary))
    frames = list(summary.stack)
    # Everything above the first frame of an input is the service calling in (or, for a
    # SyntaxError, the service parsing): none of it is the user's.
    first = next((i for i, f in enumerate(frames) if f.filename.startswith(_INPUT_PREFIX)), len(frames))
    frames = [f for f in frames[first:]
              if not f.filename.startswith(_KERNEL_DIR) and not f.filename.startswith("<frozen importlib")]
    if not full:
        while len(frames) > 1 and frames[-1].filename.startswith(_ENGINE_DIR):
            frames.pop()
    summary.stack = traceback.StackSummary.from_list(frames)
    _clean(summary.__cause__, full, seen)
    _clean(summary.__context__, full, seen)
