"""Reliability: a kernel that dies is seen dead at once, and a restart through KernelManager answers.
(The REPL's own message for a dead kernel, and its restart, are tested in tests/repl/test_e2e_remote.py.)"""
from kernel_harness import start_kernel, stop_kernel
from reliability_probes import crash_and_restart


def test_a_crashed_kernel_is_seen_dead_within_a_second_and_restarts():
    km, kc = start_kernel()
    try:
        figures = crash_and_restart(km, kc)
        assert figures["seen_dead_s"] < 1.0, figures
        assert figures["answers_after"], figures
        second = crash_and_restart(km, kc)  # and again: the restarted kernel is a full kernel
        assert second["answers_after"], second
    finally:
        stop_kernel(km, kc)
