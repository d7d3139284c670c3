"""`gradtrace kernel install|start`: the kernel's command-line subcommands."""
from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gradtrace kernel", description="Manage the gradtrace Jupyter kernel.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{install,start}")

    install = commands.add_parser("install", help="register the kernel with Jupyter")
    where = install.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for the current user only")
    where.add_argument("--sys-prefix", action="store_true", help="install into this Python's sys.prefix")
    where.add_argument("--prefix", metavar="DIR", help="install under DIR/share/jupyter/kernels")
    install.add_argument("--name", default="gradtrace", help="kernelspec name (default: gradtrace)")

    start = commands.add_parser("start", help="start a standalone kernel for remote use")
    start.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    start.add_argument("--connection-file", metavar="FILE",
                       help="where to write the connection file (default: Jupyter's runtime directory)")
    start.add_argument("--encrypt", action="store_true", help="encrypt the transport with CurveZMQ")
    return parser


def kernel_main(argv=None) -> int:
    """Run `gradtrace kernel ARGV...`; returns the exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.command == "install":
        from .kernelspec import install

        try:
            path = install(user=args.user, sys_prefix=args.sys_prefix, prefix=args.prefix, name=args.name)
        except (ValueError, OSError) as exc:
            print(f"gradtrace kernel install: {exc}", file=sys.stderr)
            return 1
        print(f"Installed kernelspec {args.name} in {path}")
        return 0
    from .standalone import start

    return start(ip=args.ip, connection_file=args.connection_file, encrypt=args.encrypt)
