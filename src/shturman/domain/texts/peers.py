"""Peers, the watchdog and power providers (monitoring)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
}
