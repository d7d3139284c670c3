"""`python -m gradtrace.kernel -f CONNECTION_FILE [--insecure]`: the kernelspec's entry point.

As with ipykernel, a CONNECTION_FILE that does not exist yet is written by the kernel (0600, fresh
ports and key, on --ip/--transport) and removed when it ends.
`python -m gradtrace.kernel install|start ...` runs the `gradtrace kernel` subcommands.
"""
import os
import sys


def main(argv=None) -> int:
    """Run the kernel on a connection file, or a `gradtrace kernel` subcommand."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("install", "start"):
        from .cli import kernel_main

        return kernel_main(argv)
    import argparse  # cheap, and only here: start-up time is measured

    parser = argparse.ArgumentParser(prog="python -m gradtrace.kernel",
                                     description="Run a gradtrace Jupyter kernel on a connection file.")
    parser.add_argument("-f", "--connection-file", required=True, metavar="CONNECTION_FILE",
                        help="the Jupyter connection file written by the client that launches the kernel")
    parser.add_argument("--insecure", action="store_true",
                        help="accept a connection file with an empty key (unsigned messages)")
    parser.add_argument("--ip", help="where to listen when the kernel writes CONNECTION_FILE (default: 127.0.0.1)")
    parser.add_argument("--transport", choices=("tcp", "ipc"), default="tcp",
                        help="ZeroMQ transport when the kernel writes CONNECTION_FILE (default: tcp)")
    args = parser.parse_args(argv)
    if not os.path.lexists(args.connection_file):
        from .standalone import start

        ip = args.ip or ("127.0.0.1" if args.transport == "tcp"
                         else os.path.splitext(os.path.abspath(args.connection_file))[0] + "-ipc")
        return start(ip=ip, transport=args.transport, connection_file=args.connection_file)
    from .server import run_kernel

    return run_kernel(args.connection_file, insecure=args.insecure)


if __name__ == "__main__":
    sys.exit(main())
