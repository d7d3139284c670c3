"""Reliability: thousands of generated frames (malformed, mistyped, unknown, huge, forged, replayed)
leave the kernel alive, run none of the forged or replayed code, answer none of it, and it still answers."""
import subprocess

import pytest

from kernel_harness import client_for, launch, write_connection
from reliability_probes import fuzz_wire


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    path = str(folder / "kernel.json")
    info = write_connection(path, key=b"fuzz-key")
    # The kernel logs a line per dropped message: to a file, since a pipe nobody reads would fill.
    log = open(folder / "kernel.log", "w")
    proc = launch(["-f", path], stderr=log, stdout=subprocess.DEVNULL)
    kc = client_for(path)
    kc.wait_for_ready(timeout=60)
    yield {"info": info, "proc": proc, "kc": kc}
    kc.shutdown()
    try:
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        kc.stop_channels()
        log.close()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("seed", [1, 2])
def test_thousands_of_fuzzed_frames_change_nothing(kernel, tmp_path, seed):
    marker = str(tmp_path / "forged-code-ran")
    figures = fuzz_wire(kernel["info"], kernel["kc"], count=1500, big=2, seed=seed, marker=marker)
    assert kernel["proc"].poll() is None, "the kernel died"
    assert figures["caught_up"], figures
    assert not figures["unsigned_code_ran"], figures
    assert figures["replays_ran"] == 0, figures
    assert figures["replies_to_bad_messages"] == 0, figures
    assert figures["answers_after"], figures
