"""`python -m gradtrace.kernel -f CONNECTION_FILE [--insecure]`: the kernelspec's entry point.

`python -m gradtrace.kernel install|start ...` runs the `gradtrace kernel` subcommands.
"""
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
    args = parser.parse_args(argv)
    from .server import run_kernel

    return run_kernel(args.connection_file, insecure=args.insecure)


if __name__ == "__main__":
    sys.exit(main())
