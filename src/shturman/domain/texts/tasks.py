"""Tasks, task analysis, delegation and the chat (web app)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
}
