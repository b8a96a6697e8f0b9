"""Bounded capture of a run's output: a script that prints forever costs a fixed amount."""
from __future__ import annotations

import threading
from typing import BinaryIO


class CappedText:
    """Keeps the first quarter and the last three quarters of `limit` bytes, counts the rest."""

    def __init__(self, limit: int) -> None:
        self.head_limit = limit // 4
        self.tail_limit = limit - self.head_limit
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        excess = len(self.tail) - self.tail_limit
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess

    def text(self) -> str:
        head = self.head.decode("utf-8", "replace")
        tail = self.tail.decode("utf-8", "replace")
        if self.dropped:
            return f"{head}\n[... {self.dropped:,} bytes of output left out ...]\n{tail}"
        return head + tail


def drain(stream: BinaryIO, into: CappedText) -> threading.Thread:
    """Read a pipe to its end in the background, so the writer never blocks on a full pipe."""

    def pump() -> None:
        with stream:
            while chunk := stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536):
                into.add(chunk)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread
