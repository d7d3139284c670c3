"""Rich output: the repr protocol turned into MIME bundles, `display`/`clear_output`, inline figures."""
import base64
import json
import sys
import uuid

# (method, MIME type) in IPython's order; text/plain comes from repr().
_REPR_METHODS = (
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
    ("_repr_latex_", "text/latex"),
    ("_repr_json_", "application/json"),
    ("_repr_javascript_", "application/javascript"),
    ("_repr_pdf_", "application/pdf"),
)
_BINARY_TYPES = {"image/png", "image/jpeg", "application/pdf"}


def _encode(mime, value):
    """JSON-ready form of one representation (bytes base64-encoded like Jupyter expects)."""
    if mime in _BINARY_TYPES and isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if mime == "application/json" and isinstance(value, str):
        return json.loads(value)
    return value


def format_bundle(obj):
    """(data, metadata) for `obj`: text/plain always, plus every rich repr the object offers.

    A failing rich repr is reported on stderr and skipped, as IPython does; repr() itself may raise.
    """
    data, metadata = {}, {}
    if not isinstance(obj, type):  # a class's _repr_html_ is an unbound function, not a repr
        mimebundle = _call_repr(obj, "_repr_mimebundle_", include=None, exclude=None)
        if isinstance(mimebundle, tuple):
            mimebundle, extra = mimebundle
            metadata.update(extra or {})
        if mimebundle:
            data.update({mime: _encode(mime, value) for mime, value in mimebundle.items()})
        for method, mime in _REPR_METHODS:
            if mime in data:
                continue
            value = _call_repr(obj, method)
            if isinstance(value, tuple) and len(value) == 2:
                value, meta = value
                if meta:
                    metadata[mime] = meta
            if value is not None:
                data[mime] = _encode(mime, value)
    data.setdefault("text/plain", repr(obj))
    return data, metadata


def _call_repr(obj, method, **kwargs):
    func = getattr(obj, method, None)
    if func is None or not callable(func):
        return None
    try:
        return func(**kwargs)
    except Exception as error:  # noqa: BLE001 - a broken repr must not lose the output
        print(f"{type(obj).__name__}.{method} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return None


class DisplayHandle:
    """Returned by display(..., display_id=...): update() replaces that output in place."""

    def __init__(self, display_function, display_id=None):
        self._display = display_function
        self.display_id = display_id or uuid.uuid4().hex

    def display(self, obj, **kwargs):
        self._display(obj, display_id=self.display_id, **kwargs)

    def update(self, obj, **kwargs):
        self._display(obj, display_id=self.display_id, update=True, **kwargs)

    def __repr__(self):
        return f"<DisplayHandle display_id={self.display_id}>"


def make_display_functions(current_events, flush_streams):
    """`display` and `clear_output` for the user namespace, bound to the service's running input.

    `current_events()` gives the events of the input being run (None when idle); `flush_streams()`
    sends buffered stdout/stderr first, so outputs keep the order in which the code produced them.
    """

    def display(*objs, raw=False, metadata=None, transient=None, display_id=None, update=False, clear=False,
                **kwargs):
        """Show objects with their richest representation (IPython.display.display)."""
        events = current_events()
        handle = None
        if display_id is not None:
            handle = DisplayHandle(display, None if display_id is True else display_id)
            transient = dict(transient or {}, display_id=handle.display_id)
        if clear:
            clear_output(wait=True)
        for obj in objs:
            if raw:
                data, meta = dict(obj), dict(metadata or {})
            else:
                data, meta = format_bundle(obj)
                meta.update(metadata or {})
            if events is None:
                print(data.get("text/plain", ""))
                continue
            flush_streams()
            events.display(data, meta, transient=transient, update=update)
        return handle

    def clear_output(wait=False):
        """Clear the output area (now, or when the next output arrives with wait=True)."""
        events = current_events()
        if events is not None:
            flush_streams()
            events.clear_output(wait)

    return display, clear_output


def flush_figures(events):
    """Send open matplotlib figures as PNG displays and close them (only if the user loaded pyplot)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    if "ipympl" in pyplot.get_backend():  # %matplotlib widget: the figures are live widgets, shown by ipympl
        sys.modules["ipympl.backend_nbagg"].flush_figures()
        return
    import io
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        width, height = (int(v) for v in figure.get_size_inches() * figure.dpi)
        events.display(
            {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
             "text/plain": f"<Figure size {width}x{height} with {len(figure.axes)} Axes>"},
            {"image/png": {"width": width, "height": height}})
    pyplot.close("all")
