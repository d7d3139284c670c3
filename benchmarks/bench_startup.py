"""Time to the first prompt (and to the first result) of `gradtrace` against IPython's.

Both run in a real pseudo-terminal, as a user starts them; starts alternate between the two and
the medians count. Targets: a first-prompt ratio of at most 0.5 (issue 5) and a first result no
later than IPython's (issue 14).

gradtrace gets there with lazy imports: the language service and pygments' lexer load after the
first prompt is drawn, while the user types, and the rest of the engine after that, without holding
up the first input. The second column (prompt, type `1 + 1`, see `Out[1]: 2`) includes that
loading, so the head start is not hidden. `--load` measures again with a competing CPU-bound
process running.

    python benchmarks/bench_startup.py [--runs N] [--load]
"""
import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

import pexpect

PROMPT = re.compile(r"In \[(?:\x1b\[[0-9;]*m)*1(?:\x1b\[[0-9;]*m)*\]")
FIRST_RESULT = re.compile(r"Out\[(?:\x1b\[[0-9;]*m)*1(?:\x1b\[[0-9;]*m)*\]:(?:\x1b\[[0-9;]*m| )*2")
TARGET_RATIO = 0.5
TARGET_RESULT_RATIO = 1.0


def command(name):
    """The console script installed next to this Python (not a shell shim), else `python -m`."""
    script = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(script):
        return sys.executable, [script]
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed")
    return found, []


def time_one(program, args, env):
    """(seconds to the first prompt, seconds to the value of `1 + 1`)."""
    started = time.perf_counter()
    child = pexpect.spawn(program, args, env=env, encoding="utf-8", dimensions=(40, 120), timeout=60)
    try:
        child.expect(PROMPT)
        prompt = time.perf_counter() - started
        child.send("1 + 1\r")
        child.expect(FIRST_RESULT)
        result = time.perf_counter() - started
    finally:
        child.terminate(force=True)
    return prompt, result


def measure(runs, env):
    """Medians of (first prompt, first result) seconds for gradtrace and IPython, starts alternating."""
    programs = {name: command(name) for name in ("gradtrace", "ipython")}
    for program, args in programs.values():
        time_one(program, args, env)  # warm-up: page cache, .pyc files, IPython's profile dir
    samples = {name: [] for name in programs}
    for _ in range(runs):
        for name, (program, args) in programs.items():
            samples[name].append(time_one(program, args, env))
    return {name: (statistics.median(s[0] for s in rows), statistics.median(s[1] for s in rows))
            for name, rows in samples.items()}


def _spin():
    while True:
        pass


def report(title, results, runs):
    """Print one table; True when both targets are met."""
    ours, theirs = results["gradtrace"], results["ipython"]
    prompt_ratio, result_ratio = ours[0] / theirs[0], ours[1] / theirs[1]
    print(title)
    print(f"{'':12}{'first prompt':>14}{'first result':>14}   (median of {runs}, seconds)")
    print(f"{'gradtrace':12}{ours[0]:14.3f}{ours[1]:14.3f}")
    print(f"{'ipython':12}{theirs[0]:14.3f}{theirs[1]:14.3f}")
    for label, ratio, target in (("first-prompt", prompt_ratio, TARGET_RATIO),
                                 ("first-result", result_ratio, TARGET_RESULT_RATIO)):
        verdict = "meets" if ratio <= target else "MISSES"
        print(f"{label} ratio gradtrace/ipython = {ratio:.2f} ({verdict} the target <= {target})")
    return prompt_ratio <= TARGET_RATIO and result_ratio <= TARGET_RESULT_RATIO


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load", action="store_true", help="measure again with a competing CPU-bound process")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", IPYTHONDIR=scratch,
                   GRADTRACE_HISTORY_FILE=os.path.join(scratch, "gradtrace_history"))
        ok = report("quiet", measure(args.runs, env), args.runs)
        if args.load:
            import multiprocessing

            spinner = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
            spinner.start()
            try:
                print()
                ok = report("loaded: one competing CPU-bound process", measure(args.runs, env), args.runs) and ok
            finally:
                spinner.terminate()
                spinner.join()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
