"""Servers and settings edited from the web app (admin)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
}
