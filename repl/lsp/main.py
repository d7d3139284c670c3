"""`gradtrace lsp [--existing [FILE]] [--tcp PORT]`: start the language server.

The asyncio loop of the LSP connection runs on a thread of its own; the main thread serves the
Backend (see backend.py). Over stdio the LSP channel gets private copies of file descriptors 0 and
1, and the originals are pointed elsewhere (stdin at /dev/null, stdout at stderr), so nothing user
code or a C library prints can corrupt the protocol stream.
"""
import argparse
import os
import signal
import sys
import threading


def build_parser():
    parser = argparse.ArgumentParser(
        prog="gradtrace lsp",
        description="A language server (LSP) whose hover, completion and inlay hints read the live "
                    "tensors of a gradtrace session; code runs through the gradtrace.runFile and "
                    "gradtrace.runRange commands.")
    parser.add_argument(
        "--existing", nargs="?", const="", default=None, metavar="CONNECTION_FILE",
        help="serve from a running kernel (default: the newest kernel-*.json in Jupyter's runtime dir) "
             "instead of an in-process engine; the kernel keeps running when the server ends")
    parser.add_argument("--tcp", type=int, metavar="PORT",
                        help="listen on 127.0.0.1:PORT instead of talking over stdin/stdout")
    return parser


def _take_stdio():
    """(reader, writer) of the LSP channel, on private copies of fds 0 and 1."""
    reader = os.fdopen(os.dup(0), "rb")
    writer = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return reader, writer


def lsp_main(argv=None):
    """Run the server until the client sends exit (or, over TCP, disconnects); the exit status."""
    args = build_parser().parse_args(argv)
    if args.tcp is not None and not 0 < args.tcp < 65536:
        print(f"gradtrace lsp: --tcp needs a port between 1 and 65535, not {args.tcp}", file=sys.stderr)
        return 2
    from .backend import Backend
    from .server import build_server

    backend = Backend(args.existing)
    server = build_server(backend)
    stop = threading.Event()
    failure = []
    if args.tcp is None:
        channel = _take_stdio()
        # Outside a run, SIGINT (an editor's Ctrl-C reaching its child) must not kill the server;
        # during an in-process run the service installs its own handler, which interrupts the code.
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def serve():
        try:
            if args.tcp is None:
                server.start_io(*channel)
            else:
                server.start_tcp("127.0.0.1", args.tcp)
        except OSError as error:
            failure.append(f"gradtrace lsp: cannot listen on 127.0.0.1:{args.tcp}: {error.strerror}")
        finally:
            stop.set()

    threading.Thread(target=serve, name="gradtrace-lsp", daemon=True).start()
    try:
        backend.serve(stop)
    except KeyboardInterrupt:
        pass
    finally:
        backend.close()
    if failure:
        print(failure[0], file=sys.stderr)
    code = 1 if failure else 0 if server.shutdown_requested or args.tcp is not None else 1
    # Leave at once: a jedi thread may still be inferring (it cannot be stopped), and pygls' stdin
    # reader may sit in a read; the interpreter would wait for both. The service and the kernel
    # client were closed above, which is all the clean-up there is.
    sys.stderr.flush()
    os._exit(code)
