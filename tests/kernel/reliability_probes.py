"""The reliability suite's parts, each run against any kernel and returning its figures.

tests/kernel/test_reliability_*.py assert on these figures for gradtrace's kernel;
benchmarks/bench_reliability.py prints them for gradtrace's kernel and ipykernel side by side.
Everything is bounded in count and time, and talks to the kernel on loopback only.
"""
from __future__ import annotations

import json
import os
import random
import time
from queue import Empty

import zmq

SLEEP_CELL = "import time\ntime.sleep(30)"


# -- small client helpers ------------------------------------------------------------------------
def reply_to(get, msg_id: str, timeout: float) -> dict | None:
    """The message answering msg_id from a channel getter, or None after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            msg = get(timeout=remaining)
        except Empty:
            return None
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def outputs_until_idle(kc, msg_id: str, timeout: float = 60.0) -> list:
    """iopub messages of msg_id up to its idle status (busy/idle left out); stops at timeout."""
    deadline = time.monotonic() + timeout
    found = []
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        except Empty:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break
            continue
        found.append(msg)
    return found


def answers(kc, code: str = "6 * 7", expected: str = "42", timeout: float = 15.0) -> bool:
    """Whether the kernel runs code and shows `expected` as its result within timeout."""
    msg_id = kc.execute(code)
    if reply_to(kc.get_shell_msg, msg_id, timeout) is None:
        return False
    results = [m["content"]["data"].get("text/plain") for m in outputs_until_idle(kc, msg_id, timeout)
               if m["msg_type"] == "execute_result"]
    return results == [expected]


def drain(kc) -> None:
    """Drop whatever is waiting on the client's iopub and shell channels."""
    for get in (kc.get_iopub_msg, kc.get_shell_msg):
        while True:
            try:
                get(timeout=0.05)
            except Empty:
                break


def stream_text(messages: list, name: str = "stdout") -> str:
    return "".join(m["content"]["text"] for m in messages
                   if m["msg_type"] == "stream" and m["content"]["name"] == name)


# -- wire fuzzing ----------------------------------------------------------------------------------
_SIGNED_TYPES = ("execute_request", "complete_request", "inspect_request", "is_complete_request",
                 "history_request", "kernel_info_request", "comm_info_request", "comm_open", "comm_msg",
                 "comm_close")
# Never sent correctly signed: they are legitimate orders, not attacks.
_ORDERS = ("shutdown_request", "interrupt_request")
_WRONG_VALUES = (None, 0, -1, 2 ** 70, 1.5, "", "x" * 300, [], [1, "a"], {}, {"a": [None]}, True)


