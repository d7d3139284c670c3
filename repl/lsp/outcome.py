"""What one run produced, collected from the transport's output handlers into a command result."""
from dataclasses import dataclass, field

from gradtrace.kernel.report import REPORT_MIME

from ..output import strip_ansi

INPUT_REFUSAL = "input() has no terminal in the gradtrace language server; pass values in the code instead"


@dataclass
class RunOutcome:
    """The input's outcome, as the gradtrace.runFile / gradtrace.runRange commands return it."""

    status: str = "ok"
    execution_count: int = None
    output: str = ""                       # stdout, stderr and text/plain of values and displays, in order
    error: dict = None                     # {"ename", "evalue", "traceback": [lines]}
    reports: list = field(default_factory=list)   # [(report JSON, its text rendering)]

    def as_result(self):
        """The JSON result of the command (the last report, if several: `%lens statements` gives one each)."""
        report, report_text = self.reports[-1] if self.reports else (None, None)
        return {"status": self.status, "execution_count": self.execution_count, "output": self.output,
                "error": self.error, "report": report, "report_text": report_text}


class OutcomeCollector:
    """The OutputHandlers a run writes to: it keeps everything, and forwards each piece as it comes."""

    def __init__(self, on_text, on_report):
        self.outcome = RunOutcome()
        self._on_text = on_text        # called with each piece of text output
        self._on_report = on_report    # called with (report JSON, text rendering)

    def _text(self, text):
        if text:
            self.outcome.output += text
            self._on_text(text)

    def stream(self, name, text):
        self._text(text)

    def display(self, data, metadata):
        if REPORT_MIME in data:
            report = (data[REPORT_MIME], data.get("text/plain", ""))
            self.outcome.reports.append(report)
            self._on_report(*report)
            return
        text = data.get("text/plain")
        if text:
            self._text(text if text.endswith("\n") else text + "\n")

    def execute_result(self, execution_count, data, metadata):
        self.display(data, metadata)

    def error(self, ename, evalue, traceback):
        lines = [strip_ansi(line) for line in traceback or []]
        self.outcome.status = "error"
        self.outcome.error = {"ename": ename, "evalue": evalue, "traceback": lines}
        self._text("\n".join(lines or [f"{ename}: {evalue}"]) + "\n")

    def clear_output(self, wait):
        """An editor's log cannot take lines back; ignored, as a terminal does."""

    def input(self, prompt, password):
        raise EOFError(INPUT_REFUSAL)
