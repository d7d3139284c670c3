"""What kernel_info_reply says about the language and the kernel: nothing here needs the language
service or the engine, so the kernel answers the first request before either is loaded."""
import sys

from .torch_alias import describe_torch


def language_info():
    """kernel_info's language_info, as ipykernel gives it for Python."""
    return {
        "name": "python",
        "version": ".".join(str(n) for n in sys.version_info[:3]),
        "mimetype": "text/x-python",
        "file_extension": ".py",
        "pygments_lexer": "ipython3",
        "codemirror_mode": {"name": "ipython", "version": 3},
        "nbconvert_exporter": "python",
    }


_VERSION = []  # gradtrace's version, read once


def version():
    """gradtrace's installed version ("(source tree)" when run from a checkout without metadata)."""
    if not _VERSION:
        try:
            from importlib.metadata import version as installed

            _VERSION.append(installed("gradtrace"))
        except Exception:  # noqa: BLE001 - running from a source tree without metadata
            _VERSION.append("(source tree)")
    return _VERSION[0]


def banner(torch_mode):
    """The kernel banner: versions and which torch `import torch` gives."""
    return f"gradtrace {version()} on Python {sys.version.split()[0]}\n{describe_torch(torch_mode)}\n"
