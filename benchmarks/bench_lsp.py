"""Latencies of `gradtrace lsp` as an editor sees them, over stdio with pytest-lsp's client.

Per start (medians over the starts): initialize; the first run of a small training file (the
engine loads behind it); then, medians over repeats, a run, a live hover on a tensor, a completion
after a dot, inlay hints, and how long an interrupt of `time.sleep(30)` takes to come back.

    python benchmarks/bench_lsp.py [--runs N] [--repeats N] [--existing]
"""
import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import make_test_lsp_client
from pytest_lsp.client import client_capabilities

TRAIN = """\
import torch
torch.manual_seed(0)
x = torch.randn(16, 3)
lin = torch.nn.Linear(3, 4)
h = lin(x)
loss = h.pow(2).mean()
loss.backward()
w.requires_gr
"""


def gradtrace_command():
    script = Path(sys.executable).with_name("gradtrace")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gradtrace.repl"]


async def timed(awaitable):
    started = time.perf_counter()
    result = await awaitable
    return time.perf_counter() - started, result


async def one_start(root, args, repeats, env):
    """{measure: seconds} of one server start."""
    client = make_test_lsp_client()
    client.feature("gradtrace/report")(lambda params: None)
    times = {}
    started = time.perf_counter()
    await client.start_io(*gradtrace_command(), "lsp", *args, env=env)
    await client.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                                           root_uri=root.as_uri()))
    times["initialize"] = time.perf_counter() - started
    path = root / "train.py"
    path.write_text(TRAIN.replace("w.requires_gr", "lin.weight.requires_gr"))
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=path.read_text())))
    run = types.ExecuteCommandParams(command="gradtrace.runFile", arguments=[uri])
    times["first run"], _ = await timed(client.workspace_execute_command_async(run))
    at = dict(text_document=types.TextDocumentIdentifier(uri=uri))
    samples = {"run": [], "hover (tensor)": [], "completion (after a dot)": [], "inlay hints": []}
    for _ in range(repeats):
        samples["run"].append((await timed(client.workspace_execute_command_async(run)))[0])
        samples["hover (tensor)"].append((await timed(client.text_document_hover_async(
            types.HoverParams(position=types.Position(line=4, character=0), **at))))[0])
        samples["completion (after a dot)"].append((await timed(client.text_document_completion_async(
            types.CompletionParams(position=types.Position(line=7, character=22), **at))))[0])
        samples["inlay hints"].append((await timed(client.text_document_inlay_hint_async(types.InlayHintParams(
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=9, character=0)),
            **at))))[0])
    times.update((name, statistics.median(values)) for name, values in samples.items())
    sleeper = root / "sleep.py"
    sleeper.write_text("import time\ntime.sleep(30)\n")
    running = asyncio.ensure_future(client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="gradtrace.runFile", arguments=[sleeper.as_uri()])))
    await asyncio.sleep(0.5)
    started = time.perf_counter()
    await client.workspace_execute_command_async(types.ExecuteCommandParams(command="gradtrace.interrupt"))
    await running
    times["interrupt of time.sleep(30)"] = time.perf_counter() - started
    await client.shutdown_session()
    await client.stop()
    return times


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="server starts (default 3)")
    parser.add_argument("--repeats", type=int, default=10, help="repeats of each request per start (default 10)")
    parser.add_argument("--existing", action="store_true", help="attach to a kernel started for the purpose")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(root / "runtime"), GRADTRACE_HISTORY=str(root / "h.sqlite"))
        args, kernel = [], None
        if options.existing:
            import subprocess
            (root / "runtime").mkdir()
            connection = root / "runtime" / "kernel-bench.json"
            kernel = subprocess.Popen(gradtrace_command() + ["kernel", "start", "--connection-file", str(connection)],
                                      env=env, stdout=subprocess.PIPE, text=True)
            for line in kernel.stdout:
                if line.startswith("Attach the REPL:"):
                    break
            args = ["--existing", str(connection)]
        try:
            starts = [await one_start(root, args, options.repeats, env) for _ in range(options.runs)]
        finally:
            if kernel is not None:
                kernel.terminate()
                kernel.communicate(timeout=10)
    print(f"gradtrace lsp ({'--existing kernel' if options.existing else 'in-process'}), "
          f"median of {options.runs} starts x {options.repeats} repeats")
    for name in starts[0]:
        print(f"  {name:<30} {statistics.median(s[name] for s in starts) * 1000:9.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
