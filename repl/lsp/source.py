"""The text side of a run: which lines run, where an error was raised, which lines bound which names."""
import ast
import re
import textwrap

CELL_MARKER = re.compile(r"^\s*#\s*%%")
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def selected_lines(lines, start_line, end_line, end_character):
    """(first, stop) of the whole lines a selection covers; a selection ending at column 0 of a
    later line stops before that line, as editors mean it."""
    stop = end_line + 1
    if end_line > start_line and end_character == 0:
        stop = end_line
    return max(0, start_line), min(len(lines), stop)


def cell_around(lines, line):
    """(first, stop) of the `# %%` cell holding `line`: after the marker above (or the top),
    up to the next marker (or the end); the whole document when it has no markers."""
    first = 0
    for index in range(min(line, len(lines) - 1), -1, -1):
        if CELL_MARKER.match(lines[index]):
            first = index + 1
            break
    stop = len(lines)
    for index in range(max(line + 1, first), len(lines)):
        if CELL_MARKER.match(lines[index]):
            stop = index
            break
    return first, stop


def code_of(lines, first, stop):
    """The code of lines[first:stop], dedented so a selection inside a block runs on its own."""
    return textwrap.dedent("".join(lines[first:stop]))


def raised_at(traceback_lines, filename):
    """The 1-based line of the innermost frame in `filename` (the run's input), or None."""
    found = None
    for line in traceback_lines:
        for match in _FRAME.finditer(line):
            if match.group("file") == filename:
                found = int(match.group("line"))
    return found


class _Bindings(ast.NodeVisitor):
    """name -> last line (0-based) of the last statement that binds it in the module's own scope."""

    def __init__(self):
        self.lines = {}
        self._statement = None

    def generic_visit(self, node):
        if isinstance(node, ast.stmt):
            outer, self._statement = self._statement, node
            super().generic_visit(node)
            self._statement = outer
        else:
            super().generic_visit(node)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store) and self._statement is not None:
            self.lines[node.id] = self._statement.end_lineno - 1 if not _is_block(self._statement) \
                else node.lineno - 1

    def _bind_scope_name(self, node):
        self.lines[node.name] = node.lineno - 1  # the def/class line; its body is another scope

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _bind_scope_name

    def visit_Lambda(self, node):
        """A lambda's parameters are its own."""

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda


def _is_block(statement):
    return hasattr(statement, "body")  # for/with/if/try: the binding is on the header line


def binding_lines(code):
    """{name: 0-based line} of the last top-level binding of each name in `code` ({} if it does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return {}
    visitor = _Bindings()
    visitor.visit(tree)
    return visitor.lines


_CALLEE = re.compile(r"[A-Za-z_][\w.]*$")
_CALL_SEARCH_CHARS = 2000  # how far back signature help looks for the open call


def call_at(before):
    """(callee dotted name, index of the argument being typed) of the call the text ends inside, or None."""
    depth, commas = 0, 0
    text = before[-_CALL_SEARCH_CHARS:]
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                if char != "(":
                    return None
                match = _CALLEE.search(text[:index])
                return (match.group().rstrip("."), commas) if match else None
            depth -= 1
        elif char == "," and depth == 0:
            commas += 1
    return None