class _Fuzzer:
    """Generates frames for a kernel's shell/control sockets, signed with `key` where they should be."""

    def __init__(self, key: bytes, marker: str, seed: int) -> None:
        from jupyter_client.session import Session

        self.rng = random.Random(seed)
        self.session = Session(key=key, username="fuzzer")
        self.forger = Session(key=b"not-the-key", username="fuzzer")
        self.unsigned = Session(key=b"", username="fuzzer")
        # Code that must never run: it arrives unsigned, badly signed or replayed.
        self.canary = f"open({marker!r}, 'a').write('ran\\n')"
        self.harmless_sent = 0  # correctly signed execute_requests with harmless code
        self.bad_ids: set = set()
        self.sent_valid: list = []

    def frames(self) -> tuple:
        """(channel, frames) of the next generated message."""
        kind = self.rng.choice(("multipart", "json", "types", "header", "unknown", "signature",
                                "signature", "replay", "types", "multipart"))
        # Replays and their originals go to shell, where an execute_request would run.
        channel = "control" if kind != "replay" and self.rng.random() < 0.3 else "shell"
        return channel, getattr(self, f"_{kind}")()

    def big(self) -> list:
        """A multi-megabyte message, correctly signed (its code is huge but harmless)."""
        size = self.rng.choice((2, 4, 8)) << 20
        return self._signed("execute_request", {"code": "#" + "x" * size, "silent": True})

    # kinds ----------------------------------------------------------------------------------------
    def _multipart(self) -> list:
        rng = self.rng
        choices = [
            [b""],
            [os.urandom(rng.randrange(0, 64))],
            [b"<IDS|MSG>"],
            [b"<IDS|MSG>", b"sig"],
            [b"<IDS|MSG>"] + [os.urandom(rng.randrange(0, 32)) for _ in range(rng.randrange(1, 8))],
            [os.urandom(8) for _ in range(rng.randrange(1, 20))],
            [b"<IDS|MSG>", b"", b"{}", b"{}", b"{}"],
        ]
        return rng.choice(choices)

    def _json(self) -> list:
        bad = [b"{", b"[]", b"null", b"\xff\xfe", b'{"msg_type": ', b'"text"', b"1e999", b"{" * 2000]
        parts = [self.rng.choice(bad + [b"{}"]) for _ in range(4)]
        return [b"<IDS|MSG>", self.session.sign(parts), *parts]

    def _types(self) -> list:
        msg_type = self.rng.choice(_SIGNED_TYPES)
        content = {key: self.rng.choice(_WRONG_VALUES) for key in
                   ("code", "cursor_pos", "detail_level", "silent", "store_history", "user_expressions",
                    "allow_stdin", "stop_on_error", "hist_access_type", "n", "pattern", "comm_id",
                    "target_name", "data")}
        if msg_type == "execute_request" and isinstance(content["code"], str):
            content["code"] = "pass"  # a signed request may run, but nothing of the fuzzer's
        return self._signed(msg_type, content)

    def _header(self) -> list:
        msg = self.session.msg(self.rng.choice(_SIGNED_TYPES), content={"code": "pass"})
        header = dict(msg["header"])
        for field in self.rng.sample(sorted(header), self.rng.randrange(1, len(header) + 1)):
            if self.rng.random() < 0.5:
                del header[field]
            else:
                header[field] = self.rng.choice(_WRONG_VALUES)
        if header.get("msg_type") == "execute_request":
            header["msg_type"] = "kernel_info_request"
        parts = [json.dumps(part, default=str).encode() for part in (header, {}, {}, {"code": "pass"})]
        return [b"<IDS|MSG>", self.session.sign(parts), *parts]

    def _unknown(self) -> list:
        name = self.rng.choice(("", "x", "execute", "execute_reply", "debug_request", "\u2603" * 10,
                                "a" * 500, "__init__", "status"))
        return self._signed(name, {"code": self.canary})

    def _signature(self) -> list:
        msg_type = self.rng.choice(_SIGNED_TYPES + _ORDERS)
        content = {"code": self.canary, "silent": False}
        session = self.rng.choice((self.forger, self.unsigned, self.session))
        msg = session.msg(msg_type, content=content)
        frames = session.serialize(msg)
        if session is self.session:  # a good signature, then damaged
            signature = frames[1]
            frames[1] = self.rng.choice((signature[:-1], signature.upper(), b"", b"0" * len(signature)))
        self.bad_ids.add(msg["header"]["msg_id"])
        return frames

    def _replay(self) -> list:
        if not self.sent_valid or self.rng.random() < 0.3:
            frames = self._signed("execute_request", {"code": "_fuzz_runs = globals().get('_fuzz_runs', 0) + 1",
                                                      "silent": True})
            self.harmless_sent += 1
            self.sent_valid.append(frames)
            return frames
        return list(self.rng.choice(self.sent_valid))  # the same signed bytes again

    def _signed(self, msg_type: str, content: dict) -> list:
        msg = self.session.msg(msg_type, content=content)
        return self.session.serialize(msg)


