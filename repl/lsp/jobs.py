"""A queue of calls served by one thread, each with an optional deadline after which it is dropped.

The Backend's is served by the main thread (the service's calls must run there); jedi's by a
thread of its own (jedi is not thread-safe). A call that waited past its deadline is cancelled
unrun: its caller has stopped waiting, and a busy thread should not work through a backlog.
"""
import concurrent.futures
import queue
import time


class JobQueue:
    """submit() from any thread; serve() on the one thread that runs the calls."""

    def __init__(self):
        self._jobs = queue.Queue()

    def submit(self, fn, *args, deadline=None):
        """A concurrent Future of fn(*args) (time.monotonic() `deadline`: drop it if not started by then)."""
        future = concurrent.futures.Future()
        self._jobs.put((future, fn, args, deadline))
        return future

    def serve(self, stop=None):
        """Run calls until `stop` (a threading.Event) is set, for ever without one."""
        while stop is None or not stop.is_set():
            try:
                future, fn, args, deadline = self._jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            if deadline is not None and time.monotonic() > deadline:
                future.cancel()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as error:  # noqa: BLE001 - a failing call must not end the thread
                future.set_exception(error)
