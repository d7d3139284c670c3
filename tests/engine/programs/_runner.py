"""Runs program files as `__main__`, each with its own stdout, and prints {name: output} as JSON.

`python _runner.py real a.py b.py` runs them on real PyTorch; `python _runner.py gradtrace ...` runs
them with `import torch` giving gradtrace's engine, through the same import alias the kernel uses.
One process per mode keeps the cost of importing torch to once for all programs.
"""
import builtins
import contextlib
import io
import json
import os
import sys
import traceback


def run_program(path, mode):
    with open(path) as f:
        source = f.read()
    namespace_builtins = dict(vars(builtins))
    if mode == "gradtrace":
        from gradtrace.kernel.torch_alias import TorchImporter

        namespace_builtins["__import__"] = TorchImporter("gradtrace")
    namespace = {"__name__": "__main__", "__file__": path, "__builtins__": namespace_builtins}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(source, path, "exec"), namespace)
        except (Exception, SystemExit):  # a program may sys.exit()
            # The last frames and the message, so a failing program says where it failed.
            print("".join(traceback.format_exc(limit=-3)))
    return out.getvalue()


def main(argv):
    mode, paths = argv[0], argv[1:]
    results = {os.path.basename(path): run_program(path, mode) for path in paths}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