def fuzz_wire(info: dict, kc, count: int = 3000, big: int = 3, seed: int = 0, marker: str = "") -> dict:
    """Send `count` generated frames (plus `big` multi-MB messages) to shell and control.

    Figures: seconds per message, whether code that arrived unsigned, badly signed or replayed
    ever ran, whether any bad message was answered, and whether the kernel still answers 6*7.
    """
    fuzzer = _Fuzzer(info["key"].encode(), marker, seed)
    reply_to(kc.get_shell_msg, kc.execute("_fuzz_runs = 0"), 30)
    ctx = zmq.Context()
    sockets = {}
    for channel in ("shell", "control"):
        sock = ctx.socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(f"tcp://{info['ip']}:{info[channel + '_port']}")
        sockets[channel] = sock
    replies_to_bad = 0
    answered = 0

    def collect(wait_ms: int = 0) -> None:
        nonlocal replies_to_bad, answered
        for sock in sockets.values():
            while sock.poll(wait_ms):
                frames = sock.recv_multipart()
                answered += 1
                try:
                    reply = fuzzer.session.deserialize(fuzzer.session.feed_identities(frames)[1])
                except Exception:  # noqa: BLE001 - a reply the fuzzer cannot read is still a reply
                    continue
                if _parent_id(reply) in fuzzer.bad_ids:
                    replies_to_bad += 1
                wait_ms = 0

    started = time.perf_counter()
    for number in range(count):
        channel, frames = fuzzer.frames()
        sockets[channel].send_multipart(frames)
        if number % 200 == 199:
            collect()
    for _ in range(big):
        sockets["shell"].send_multipart(fuzzer.big())
    # The sender is done when the kernel has worked through the queue: a kernel_info round trip
    # on shell comes back after every message sent before it.
    probe = fuzzer.session.msg("kernel_info_request", content={})
    sockets["shell"].send_multipart(fuzzer.session.serialize(probe))
    deadline = time.monotonic() + 120
    caught_up = False
    while time.monotonic() < deadline and not caught_up:
        if not sockets["shell"].poll(200):
            continue
        frames = sockets["shell"].recv_multipart()
        try:
            reply = fuzzer.session.deserialize(fuzzer.session.feed_identities(frames)[1])
        except Exception:  # noqa: BLE001
            continue
        caught_up = _parent_id(reply) == probe["header"]["msg_id"]
        if _parent_id(reply) in fuzzer.bad_ids:
            replies_to_bad += 1
    seconds = time.perf_counter() - started
    collect(300)
    for sock in sockets.values():
        sock.close()
    ctx.term()
    drain(kc)
    still_answers = answers(kc)
    runs = _value_of(kc, "globals().get('_fuzz_runs', 0)")
    return {
        "messages": count + big,
        "caught_up": caught_up,
        "ms_per_message": 1000 * seconds / (count + big),
        "unsigned_code_ran": bool(marker) and os.path.exists(marker),
        "replays_ran": (runs - fuzzer.harmless_sent) if isinstance(runs, int) else None,
        "replies_to_bad_messages": replies_to_bad,
        "answers_after": still_answers,
    }


def _parent_id(reply: dict):
    msg_id = reply.get("parent_header", {}).get("msg_id")
    return msg_id if isinstance(msg_id, str) else None  # fuzzed headers may carry anything


def _value_of(kc, expression: str):
    msg_id = kc.execute(expression)
    if reply_to(kc.get_shell_msg, msg_id, 15) is None:
        return None
    for m in outputs_until_idle(kc, msg_id, 15):
        if m["msg_type"] == "execute_result":
            try:
                return int(m["content"]["data"]["text/plain"])
            except ValueError:
                return None
    return None


# -- interrupts ------------------------------------------------------------------------------------
def interrupt_timing(client, trials: int, seed: int = 0, max_delay: float = 0.05,
                     land_within: float = 1.0) -> dict:
    """`trials` times: execute time.sleep(30), wait 0-max_delay s, send interrupt_request on control.

    `client` should be one that did not start the kernel (it has no process to signal). An interrupt
    lands when the execute_reply is the KeyboardInterrupt error within `land_within` s of it.
    """
    rng = random.Random(seed)
    landed, late, latencies = 0, 0, []
    for _ in range(trials):
        drain(client)
        msg_id = client.execute(SLEEP_CELL)
        time.sleep(rng.uniform(0, max_delay))
        sent = time.monotonic()
        client.control_channel.send(client.session.msg("interrupt_request", {}))
        reply = reply_to(client.get_shell_msg, msg_id, land_within)
        if reply is not None and reply["content"].get("ename") == "KeyboardInterrupt":
            landed += 1
            latencies.append(time.monotonic() - sent)
            continue
        if reply is None:  # late, or lost? A late one still comes without another interrupt.
            reply = reply_to(client.get_shell_msg, msg_id, 5.0)
            late += reply is not None and reply["content"].get("ename") == "KeyboardInterrupt"
        # Lost: interrupt until the cell ends, so that the next trial starts from idle.
        for _ in range(60):
            if reply is not None:
                break
            client.control_channel.send(client.session.msg("interrupt_request", {}))
            reply = reply_to(client.get_shell_msg, msg_id, 0.5)
    latencies.sort()
    return {
        "trials": trials,
        "landed": landed,
        "late": late,  # landed, but after land_within
        "median_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "max_ms": 1000 * latencies[-1] if latencies else None,
        "answers_after": answers(client),
    }


