"""Inlay hints of the runs of each document, kept for the text that was run.

A hint belongs to a line as it read when it ran; when the document changes, each hinted line is
followed through the edit (difflib matches unchanged lines), and a line that was edited loses its hint.
"""
import difflib

from .source import binding_lines


def hint_label(entry):
    """`[16, 4] float32 · AddmmBackward0` for one bound tensor of a report."""
    label = f"{list(entry['shape'])} {str(entry['dtype']).removeprefix('torch.')}"
    if entry.get("device") not in (None, "cpu"):
        label += f" {entry['device']}"
    if entry.get("grad_fn"):
        label += f" · {entry['grad_fn']}"
    elif entry.get("requires_grad"):
        label += " · requires_grad"
    return label


def _follow(old_lines, new_lines, hints):
    """The hints whose lines are unchanged between old_lines and new_lines, at their new line numbers."""
    if old_lines == new_lines:
        return dict(hints)
    moved = {}
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for old_start, new_start, size in matcher.get_matching_blocks():
        for offset in range(size):
            label = hints.get(old_start + offset)
            if label is not None:
                moved[new_start + offset] = label
    return moved


class RunHints:
    """uri -> (the document's lines when last run, {line: label})."""

    def __init__(self):
        self._documents = {}

    def record(self, uri, lines, first, stop, code, reports):
        """After a run of lines[first:stop]: that range's hints are replaced by the run's."""
        old_lines, old_hints = self._documents.get(uri, (lines, {}))
        hints = {line: label for line, label in _follow(old_lines, lines, old_hints).items()
                 if not first <= line < stop}
        bound_at = binding_lines(code)
        for report in reports:
            for entry in report.get("bound") or []:
                line = bound_at.get(entry.get("name"))
                if line is not None:
                    hints[first + line] = hint_label(entry)
        self._documents[uri] = (list(lines), hints)

    def current(self, uri, lines):
        """[(line, label)] for the document as it reads now."""
        old_lines, hints = self._documents.get(uri, (lines, {}))
        return sorted(_follow(old_lines, lines, hints).items())

    def forget(self, uri):
        self._documents.pop(uri, None)
