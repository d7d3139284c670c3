"""Renderings of a Report (see report.py) into the MIME bundle Jupyter front ends display."""
import html

from .report import REPORT_MIME

TOP_OPS = 3  # ops named in the compact summary


def _time(us):
    """Microseconds written the way torch's profiler table writes them."""
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1000:
        return f"{us / 1000:.3f}ms"
    return f"{us:.3f}us"


def summary_line(report):
    """One line saying what the input did: tensors bound, grads changed, ops run."""
    parts = []
    if report["bound"]:
        parts.append("bound " + ", ".join(entry["name"] for entry in report["bound"]))
    if report["grads"]:
        parts.append("grad " + ", ".join(entry["name"] for entry in report["grads"]))
    profile = report["profile"]
    if profile:
        calls = sum(row["calls"] for row in profile["rows"])
        parts.append(f"{calls} op{'s' if calls != 1 else ''} in {_time(profile['self_total_us'])}")
    if report["notes"]:
        parts.append(f"{len(report['notes'])} warning{'s' if len(report['notes']) != 1 else ''}")
    head = "autograd"
    if report.get("statement"):
        head += f" [{report['statement'].splitlines()[0][:60]}]"
    return f"{head}: " + " · ".join(parts)


def _bound_lines(entry):
    first = entry["repr"].splitlines()[0] if "\n" not in entry["repr"] else None
    if first is not None and len(first) <= 100:
        lines = [f"{entry['name']} = {first}"]
    else:
        lines = [f"{entry['name']}: shape {entry['shape']} {entry['dtype']} on {entry['device']}"
                 + (f" grad_fn={entry['grad_fn']}" if entry["grad_fn"] else "")]
    if entry["chain"]:
        lines.extend("    " + line for line in entry["chain"].splitlines())
    return lines


def _grad_lines(entry):
    how = " (accumulated)" if entry["accumulated"] else ""
    value = entry["value"]
    if "\n" in value:
        return [f"{entry['name']}.grad{how} =", *("    " + line for line in value.splitlines())]
    return [f"{entry['name']}.grad{how} = {value}"]


def _top_ops(profile):
    rows = profile["rows"][:TOP_OPS]
    text = ", ".join(f"{row['name']} ×{row['calls']} {_time(row['self_us'])}" for row in rows)
    more = len(profile["rows"]) - len(rows)
    return f"ops: {text}" + (f" (+{more} more; %profile table)" if more > 0 else "")


def render_text(report):
    """The compact text/plain form: the summary line, then a few indented lines."""
    lines = [summary_line(report)]
    for entry in report["bound"]:
        lines.extend("  " + line for line in _bound_lines(entry))
    for entry in report["grads"]:
        lines.extend("  " + line for line in _grad_lines(entry))
    if report["profile"]:
        lines.append("  " + _top_ops(report["profile"]))
    lines.extend(f"  note: {note}" for note in report["notes"])
    return "\n".join(lines)


def _pre(text):
    return f"<pre style=\"margin:0.2em 0\">{html.escape(text)}</pre>"


def render_html(report):
    """The summary line, expanding with <details> into chains, gradients and the profiler table."""
    sections = []
    if report["bound"]:
        sections.append("<b>bound</b>" + _pre("\n".join(line for entry in report["bound"]
                                                       for line in _bound_lines(entry))))
    if report["grads"]:
        sections.append("<b>gradients</b>" + _pre("\n".join(line for entry in report["grads"]
                                                           for line in _grad_lines(entry))))
    if report["profile"]:
        sections.append("<b>profile</b>" + _pre(report["profile"]["table"]))
    if report["notes"]:
        sections.append("<b>warnings</b>" + _pre("\n".join(report["notes"])))
    return ("<details class=\"gradtrace-report\"><summary><code>"
            + html.escape(summary_line(report)) + "</code></summary>"
            + "".join(f"<div>{section}</div>" for section in sections) + "</details>")


def render_bundle(report):
    """The display_data bundle: text/plain, text/html, text/vnd.mermaid (with a graph) and the data."""
    bundle = {"text/plain": render_text(report), "text/html": render_html(report)}
    if report.get("graph"):
        bundle["text/vnd.mermaid"] = report["graph"]["mermaid"]
    bundle[REPORT_MIME] = report
    return bundle