# -- output integrity ------------------------------------------------------------------------------
def numbered_lines(kc, lines: int = 1_000_000) -> dict:
    """A cell printing `lines` numbered lines: seconds until idle, and whether all arrived in order."""
    started = time.perf_counter()
    msg_id = kc.execute(f"for i in range({lines}):\n    print(i)")
    messages = outputs_until_idle(kc, msg_id, timeout=300)
    seconds = time.perf_counter() - started
    reply_to(kc.get_shell_msg, msg_id, 30)
    return {"lines": lines, "seconds": seconds,
            "complete": stream_text(messages) == "".join(f"{i}\n" for i in range(lines))}


THREADS_CELL = """
import sys, threading
def write(t):
    for i in range({lines}):
        sys.stdout.write(f"out {{t}} {{i}}\\n")
        sys.stderr.write(f"err {{t}} {{i}}\\n")
threads = [threading.Thread(target=write, args=(t,)) for t in range({threads})]
for th in threads: th.start()
for th in threads: th.join()
"""


def threads_on_both_streams(kc, threads: int = 4, lines: int = 2000) -> dict:
    """Threads writing numbered lines to stdout and stderr: every line once, each thread's in order."""
    msg_id = kc.execute(THREADS_CELL.format(threads=threads, lines=lines))
    messages = outputs_until_idle(kc, msg_id, timeout=120)
    reply_to(kc.get_shell_msg, msg_id, 30)
    ok = True
    for name, prefix in (("stdout", "out"), ("stderr", "err")):
        got = stream_text(messages, name).splitlines()
        ok &= sorted(got) == sorted(f"{prefix} {t} {i}" for t in range(threads) for i in range(lines))
        for t in range(threads):
            mine = [int(line.split()[2]) for line in got if line.split()[1] == str(t)]
            ok &= mine == list(range(lines))
    return {"threads": threads, "lines_each": lines, "complete_and_ordered": ok}


ENDINGS = {
    "raise": ("print('before'); sys.stderr.write('warned\\n'); raise ValueError('boom')", "ValueError"),
    "KeyboardInterrupt": ("print('before'); raise KeyboardInterrupt", "KeyboardInterrupt"),
    "sys.exit": ("print('before'); sys.exit(3)", None),
}


def output_around_endings(kc) -> dict:
    """Prints just before a raise, a KeyboardInterrupt and sys.exit(): all there, before the error."""
    results = {}
    reply_to(kc.get_shell_msg, kc.execute("import sys"), 15)
    for label, (code, ename) in ENDINGS.items():
        msg_id = kc.execute(code)
        messages = outputs_until_idle(kc, msg_id, 30)
        reply_to(kc.get_shell_msg, msg_id, 15)
        kinds = [m["msg_type"] for m in messages]
        ok = stream_text(messages) == "before\n"
        if ename is not None:
            ok &= "error" in kinds and kinds.index("error") > max(i for i, k in enumerate(kinds) if k == "stream")
            ok &= any(m["content"].get("ename") == ename for m in messages if m["msg_type"] == "error")
        if label == "raise":
            ok &= stream_text(messages, "stderr") == "warned\n"
        results[label] = ok
    return results


EXIT_CELL = "import sys, os\nprint('flushed')\nsys.stdout.flush()\nsys.stderr.write('err')\nsys.stderr.flush()\nos._exit(1)"


