"""`IPython.display.display` routed to the session's own display, without importing IPython.

Libraries written for IPython kernels show things through `from IPython.display import display`
(tqdm.notebook shows its bar that way, ipywidgets' docs and user code do too). Outside a live
IPython shell those functions just print the object's repr. gradtrace does not start IPython (its
import alone costs more than the kernel's start-up), so instead, when IPython's display module is
first imported by anyone, its display, publish_display_data, update_display and clear_output are
replaced by the running session's: nothing is imported until the user's code imports IPython.
"""
import importlib.machinery
import sys

_MODULE = "IPython.core.display_functions"
_route = {}  # "display" / "clear_output" -> the functions of the session that ran last


def route_to(display, clear_output):
    """From now on IPython's display functions call these (the session's display and clear_output)."""
    _route.update(display=display, clear_output=clear_output)
    module = sys.modules.get(_MODULE)
    if module is not None:
        _patch(module)
    elif not any(isinstance(finder, _DisplayModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _DisplayModuleFinder())


def _display(*objs, **kwargs):
    return _route["display"](*objs, **kwargs)


def _publish_display_data(data, metadata=None, source=None, *, transient=None, **kwargs):
    _route["display"](data, raw=True, metadata=metadata, transient=transient, update=kwargs.get("update", False))


def _update_display(obj, *, display_id, **kwargs):
    _route["display"](obj, display_id=display_id, update=True, **kwargs)


def _clear_output(wait=False):
    _route["clear_output"](wait)


def _patch(module):
    module.display = _display
    module.publish_display_data = _publish_display_data
    module.update_display = _update_display
    module.clear_output = _clear_output
    # IPython.display copied the names (`from display_functions import *`) if it was imported already;
    # IPython.core.display looks them up on display_functions each time.
    copy = sys.modules.get("IPython.display")
    if copy is not None:
        copy.display, copy.clear_output = _display, _clear_output
        copy.publish_display_data, copy.update_display = _publish_display_data, _update_display


class _DisplayModuleFinder:  # a meta path finder (importlib.abc costs a millisecond to import)
    """Finds IPython's display module like the path finder would, and patches it once it has run."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _PatchingLoader(spec.loader)
        return spec


class _PatchingLoader:
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _patch(module)
