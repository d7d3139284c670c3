"""Writes what an execution produces to the terminal: streams, results, errors, then the report."""
import getpass
import re
import shutil
import sys

from .render import REPORT_MIME, render_report, use_color

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# kernel.backward_render.REPLAY_MIME, spelled out so that module loads only when a replay arrives
REPLAY_MIME = "application/vnd.gradtrace.backward+json"


def strip_ansi(text):
    """Text without ANSI escape sequences (kernels may colour their tracebacks)."""
    return _ANSI.sub("", text)


def terminal_input(prompt, password):
    """Ask the user for a line on the terminal, for `input()` / `getpass()` in user code."""
    if password:
        return getpass.getpass(prompt)
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError("EOF when reading a line")
    return line.rstrip("\n")


class TerminalOutput:
    """OutputHandlers for one execution at a time, printing as output arrives.

    Reports are held back until `finish()`, so they come after the input's own output, its value
    and its error, whichever transport delivered them in whatever order.
    """

    def __init__(self, stdout=None, color=None, stderr=None):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or (sys.stderr if self.stdout is sys.stdout else self.stdout)
        self.color = use_color(self.stdout) if color is None else color
        self._pending_reports = []
        self._at_line_start = True

    # -- OutputHandlers -------------------------------------------------------------------------
    def stream(self, name, text):
        stream = self.stderr if name == "stderr" else self.stdout
        if stream is not self.stdout:
            self._flush()
        stream.write(text)
        stream.flush()
        if stream is self.stdout and text:
            self._at_line_start = text.endswith("\n")

    def display(self, data, metadata):
        if REPORT_MIME in data:
            self._pending_reports.append(data[REPORT_MIME])
            return
        text = data.get("text/plain")
        if REPLAY_MIME in data:  # %backward's table, drawn for this terminal's width
            from gradtrace.kernel.backward_render import text as replay_text

            text = replay_text(data[REPLAY_MIME], shutil.get_terminal_size().columns - 1)
        if text:
            self._line(text)

    def execute_result(self, execution_count, data, metadata):
        text = data.get("text/plain", "")
        label = f"Out[{execution_count}]: "
        if self.color:
            label = f"\x1b[31mOut[\x1b[1;31m{execution_count}\x1b[0;31m]:\x1b[0m "
        self._line(label + ("\n" if "\n" in text else "") + text)

    def error(self, ename, evalue, traceback):
        text = "\n".join(traceback) if traceback else f"{ename}: {evalue}"
        self._line(text if self.color else strip_ansi(text))

    def clear_output(self, wait):
        """A terminal cannot take printed lines back; like jupyter console, ignore it."""

    def input(self, prompt, password):
        self._flush()
        return terminal_input(prompt, password)

    # -- after the execution --------------------------------------------------------------------
    def page(self, text):
        """Show a pager payload (`x?`) after the output."""
        if text:
            self._line(text if self.color else strip_ansi(text))

    def finish(self):
        """Print the reports held back during the execution."""
        reports, self._pending_reports = self._pending_reports, []
        for report in reports:
            text = render_report(report, color=self.color)
            if text:
                self._line(text)
        self._ensure_line_start()
        self.stdout.flush()

    # -- helpers --------------------------------------------------------------------------------
    def _line(self, text):
        self._ensure_line_start()
        self.stdout.write(text.rstrip("\n") + "\n")
        self.stdout.flush()
        self._at_line_start = True

    def _ensure_line_start(self):
        if not self._at_line_start:
            self.stdout.write("\n")
            self._at_line_start = True

    def _flush(self):
        self.stdout.flush()


class IdleOutput(TerminalOutput):
    """Output a kernel sends while the prompt waits: printed above the prompt, report included."""

    def __init__(self, print_above_prompt, color, quiet_banner=False):
        super().__init__(stdout=_AbovePrompt(print_above_prompt), color=color)
        self.quiet_banner = quiet_banner  # no banner when reading a script from a pipe

    def banner(self, text):
        """The service's greeting, once it is known (a local service loads after the first prompt)."""
        if not self.quiet_banner and text:
            self._line(text)

    def display(self, data, metadata):
        super().display(data, metadata)
        self.finish()

    def input(self, prompt, password):
        raise EOFError("input() is only answered while this REPL runs the code")


class _AbovePrompt:
    """A write-only stream that hands each written piece to `print_above_prompt`."""

    def __init__(self, print_above_prompt):
        self._print = print_above_prompt

    def write(self, text):
        if text:
            self._print(text)

    def flush(self):
        pass

    def isatty(self):
        return False
