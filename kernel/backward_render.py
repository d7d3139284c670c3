"""Renderings of a backward replay (engine.introspect_replay's `to_dict()`): a step table, HTML, DOT.

Every renderer reads only the plain data, so a remote front end that has the JSON draws the
same thing as the kernel.
"""
import html
import textwrap

REPLAY_MIME = "application/vnd.gradtrace.backward+json"


# -- values ---------------------------------------------------------------------------------------

def _number(value):
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


def _flat(values):
    if isinstance(values, list):
        return "[" + ", ".join(_flat(v) for v in values) + "]"
    return _number(values)


def value_text(value):
    """`16`, `[1, 2, 3]`, `[100, 3] norm 5.1 min -1 max 2`, `none` for no gradient."""
    if value is None:
        return "none"
    if "values" in value:
        return _flat(value["values"])
    shape = "[" + ", ".join(str(n) for n in value["shape"]) + "]"
    return f"{shape} norm {_number(value['norm'])} min {_number(value['min'])} max {_number(value['max'])}"


def _node_text(step):
    text = step["node"]
    if step.get("leaf"):
        return f"{text}({step['leaf']['name']})"
    if step.get("forward"):
        return f"{text} ({step['forward']})"
    return text


def _grad_in_text(step):
    grads = step.get("grad_in", [])
    text = ", ".join(value_text(g) for g in grads) if len(grads) != 1 else value_text(grads[0])
    for summed in step.get("summed", []):
        parts = " + ".join(f"{value_text(p['value'])} (step {p['from']})" for p in summed["parts"])
        more = f" + {summed['more']} more" if summed["more"] else ""
        text += f" = {parts}{more}"
    return text


def _out_text(step):
    if step.get("leaf"):
        leaf = step["leaf"]
        if "captured" in leaf:
            return f"-> result for {leaf['name']}"
        verb = "=" if leaf["applied"] else "would be"
        onto = "" if leaf["old"] is None else f" (accumulated onto {value_text(leaf['old'])})"
        return f"{leaf['name']}.grad {verb} {value_text(leaf['new'])}{onto}"
    local = step.get("local") or []
    parts = []
    for i, edge in enumerate(step.get("edges", [])):
        if edge["to"] is None:
            continue
        factor = f" (×{_number(local[i])})" if i < len(local) and local[i] is not None else ""
        target = edge.get("to_variable") or edge["to"].split(" ")[0]
        parts.append(f"-> {target}: {value_text(edge['value'])}{factor}")
    return "; ".join(parts) or "(nothing flows on)"


def _hooks_text(step):
    return ", ".join(h["kind"] + (" (changed the gradient)" if h.get("changed") else "")
                     for h in step.get("hooks", []))


def _title(data):
    steps = f"{data['step_count']} step" + ("s" if data["step_count"] != 1 else "")
    if data["mode"] == "grad":
        what = f"autograd.grad({data['output']}, [{', '.join(data['inputs'])}])"
    else:
        what = f"{data['output']}.backward()"
    if data["applied"]:
        effect = "the leaves' .grad were written"
    elif data["mode"] == "grad":
        effect = "no .grad changed"
    else:
        effect = "no .grad changed; --apply writes them"
    return f"replay of {what}: {steps} in the engine's order ({effect})"


def rows(data):
    """(step, node, gradient in, hooks that ran, what went out, anomaly) per kept step, in the order
    they happen, plus a row for the folded middle."""
    table = []
    for step in data["steps"]:
        anomaly = f"first {step['anomaly']} here" if step.get("anomaly") else ""
        table.append((str(step["index"]), _node_text(step), _grad_in_text(step), _hooks_text(step),
                      _out_text(step), anomaly))
        if data["omitted"] and step["index"] == data["omitted_after"]:
            left = sum(data["omitted"].values())
            kinds = ", ".join(f"{kind} ×{count:,}" for kind, count in list(data["omitted"].items())[:4])
            table.append(("…", f"{left:,} steps left out", kinds, "", "", ""))
    return table


