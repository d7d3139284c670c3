"""Render the per-input autograd Report for the terminal, as ANSI colour or plain text.

The Report arrives as the JSON value of the `application/vnd.gradtrace.report+json` bundle entry,
from the in-process language service or from a kernel over iopub alike, so this module is the one
place that decides how the terminal shows it. Missing keys are tolerated: a kernel of another
version may send fewer fields.
"""
import os

REPORT_MIME = "application/vnd.gradtrace.report+json"

# How many profiler rows the compact table shows; the report's `table` holds them all.
PROFILE_TOP_ROWS = 5

_LABEL_WIDTH = 7  # "profile" is the longest section label

_STYLES = {
    "label": "\x1b[2m",        # dim
    "name": "\x1b[1;36m",      # bold cyan
    "chain": "\x1b[35m",       # magenta
    "meta": "\x1b[2m",
    "time": "\x1b[33m",        # yellow
    "note": "\x1b[33m",
    "statement": "\x1b[1m",
}
_RESET = "\x1b[0m"


def use_color(stream):
    """Whether to colour output written to `stream`: a TTY, and NO_COLOR unset or empty."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def format_time_us(us):
    """A duration in microseconds the way torch's profiler table writes it (`_format_time`)."""
    us = float(us)
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class _Painter:
    """Wraps text in ANSI styles, or leaves it alone when colour is off."""

    def __init__(self, color):
        self.color = color

    def __call__(self, style, text):
        if not self.color or not text:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


def render_report(report, *, color=False):
    """The Report as terminal text (no trailing newline); '' when it has nothing to show."""
    if not isinstance(report, dict):
        return ""
    paint = _Painter(color)
    lines = []
    statement = report.get("statement")
    if statement:
        lines.append(paint("statement", "» " + _first_line(statement)))
    lines += _section(paint, "bound", _bound_lines(paint, report.get("bound") or []))
    lines += _section(paint, "grads", _grad_lines(paint, report.get("grads") or []))
    lines += _section(paint, "profile", _profile_lines(paint, report.get("profile") or {}))
    lines += _section(paint, "notes", [paint("note", str(n)) for n in report.get("notes") or []])
    if statement and len(lines) == 1:
        return ""
    return "\n".join(lines)


def _section(paint, label, body):
    """Prefix the first body line with the section label and indent the rest under it."""
    if not body:
        return []
    pad = " " * (_LABEL_WIDTH + 2)
    out = [paint("label", label.ljust(_LABEL_WIDTH)) + "  " + body[0]]
    out += [pad + line if line else line for line in body[1:]]
    return out


def _first_line(text):
    text = str(text).strip()
    first = text.splitlines()[0] if text else ""
    return first + (" ..." if "\n" in text else "")


def _hanging(head, text):
    """`head` followed by a possibly multi-line `text`, continuation lines aligned under it."""
    lines = str(text).splitlines() or [""]
    indent = " " * _visible_len(head)
    return [head + lines[0]] + [indent + line for line in lines[1:]]


def _visible_len(text):
    """Length without ANSI escape sequences."""
    length, i = 0, 0
    while i < len(text):
        if text[i] == "\x1b":
            end = text.find("m", i)
            i = len(text) if end < 0 else end + 1
            continue
        length += 1
        i += 1
    return length


def _shape_text(shape):
    if shape is None:
        return None
    if isinstance(shape, (list, tuple)):
        return "[" + ", ".join(str(s) for s in shape) + "]"
    return str(shape)


def _bound_lines(paint, bound):
    lines = []
    for entry in bound:
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("name", "?"))
        meta = [m for m in (_shape_text(entry.get("shape")), entry.get("dtype"), entry.get("device")) if m]
        if entry.get("requires_grad") and not entry.get("chain") and "requires_grad" not in str(entry.get("repr", "")):
            meta.append("requires_grad")
        head = paint("name", name) + " = "
        value_lines = _hanging(head, entry.get("repr", ""))
        if meta:
            value_lines[-1] += "  " + paint("meta", " ".join(str(m) for m in meta))
        lines += value_lines
        chain_lines = _chain_lines(entry.get("chain"))
        for i, chain in enumerate(chain_lines):
            prefix = "  chain: " if i == 0 else "         "
            lines.append(prefix + paint("chain", chain))
    return lines


def _chain_lines(chain):
    """A grad_fn chain given as text, a list of node names, or a list of such lists (branches)."""
    if not chain:
        return []
    if isinstance(chain, str):
        return chain.splitlines()
    if all(isinstance(node, str) for node in chain):
        return [" -> ".join(chain)]
    lines = []
    for branch in chain:
        lines += _chain_lines(branch)
    return lines


def _grad_lines(paint, grads):
    lines = []
    for entry in grads:
        if not isinstance(entry, dict):
            continue
        head = paint("name", f"{entry.get('name', '?')}.grad") + " = "
        value_lines = _hanging(head, entry.get("value", ""))
        if entry.get("accumulated"):
            value_lines[-1] += "  " + paint("meta", "(accumulated)")
        lines += value_lines
    return lines


def _profile_lines(paint, profile):
    rows = [r for r in profile.get("rows") or [] if isinstance(r, dict)]
    if not rows:
        return []
    shown = rows[:PROFILE_TOP_ROWS]
    width = max(len("Name"), *(len(str(r.get("name", "?"))) for r in shown))
    cells = [(str(r.get("name", "?")), str(r.get("calls", "")),
              format_time_us(r.get("self_us", 0)), format_time_us(r.get("total_us", 0))) for r in shown]
    lines = [paint("meta", f"{'Name':<{width}}  {'Calls':>5}  {'Self':>10}  {'Total':>10}")]
    for name, calls, self_t, total_t in cells:
        lines.append(f"{name:<{width}}  {calls:>5}  " + paint("time", f"{self_t:>10}") + f"  {total_t:>10}")
    total = profile.get("self_total_us")
    if total is None:
        total = sum(float(r.get("self_us", 0)) for r in rows)
    footer = "Self time total: " + paint("time", format_time_us(total))
    hidden = len(rows) - len(shown)
    if hidden:
        footer += paint("meta", f"  ({hidden} more op{'s' if hidden != 1 else ''})")
    lines.append(footer)
    return lines