def flushed_before_exit(km, kc, runs: int) -> dict:
    """`print; flush; os._exit(1)` `runs` times (restarting the kernel each time): how often it arrived."""
    delivered = 0
    for _ in range(runs):
        drain(kc)
        msg_id = kc.execute(EXIT_CELL)
        text = {"stdout": "", "stderr": ""}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                msg = kc.get_iopub_msg(timeout=0.25)
            except Empty:
                if not km.is_alive():
                    break
                continue
            if msg["msg_type"] == "stream" and msg["parent_header"].get("msg_id") == msg_id:
                text[msg["content"]["name"]] += msg["content"]["text"]
        delivered += text == {"stdout": "flushed\n", "stderr": "err"}
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=60)
    return {"runs": runs, "delivered": delivered}


# -- crash and restart -----------------------------------------------------------------------------
def crash_and_restart(km, kc) -> dict:
    """A cell kills its kernel: seconds until KernelManager sees it dead, then until a restart answers."""
    answers(kc)  # a first input imports the engine: not what this measures
    drain(kc)
    kc.execute("import os\nos._exit(1)")
    started = time.monotonic()
    while km.is_alive() and time.monotonic() - started < 30:
        time.sleep(0.01)
    seen_dead = time.monotonic() - started
    began = time.monotonic()
    km.restart_kernel(now=True)
    kc.wait_for_ready(timeout=60)
    ok = answers(kc)
    return {"seen_dead_s": seen_dead, "restart_s": time.monotonic() - began, "answers_after": ok}


# -- memory ----------------------------------------------------------------------------------------
MLP_SETUP = """
import torch
import torch.nn as nn
def _rss_mb():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS'):
                return int(line.split()[1]) / 1024
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.randn(64, 16), torch.randn(64, 1)
_rss = {}
"""
MLP_LOOP = """
for step in range({steps}):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    if step == 100 or step == {steps} - 1:
        _rss[step] = _rss_mb()
print(round(_rss[100], 2), round(_rss[{steps} - 1], 2))
"""


def _set_up_mlp(kc) -> None:
    msg_id = kc.execute(MLP_SETUP)
    reply_to(kc.get_shell_msg, msg_id, 60)
    outputs_until_idle(kc, msg_id, 60)


def memory_over_a_loop(kc, steps: int = 10_000) -> dict:
    """RSS at step 100 and at the end of a `steps`-step training loop of a small MLP, in one cell."""
    _set_up_mlp(kc)
    started = time.perf_counter()
    msg_id = kc.execute(MLP_LOOP.format(steps=steps))
    messages = outputs_until_idle(kc, msg_id, timeout=900)
    reply_to(kc.get_shell_msg, msg_id, 30)
    text = stream_text(messages).split()
    at_100, at_end = (float(v) for v in text[:2])
    return {"steps": steps, "seconds": time.perf_counter() - started, "rss_at_100_mb": at_100,
            "rss_at_end_mb": at_end, "growth_mb": at_end - at_100}


def memory_over_many_inputs(kc, inputs: int = 1000) -> dict:
    """RSS after 100 and after `inputs` one-step inputs (each showing `loss`, each with its report)."""
    _set_up_mlp(kc)
    cell = "opt.zero_grad()\nloss = ((model(x) - y) ** 2).mean()\nloss.backward()\nopt.step()\nloss"
    rss = {}
    for number in range(inputs):
        msg_id = kc.execute(cell)
        reply_to(kc.get_shell_msg, msg_id, 30)
        # Read iopub as a front end does: output nobody reads waits in the kernel's ZeroMQ queue.
        outputs_until_idle(kc, msg_id, 30)
        if number in (99, inputs - 1):
            rss[number] = _value_of(kc, "int(_rss_mb() * 1024)")
    drain(kc)
    at_100, at_end = rss[99] / 1024, rss[inputs - 1] / 1024
    return {"inputs": inputs, "rss_at_100_mb": at_100, "rss_at_end_mb": at_end, "growth_mb": at_end - at_100}