def _wrap(text_, width, max_lines=4):
    """`text_` in lines of at most `width` columns (continuations indented), at most `max_lines` of them."""
    lines = textwrap.wrap(text_, width, subsequent_indent="  ", break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [_clip(lines[max_lines - 1], width - 1) + "…"]
    return lines


def _clip(text, width):
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def text(data, width=100):
    """The step table for a terminal `width` columns wide."""
    lines = [_title(data)]
    table = rows(data)
    number_width = max([len(r[0]) for r in table] + [1])
    node_width = min(34, max([len(r[1]) for r in table] + [4]))
    rest = max(20, width - number_width - node_width - 4)
    for number, node, grad_in, hooks, out, anomaly in table:
        head = f"{number:>{number_width}}  {_clip(node, node_width):<{node_width}}  "
        pad = " " * len(head)
        cells = [f"in {grad_in}" if number != "…" else grad_in, hooks and "hooks: " + hooks, out, anomaly]
        wrapped = [line for cell in cells if cell for line in _wrap(cell, rest)]
        lines.extend((head if i == 0 else pad) + line for i, line in enumerate(wrapped))
    lines.extend(_summary_lines(data))
    return "\n".join(lines)


def _summary_lines(data):
    lines = []
    if data["mode"] == "grad":
        lines.append("results: " + ", ".join(f"{r['name']}: {value_text(r['value'])}" for r in data["results"]))
    elif data["leaves"]:
        verb = "=" if data["applied"] else "would get"
        lines.append("leaves: " + "; ".join(
            f"{leaf['name']}.grad {verb} {value_text(leaf['value'])}"
            + (f" (+ old {value_text(leaf['accumulated_onto'])})" if leaf["accumulated_onto"] else "")
            for leaf in data["leaves"]))
    if data["anomaly"] is not None:
        lines.append(f"anomaly: step {data['anomaly']} produced the first nan/inf")
    return lines


# -- HTML, and the graph as DOT / SVG ----------------------------------------------------------------

_STYLE = ("<style>.gt-bw td,.gt-bw th{padding:1px 6px;text-align:left;vertical-align:top;font-family:monospace;"
          "font-size:12px}.gt-bw tr.gt-now{background:#fff3c4}.gt-bw .gt-bad{color:#b00}</style>")


def html_table(data, current=None):
    """The steps as an HTML table; `current` (a step number) is highlighted."""
    out = [_STYLE, f"<div class='gt-bw'><div><b>{html.escape(_title(data))}</b></div><table>",
           "<tr><th>#</th><th>node</th><th>gradient in</th><th>hooks</th><th>sent on / lands in</th><th></th></tr>"]
    for row in rows(data):
        now = " class='gt-now'" if current is not None and row[0] == str(current) else ""
        cells = "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
        out.append(f"<tr{now}>{cells}</tr>")
    out.append("</table>")
    out.extend(f"<div>{html.escape(line)}</div>" for line in _summary_lines(data))
    out.append("</div>")
    return "".join(out)


def dot(data, current=None):
    """The replayed nodes and edges as Graphviz DOT, the `current` step filled."""
    lines = ["digraph backward {", '  rankdir=TB; node [shape=box, fontname="monospace", fontsize=10];']
    kept = {step["index"] for step in data["steps"]}
    for step in data["steps"]:
        label = f"{step['index']}: {_node_text(step)}".replace("\\", "\\\\").replace('"', '\\"')
        style = ', style=filled, fillcolor="#ffd54f"' if step["index"] == current else ""
        if step.get("anomaly"):
            style += ', color="#b00000"'
        lines.append(f'  s{step["index"]} [label="{label}"{style}];')
        for edge in step.get("edges", []):
            if edge.get("to_step") in kept and edge["value"] is not None:
                value = value_text(edge["value"]).replace('"', '\\"')
                lines.append(f'  s{step["index"]} -> s{edge["to_step"]} [label="{_clip(value, 24)}", fontsize=9];')
    lines.append("}")
    return "\n".join(lines)


def svg(dot_source):
    """Graphviz's SVG for a DOT source, or None where `dot` is not installed (or fails)."""
    import shutil
    import subprocess  # here, not above: the REPL imports this module at start-up for `text`

    binary = shutil.which("dot")
    if binary is None:
        return None
    try:
        done = subprocess.run([binary, "-Tsvg"], input=dot_source.encode(), capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    text_ = done.stdout.decode("utf-8", "replace")
    return text_[text_.find("<svg"):]


def bundle(data, width=100):
    """The display bundle: text/plain (the table), text/html (graph and table), the JSON."""
    picture = svg(dot(data)) or ""
    return {"text/plain": text(data, width), "text/html": picture + html_table(data), REPLAY_MIME: data}
