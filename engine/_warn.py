"""Warnings as torch's C++ core raises them: attributed to the user's line, not to the engine's frames."""
import os
import sys
import warnings

_ENGINE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_user(message, category=UserWarning):
    """warnings.warn at the first frame outside the engine (however deep the op that warns sits)."""
    frame, level = sys._getframe(1), 2  # level 1 is this function
    while frame is not None and frame.f_code.co_filename.startswith(_ENGINE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
