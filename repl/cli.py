"""The `gradtrace` command: the REPL (local, --existing, --kernel), the `kernel` subcommands and `lsp`.

Imports stay inside the branches that need them: `gradtrace --help` must not load the engine,
and the time to the first prompt is a measured promise (benchmarks/bench_startup.py).
"""
import argparse
import sys

_DESCRIPTION = """\
A Python REPL where `import torch` gives gradtrace's engine, and every input is
followed by what autograd did: grad_fn chains, gradients, and a profiler table."""
_EPILOG = """kernel commands:
  gradtrace kernel install [--user | --sys-prefix | --prefix DIR]   register the Jupyter kernel
  gradtrace kernel start [--ip ADDR] [--connection-file FILE]       a standalone kernel to attach to
  gradtrace kernel --help                                            all of them

editor commands:
  gradtrace lsp [--existing [FILE]] [--tcp PORT]                     a language server for editors
"""


class _VersionAction(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata is not free)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print gradtrace's version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version
        try:
            text = version("gradtrace")
        except PackageNotFoundError:
            text = "unknown (not installed)"
        print(f"gradtrace {text}")
        parser.exit(0)


def build_parser():
    """The REPL's argument parser (the `kernel` subcommands have their own)."""
    parser = argparse.ArgumentParser(
        prog="gradtrace", description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--existing", nargs="?", const="", default=None, metavar="CONNECTION_FILE",
        help="attach to a running kernel (default: the newest kernel-*.json in Jupyter's runtime dir)")
    target.add_argument(
        "--kernel", action="store_true",
        help="run the code in a private kernel process, shut down when the REPL exits")
    parser.add_argument("--vi", action="store_true", help="vi key bindings instead of emacs ones")
    parser.add_argument("--version", action=_VersionAction)
    return parser


def main(argv=None):
    """Entry point of the `gradtrace` command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "kernel":
        from gradtrace.kernel.cli import kernel_main
        return kernel_main(argv[1:])
    if argv and argv[0] == "lsp":
        from .lsp.main import lsp_main
        return lsp_main(argv[1:])
    args = build_parser().parse_args(argv)

    from .transport import ConnectError
    try:
        transport = _open_transport(args)
    except ConnectError as error:
        print(f"gradtrace: {error}", file=sys.stderr)
        return 1

    from .app import Repl
    if not sys.stdin.isatty():
        return Repl(transport).run_script(sys.stdin)
    return Repl(transport, vi_mode=args.vi).run()


def _open_transport(args):
    if args.existing is not None:
        from .remote import RemoteTransport
        return RemoteTransport.attach(args.existing or None)
    if args.kernel:
        from .remote import RemoteTransport
        return RemoteTransport.start_private()
    from .local import LocalTransport
    return LocalTransport()
