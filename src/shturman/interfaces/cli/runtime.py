"""Shared CLI plumbing: settings, the container, and the ONE place errors become messages."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from shturman.domain.errors import (
    AuthError,
    ConfigError,
    HostKeyError,
    ShturmanError,
    UnknownServerError,
    UnreachableError,
    VaultError,
)

T = TypeVar("T")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class CliState:
    """What the composition root hands the CLI: how to build the services (ctx.obj)."""

    build: Callable[[Any], AbstractAsyncContextManager[Any]]
    config: Path | None = None


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):
        raise RuntimeError("the CLI must be started through shturman.app:main")
    return obj


def settings_from(ctx: typer.Context, missing_ok: bool = False) -> Any:
    from shturman.config import load_settings

    return load_settings(state(ctx).config, missing_ok=missing_ok)


def run(ctx: typer.Context, work: Callable[[Any], Coroutine[Any, Any, T]], *,
        missing_config_ok: bool = False) -> T:
    """Load settings, run ``work(settings)`` on an event loop, map errors to messages."""
    try:
        settings = settings_from(ctx, missing_config_ok)
        _builder.set(state(ctx).build)
        from shturman.observability.logging import configure

        configure(settings.home / "logs")
        return asyncio.run(work(settings))
    except ShturmanError as exc:
        err.print(f"[bold red]✗[/] {escape(describe(exc))}")
        raise typer.Exit(code=exit_code(exc)) from None
    except KeyboardInterrupt:
        err.print("interrupted / прервано")
        raise typer.Exit(code=130) from None


# Set by run() for the command being executed (asyncio.run copies the context into the loop).
_builder: ContextVar[Callable[[Any], AbstractAsyncContextManager[Any]]] = ContextVar("builder")


async def with_container(settings: Any, body: Callable[[Any], Awaitable[T]]) -> T:
    async with _builder.get()(settings) as c:
        return await body(c)


def describe(exc: ShturmanError) -> str:
    if isinstance(exc, UnknownServerError):
        return (f"unknown server '{exc.name}' (see `shturman server list`) / "
                f"неизвестный сервер '{exc.name}'")
    return str(exc)


def exit_code(exc: ShturmanError) -> int:
    chosen = getattr(exc, "exit_code", None)  # an error relayed from `shturman serve`
    if isinstance(chosen, int):
        return chosen
    if isinstance(exc, ConfigError | VaultError):
        return 3
    if isinstance(exc, UnreachableError | AuthError | HostKeyError):
        return 4
    return 2


def is_interactive() -> bool:
    return sys.stdin.isatty()
