"""IPython.display in the language service (kernel and local REPL alike): the session's display, no IPython shell."""
import pytest

from gradtrace.kernel.service import LanguageService
from test_service import Recorder

pytest.importorskip("IPython")


@pytest.fixture
def service(tmp_path):
    svc = LanguageService(torch_mode="gradtrace", history_path=str(tmp_path / "history.sqlite"))
    yield svc
    svc.shutdown()


def test_ipython_display_functions_send_display_data_and_clear_output(service):
    events = Recorder()
    service.execute("from IPython.display import display, HTML, Markdown, clear_output, update_display\n"
                    "h = display(HTML('<i>a</i>'), display_id='d1')\n"
                    "update_display(Markdown('**b**'), display_id='d1')\n"
                    "clear_output(wait=True)", events)
    displays = [e for e in events.events if e[0] == "display"]
    assert displays[0][1]["text/html"] == "<i>a</i>" and displays[0][3] == {"display_id": "d1"}
    assert displays[0][4] is False
    assert displays[1][1]["text/markdown"] == "**b**" and displays[1][3] == {"display_id": "d1"}
    assert displays[1][4] is True
    assert ("clear_output", True) in events.events


def test_an_ipython_display_handle_updates_in_place(service):
    events = Recorder()
    service.execute("import IPython.display as d\nh = d.display('one', display_id=True)\nh.update('two')", events)
    displays = [e for e in events.events if e[0] == "display"]
    assert [(e[1]["text/plain"], e[4]) for e in displays] == [("'one'", False), ("'two'", True)]
    assert displays[0][3] == displays[1][3]
