"""The iopub publisher: one thread owns the XPUB socket, every other thread hands it messages.

ZeroMQ sockets are not thread-safe, and both the shell (main) thread and the control thread
publish, so messages are serialised by the producing thread and queued, in one total order,
to the publisher thread. Stream text is coalesced (a cell printing a million lines becomes a
few large stream messages) and flushed after a short delay, before any other message, and on
request (before a reply, before exiting).
"""
from __future__ import annotations

import collections
import logging
import os
import threading
import time

import zmq

log = logging.getLogger("gradtrace.kernel")

STREAM_FLUSH_DELAY = 0.05  # seconds a stream chunk may wait for more text
STREAM_CHUNK_BYTES = 1 << 20  # flush earlier than that once a chunk is this large


class IOPubPublisher:
    """Publishes messages on the iopub XPUB socket from its own thread, welcoming new subscribers."""

    def __init__(self, socket: zmq.Socket, session) -> None:
        self._socket = socket
        self._session = session
        self._lock = threading.Lock()
        self._sent = threading.Condition(self._lock)
        self._queue: collections.deque = collections.deque()
        self._queued_count = 0
        self._sent_count = 0
        self._stream_name = None
        self._stream_parent = None
        self._stream_parts: list = []
        self._stream_size = 0
        self._stream_since = 0.0
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="gradtrace-iopub", daemon=True)

    def start(self) -> None:
        """Start the publisher thread."""
        self._thread.start()

    # -- producers (any thread) ------------------------------------------------------------
    def publish(self, msg_type: str, content: dict, parent: dict | None, metadata: dict | None = None,
                buffers: list | None = None) -> None:
        """Queue one message (with binary `buffers` frames, as comms send), after any stream text before it."""
        with self._lock:
            self._flush_stream_locked()
            self._enqueue_locked(msg_type, content, parent, metadata, buffers)
        self._wake()

    def stream(self, name: str, text: str, parent: dict | None) -> None:
        """Add text to the current stream chunk; it goes out within STREAM_FLUSH_DELAY."""
        if not text:
            return
        wake = False
        with self._lock:
            if self._stream_parts and (name != self._stream_name or parent is not self._stream_parent):
                self._flush_stream_locked()
                wake = True
            if not self._stream_parts:
                self._stream_name, self._stream_parent = name, parent
                self._stream_since = time.monotonic()
                wake = True  # the publisher thread must start the flush timer
            self._stream_parts.append(text)
            self._stream_size += len(text)
            if self._stream_size >= STREAM_CHUNK_BYTES:
                self._flush_stream_locked()
        if wake:
            self._wake()

    def flush(self, timeout: float = 5.0) -> bool:
        """Send everything queued so far; wait until it is on the socket. False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._flush_stream_locked()
            target = self._queued_count
        self._wake()
        with self._sent:
            while self._sent_count < target and self._thread.is_alive():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._sent.wait(remaining)
        return self._sent_count >= target

    def stop(self, timeout: float = 5.0) -> None:
        """Flush, then end the publisher thread."""
        self.flush(timeout)
        self._stopping = True
        self._wake()
        self._thread.join(timeout)

    # -- internals ---------------------------------------------------------------------------
    def _enqueue_locked(self, msg_type, content, parent, metadata, buffers=None) -> None:
        msg = self._session.msg(msg_type, content=content, parent=parent or {}, metadata=metadata or {})
        topic = f"kernel.{self._session.session}.{msg_type}".encode()
        frames = self._session.serialize(msg, ident=topic)
        if buffers:
            frames.extend(buffers)  # after the signed frames, as jupyter_client's Session.send does
        self._queue.append(frames)
        self._queued_count += 1

    def _flush_stream_locked(self) -> None:
        if not self._stream_parts:
            return
        text = "".join(self._stream_parts)
        self._stream_parts = []
        self._stream_size = 0
        self._enqueue_locked("stream", {"name": self._stream_name, "text": text}, self._stream_parent, None)

    def _wake(self) -> None:
        try:
            os.write(self._wake_write, b"x")
        except BlockingIOError:
            pass  # the pipe is full: the publisher is already due to wake up

    def _run(self) -> None:
        poller = zmq.Poller()
        poller.register(self._socket, zmq.POLLIN)
        poller.register(self._wake_read, zmq.POLLIN)
        while True:
            timeout = None
            with self._lock:
                if self._stream_parts:
                    timeout = max(0, int((self._stream_since + STREAM_FLUSH_DELAY - time.monotonic()) * 1000))
            try:
                ready = dict(poller.poll(timeout))
            except zmq.ZMQError:
                log.exception("iopub poll failed")
                continue
            if self._socket in ready:
                self._welcome_subscribers()
            if self._wake_read in ready:
                try:
                    while os.read(self._wake_read, 4096):
                        pass
                except BlockingIOError:
                    pass
            self._send_queued()
            if self._stopping:
                return

    def _send_queued(self) -> None:
        with self._lock:
            if self._stream_parts and time.monotonic() - self._stream_since >= STREAM_FLUSH_DELAY:
                self._flush_stream_locked()
            batch = list(self._queue)
            self._queue.clear()
        for frames in batch:
            try:
                self._socket.send_multipart(frames)
            except zmq.ZMQError:
                log.exception("could not publish an iopub message")
        if batch:
            with self._sent:
                self._sent_count += len(batch)
                self._sent.notify_all()

    def _welcome_subscribers(self) -> None:
        """Answer each subscription with iopub_welcome (protocol 5.5); ignore anything else sent to iopub."""
        while True:
            try:
                frames = self._socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            except zmq.ZMQError:
                log.exception("iopub receive failed")
                return
            first = frames[0] if frames else b""
            if len(frames) == 1 and first[:1] == b"\x01":
                topic = first[1:].decode("utf-8", "replace")
                with self._lock:
                    self._enqueue_locked("iopub_welcome", {"subscription": topic}, None, None)
            elif first[:1] != b"\x00":
                log.warning("ignored a %d-frame message sent to the iopub socket", len(frames))
