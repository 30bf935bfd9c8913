"""The terminal's two streams, without typer: `interfaces/cli/fastpath.py` prints through
these before (or instead of) loading the typer application."""

from __future__ import annotations

from typing import Any


class LazyConsole:
    """A rich Console built on first use: rich costs ~40 ms to import, and `policy check
    --json`, `--version` or a daemon hand-off print without it."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return getattr(self._console, name)


def escape(text: str) -> str:
    """rich markup escaping, importing rich only when something is printed."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


out: Any = LazyConsole()
err: Any = LazyConsole(stderr=True)
