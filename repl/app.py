"""The REPL loop: read an input at the prompt, run it on the transport, show output and report."""
import asyncio
import sys
import threading

from .keys import enter_action
from .output import IdleOutput, TerminalOutput
from .prompt import build_session
from .render import use_color
from .transport import ConnectError, KernelDied

EXIT_QUESTION = "Do you really want to exit ([y]/n)? "


class Repl:
    """One terminal session on one transport (which it may replace after a kernel dies)."""

    def __init__(self, transport, *, vi_mode=False, history=None, input=None, output=None, stdout=None):
        self.transport = transport
        self.stdout = stdout or sys.stdout
        self.color = use_color(self.stdout)
        self.next_count = transport.execution_count + 1
        self._kernel_died = threading.Event()
        self._session_options = dict(vi_mode=vi_mode, history=history, input=input, output=output)
        self._session = None

    @property
    def session(self):
        """The PromptSession, built on first use (a script read from a pipe never needs one)."""
        if self._session is None:
            self._session = build_session(lambda: self.transport, lambda: self.next_count,
                                          **self._session_options)
        return self._session

    # -- the loop -------------------------------------------------------------------------------
    def run(self):
        """Run until the user leaves; returns the process exit code."""
        # The transport starts watching once the first prompt is drawn: a local service then loads
        # while the user types, and its banner (like a kernel's) is printed above the prompt.
        self.session.app.after_render += self._after_first_render
        try:
            while True:
                if self._kernel_died.is_set() and not self._recover():
                    return 1
                try:
                    code = self.read()
                except EOFError:
                    if self._confirm_exit():
                        return 0
                    continue
                except KernelDied:
                    continue  # _recover runs at the top of the loop
                if code is None:
                    continue
                try:
                    if self.run_code(code):
                        return 0
                except KernelDied:
                    self._kernel_died.set()
                except KeyboardInterrupt:
                    # Ctrl-C outside the user's code (while output is printed, say): no traceback.
                    self._print("KeyboardInterrupt")
        finally:
            self.transport.close()

    def run_script(self, stream):
        """Run inputs read from a non-terminal `stream` (a pipe, a file), without prompts or banner.

        Returns 0, or 1 when the last input failed (so `gradtrace < script.py` can be checked by
        a shell).
        """
        self.transport.watch(IdleOutput(self._print_above_prompt, self.color, quiet_banner=True),
                             self._on_kernel_death)
        reply = None
        try:
            for code in self._inputs_from(stream):
                reply = self._execute(code)
                if reply.exit_requested:
                    break
        except KernelDied:
            self._print("gradtrace: the kernel died (it stopped answering its heartbeat).")
            return 1
        finally:
            self.transport.close()
        return 1 if reply is not None and reply.status != "ok" else 0

    def _inputs_from(self, stream):
        """Group a script's lines into inputs the way Enter groups them at the prompt."""
        lines = []
        for line in stream:
            lines.append(line.rstrip("\n"))
            code = "\n".join(lines)
            if enter_action(code, self.transport.is_complete)[0] == "submit":
                lines = []
                if code.strip():
                    yield code.rstrip()
        rest = "\n".join(lines)
        if rest.strip():
            yield rest.rstrip()

    def _execute(self, code):
        """Run one input, printing its output, value, error, pages and reports in that order."""
        out = TerminalOutput(self.stdout, color=self.color)
        try:
            reply = self.transport.execute(code, out)
        finally:
            out.finish()
        for text in reply.pages:
            out.page(text)
        return reply

    def read(self):
        """The next input from the prompt; None for an empty one."""
        code = self.session.prompt()
        return code if code.strip() else None

    def run_code(self, code):
        """Execute one input and print everything it produced; True when it asked to exit."""
        reply = self._execute(code)
        if reply.execution_count is not None:
            self.next_count = reply.execution_count + 1
        return reply.exit_requested

    # -- leaving --------------------------------------------------------------------------------
    def _confirm_exit(self):
        try:
            answer = self._ask(EXIT_QUESTION)
        except EOFError:
            return True
        except KeyboardInterrupt:
            return False
        return answer.strip().lower() in ("", "y", "yes")

    def _ask(self, question):
        """One line answered on the prompt's own terminal (EOFError on Ctrl-D, KeyboardInterrupt on Ctrl-C)."""
        from prompt_toolkit import PromptSession
        return PromptSession(input=self.session.input, output=self.session.output).prompt(question)

    # -- a remote kernel's idle output and death ------------------------------------------------
    def _after_first_render(self, app):
        app.after_render -= self._after_first_render
        self._watch()

    def _watch(self):
        self.transport.watch(IdleOutput(self._print_above_prompt, self.color), self._on_kernel_death)

    def _print_above_prompt(self, text):
        """Called from the transport's watcher thread with output that arrived while idle."""
        app = self._session.app if self._session is not None else None
        if app is None or not app.is_running:
            self.stdout.write(text)
            self.stdout.flush()
            return
        from prompt_toolkit.application import run_in_terminal

        def write():
            self.stdout.write(text)
            self.stdout.flush()

        async def show():
            await run_in_terminal(write)
        asyncio.run_coroutine_threadsafe(show(), app.loop)

    def _on_kernel_death(self):
        """Called from the watcher thread: leave the prompt at once so the user hears about it."""
        self._kernel_died.set()
        app = self._session.app if self._session is not None else None
        if app is not None and app.is_running and app.loop is not None:
            app.loop.call_soon_threadsafe(lambda: app.exit(exception=KernelDied()) if app.is_running else None)

    def _recover(self):
        """Tell the user the kernel died and offer to restart (ours) or reconnect; False to leave."""
        transport = self.transport
        if not getattr(transport, "can_reconnect", False):
            return False  # an in-process service that failed has said why already
        self._print("gradtrace: the kernel died (it stopped answering its heartbeat).")
        choices = "[r]estart, re[c]onnect or [q]uit" if transport.can_restart else "re[c]onnect or [q]uit"
        while True:
            try:
                answer = self._ask(f"{choices}? ").strip().lower()
            except (EOFError, KeyboardInterrupt):
                return False
            try:
                if answer in ("r", "restart") and transport.can_restart:
                    transport.restart()
                elif answer in ("c", "reconnect", "connect"):
                    transport.reconnect()
                elif answer in ("q", "quit"):
                    return False
                else:
                    continue
            except ConnectError as error:
                self._print(f"gradtrace: {error}")
                continue
            self._kernel_died.clear()
            self.next_count = self.transport.execution_count + 1
            self._watch()
            self._print("gradtrace: attached to the kernel again.")
            return True

    def _print(self, text):
        self.stdout.write(text + "\n")
        self.stdout.flush()
