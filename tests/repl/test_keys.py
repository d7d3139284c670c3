"""Key handling of the prompt, driven through prompt_toolkit's pipe input and dummy output."""
import asyncio

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from gradtrace.repl.keys import enter_action, fallback_is_complete
from gradtrace.repl.prompt import build_session


class CodeopService:
    """A transport whose is-complete is the REPL's own codeop fallback, and which completes
    from a fixed vocabulary: enough to exercise the keys without a language service."""

    def __init__(self, words=()):
        self.words = list(words)
        self.asked = []

    def is_complete(self, code):
        self.asked.append(code)
        return fallback_is_complete(code)

    def complete(self, code, cursor_pos):
        start = cursor_pos
        while start > 0 and (code[start - 1].isalnum() or code[start - 1] == "_"):
            start -= 1
        prefix = code[start:cursor_pos]
        return {"matches": [w for w in self.words if w.startswith(prefix)],
                "cursor_start": start, "cursor_end": cursor_pos, "metadata": {}}


def read_one(*chunks, transport=None, vi_mode=False, history=()):
    """Type `chunks` into a fresh prompt, pausing between them (completion runs asynchronously),
    and return what the prompt submitted."""
    transport = transport or CodeopService()

    async def type_and_read(session, pipe):
        reading = asyncio.ensure_future(session.prompt_async())
        for chunk in chunks:
            pipe.send_text(chunk)
            await asyncio.sleep(0.05)
        return await asyncio.wait_for(reading, 5)

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        session = build_session(lambda: transport, lambda: 1, vi_mode=vi_mode,
                                history=InMemoryHistory(list(history)), input=pipe, output=DummyOutput())
        return asyncio.run(type_and_read(session, pipe))


def test_enter_submits_a_complete_line():
    assert read_one("1 + 1\r") == "1 + 1"


def test_enter_on_an_open_block_inserts_an_indented_newline():
    # After "for ...:" Enter indents; the body line then Enter keeps the block open; an empty line runs it.
    assert read_one("for i in range(3):\rprint(i)\r\r") == "for i in range(3):\n    print(i)"


def test_enter_inside_brackets_continues():
    assert read_one("x = (1,\r2)\r") == "x = (1,\n2)"


def test_invalid_input_is_submitted_so_its_error_shows():
    assert read_one("a b\r") == "a b"


def test_ctrl_c_clears_the_line():
    assert read_one("garbage", "\x03", "2 * 3\r") == "2 * 3"


@pytest.mark.parametrize("vi_mode", [False, True])
def test_ctrl_d_on_an_empty_line_raises_eof(vi_mode):
    with pytest.raises(EOFError):
        read_one("\x04", vi_mode=vi_mode)


def test_ctrl_d_inside_a_line_deletes_a_character():
    assert read_one("12", "\x1b[D", "\x04", "\r") == "1"


def test_tab_on_a_blank_line_indents():
    assert read_one("if True:\r\tpass\r\r") == "if True:\n        pass"


def test_tab_inserts_the_common_part_of_the_completions():
    service = CodeopService(words=["requires_grad", "requires_grad_", "retain_grad"])
    assert read_one("x.requires_gr\t", "\r", transport=service) == "x.requires_grad"


def test_tab_twice_selects_and_enter_accepts_the_completion_without_running():
    service = CodeopService(words=["requires_grad", "requires_grad_"])
    # common part, then Tab selects the first match, Enter accepts it, the next Enter submits.
    assert read_one("x.req\t", "\t", "\r", "\r", transport=service) == "x.requires_grad"


def test_vi_mode_enter_submits_from_navigation_mode():
    assert read_one("y = 2\x1b\r", vi_mode=True) == "y = 2"


@pytest.mark.parametrize("text, reply, expected", [
    ("", None, ("submit", None)),
    ("x = 1", {"status": "complete"}, ("submit", None)),
    ("def f():", {"status": "incomplete", "indent": "    "}, ("newline", "    ")),
    ("if a:\n    if b:", {"status": "incomplete"}, ("newline", "        ")),
    ("for i in x:\n    pass\n", {"status": "incomplete", "indent": "    "}, ("submit", None)),
    ("1 +* 2", {"status": "invalid"}, ("submit", None)),
])
def test_enter_action(text, reply, expected):
    assert enter_action(text, lambda code: reply) == expected


def test_ctrl_r_searches_the_history():
    history = ["answer = 42", "other = 1"]
    assert read_one("\x12", "answ", "\r", "\r", history=history) == "answer = 42"


def test_up_walks_back_through_the_history():
    assert read_one("\x1b[A", "\x1b[A", "\r", history=["first = 1", "second = 2"]) == "first = 1"


def test_suggestions_from_history_are_accepted_with_the_right_arrow():
    assert read_one("ans", "\x1b[C", "\r", history=["answer = 42"]) == "answer = 42"


def test_bracketed_paste_keeps_newlines_without_running_each_line():
    pasted = "\x1b[200~x = 1\ny = 2\x1b[201~"
    transport = CodeopService()
    assert read_one(pasted, "\r", transport=transport) == "x = 1\ny = 2"
    assert transport.asked == ["x = 1\ny = 2"]  # only the final Enter asked is-complete


def test_input_is_highlighted_as_python_once_the_prompt_is_up():
    from prompt_toolkit.document import Document

    async def type_and_look(session, pipe):
        reading = asyncio.ensure_future(session.prompt_async())
        await asyncio.sleep(0.2)
        fragments = session.lexer.lex_document(Document("for x in y: pass"))(0)
        pipe.send_text("\x03\x04")
        with pytest.raises(EOFError):
            await asyncio.wait_for(reading, 5)
        return fragments

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        session = build_session(lambda: CodeopService(), lambda: 1, history=InMemoryHistory(),
                                input=pipe, output=DummyOutput())
        fragments = asyncio.run(type_and_look(session, pipe))
    assert ("class:pygments.keyword", "for") in fragments
