"""Login rate limiting: failures counted per (client address, user name) and per address.

In memory, per process: the web app runs in one process (`shturman web` or `serve`). A success
clears the pair's count; the per-address limit (four times the pair's) stops one address from
trying many names.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

_MAX_KEYS = 10_000  # bounded memory whatever a client sends


class LoginThrottle:
    def __init__(self, attempts: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._attempts = attempts
        self._window = window
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def retry_after(self, address: str, name: str) -> float:
        """Seconds until this pair may try again (0: it may now)."""
        now = self._clock()
        waits = [self._wait(self._fresh((address, name.lower()), now), self._attempts, now),
                 self._wait(self._fresh((address, ""), now), self._attempts * 4, now)]
        return max(waits)

    def failed(self, address: str, name: str) -> None:
        now = self._clock()
        if len(self._failures) >= _MAX_KEYS:
            self._prune(now)
        for key in ((address, name.lower()), (address, "")):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, name: str) -> None:
        self._failures.pop((address, name.lower()), None)

    def _fresh(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def _wait(self, times: deque[float], limit: int, now: float) -> float:
        if len(times) < limit:
            return 0.0
        return max(0.0, times[-limit] + self._window - now)

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            self._fresh(key, now)
        while len(self._failures) >= _MAX_KEYS:  # still full: forget the oldest
            del self._failures[next(iter(self._failures))]
