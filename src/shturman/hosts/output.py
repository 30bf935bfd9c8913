"""Bounded capture of a command's output: head and tail kept, bytes counted, binary detected."""

from __future__ import annotations

from collections import deque

from shturman.domain.models import Output


class OutputBuffer:
    """Keeps at most ``cap`` bytes in memory: the first half and the last half of the stream."""

    __slots__ = ("_head", "_head_cap", "_tail", "_tail_cap", "_tail_len", "total")

    def __init__(self, cap: int) -> None:
        self._head_cap = cap // 2
        self._tail_cap = cap - self._head_cap
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_len = 0
        self.total = 0

    def write(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        self._tail.append(data)
        self._tail_len += len(data)
        while self._tail_len - len(self._tail[0]) >= self._tail_cap:
            self._tail_len -= len(self._tail.popleft())

    def result(self) -> Output:
        tail = b"".join(self._tail)
        truncated = self.total > len(self._head) + self._tail_cap
        if len(tail) > self._tail_cap:
            tail = tail[-self._tail_cap :]
        binary = _looks_binary(bytes(self._head[:8192]) or tail[:8192])
        if binary:
            return Output(
                text=f"<binary output: {self.total} bytes / двоичный вывод: {self.total} байт>",
                total_bytes=self.total,
                truncated=truncated,
                binary=True,
            )
        head_text = _decode(bytes(self._head))
        if truncated:
            skipped = self.total - len(self._head) - len(tail)
            text = (
                f"{head_text}\n… [{skipped} bytes skipped / пропущено {skipped} байт] …\n"
                f"{_decode(tail)}"
            )
        else:
            text = head_text + _decode(tail)
        return Output(text=text, total_bytes=self.total, truncated=truncated)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _looks_binary(sample: bytes) -> bool:
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    return bad > max(8, len(text) // 10)


def capture(data: bytes, cap: int) -> Output:
    buf = OutputBuffer(cap)
    buf.write(data)
    return buf.result()
