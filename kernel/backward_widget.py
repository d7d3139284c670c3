"""The backward replay as a notebook widget: the graph with the current step filled, a slider and buttons.

Only in a kernel whose comms reach a front end (kernel/comms.py installed) and where ipywidgets
is installed; everywhere else the caller shows the static bundle.
"""
import importlib.util
import sys

from . import backward_render


def _widgets_reach_a_front_end():
    comms = sys.modules.get("gradtrace.kernel.comms")
    return comms is not None and comms.installed() and importlib.util.find_spec("ipywidgets") is not None


def widget_bundle(data, static):
    """The display bundle of a step-through widget for the replay (its static form alongside), or None."""
    if not _widgets_reach_a_front_end() or not data["steps"]:
        return None
    try:
        import ipywidgets
    except ImportError:  # installed but broken (its IPython missing, say): the static bundle will do
        return None

    numbers = [step["index"] for step in data["steps"]]
    slider = ipywidgets.SelectionSlider(options=numbers, value=numbers[0], description="step",
                                        continuous_update=True, layout=ipywidgets.Layout(width="420px"))
    back = ipywidgets.Button(description="◀", layout=ipywidgets.Layout(width="40px"), tooltip="previous step")
    forward = ipywidgets.Button(description="▶", layout=ipywidgets.Layout(width="40px"), tooltip="next step")
    pictures = {}

    def picture(current):
        if current not in pictures:
            pictures[current] = backward_render.svg(backward_render.dot(data, current)) or ""
        return pictures[current] + backward_render.html_table(data, current)

    view = ipywidgets.HTML(value=picture(numbers[0]))  # opened with its content: one message, not two

    def show(change):
        view.value = picture(change["new"])

    def move(by):
        position = numbers.index(slider.value) + by
        slider.value = numbers[max(0, min(len(numbers) - 1, position))]

    slider.observe(show, names="value")
    back.on_click(lambda _: move(-1))
    forward.on_click(lambda _: move(1))
    box = ipywidgets.VBox([ipywidgets.HBox([back, slider, forward]), view])
    bundle = dict(static)
    bundle.update(box._repr_mimebundle_())
    bundle["text/plain"] = static["text/plain"]  # not the widget's repr: a terminal shows the table
    return bundle
