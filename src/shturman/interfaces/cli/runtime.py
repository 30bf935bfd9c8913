"""Shared CLI plumbing: settings, the container, and the ONE place errors become messages."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from shturman.domain.backups import BackupError
from shturman.domain.errors import (
    ApprovalError,
    AuthError,
    ConfigError,
    HostError,
    HostKeyError,
    JobStateError,
    PolicyError,
    ServerExistsError,
    ShturmanError,
    UnknownJobError,
    UnknownServerError,
    UnreachableError,
    UserError,
    VaultError,
)
from shturman.interfaces.cli.console import LazyConsole, err, escape, out

if TYPE_CHECKING:  # typer (~30 ms) loads with the typer CLI, not with the fast path
    import typer

__all__ = ["LazyConsole", "err", "escape", "out"]  # re-exported: commands print through these

T = TypeVar("T")
Ready = Callable[[Path], None]


async def _no_daemon(settings: Any, ready: Ready) -> None:
    raise RuntimeError("no daemon: start the CLI through shturman.app:main")


@dataclass
class CliState:
    """What the composition root hands the CLI (ctx.obj): how to build the services, how to
    run the daemon (`shturman serve`), and whether a running daemon already handed this
    command back (so it is not asked twice)."""

    build: Callable[[Any], AbstractAsyncContextManager[Any]]
    serve: Callable[[Any, Ready], Awaitable[None]] = _no_daemon
    handed_back: bool = False
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
    lang = "ru"
    try:
        settings = settings_from(ctx, missing_config_ok)
        lang = settings.language
        _builder.set(state(ctx).build)
        from shturman.observability.logging import configure

        configure(settings.home / "logs")
        import asyncio

        return asyncio.run(stoppable(work(settings)))
    except ShturmanError as exc:
        fail(exc, lang)
    except (KeyboardInterrupt, Terminated):
        from shturman.interfaces.i18n import t

        err.print(t("err.interrupted", lang))
        import typer

        raise typer.Exit(code=130) from None


class Terminated(Exception):
    """SIGTERM arrived: the work was cancelled like Ctrl-C cancels it (records finished)."""


async def stoppable(work: Coroutine[Any, Any, T]) -> T:
    """SIGTERM cancels the work the way Ctrl-C does, so `finally` blocks and the audit writer
    run (no row stays `running`); a command with its own handler (`serve`) replaces this."""
    import asyncio
    import contextlib
    import signal

    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    terminated = False

    def on_term() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, on_term)
    try:
        return await work
    except asyncio.CancelledError:
        if terminated:
            raise Terminated from None
        raise


def run_quick(ctx: typer.Context, work: Callable[[Any], Coroutine[Any, Any, T | None]]
              ) -> T | None:
    """Try ``work(quick_settings)`` — a hand-off to a running `shturman serve` — with no
    pydantic, store or policy loaded. None: nothing handled it, do the work in-process."""
    from shturman.config_light import quick_settings
    from shturman.domain.handoff import socket_path

    if state(ctx).handed_back:
        return None
    quick = quick_settings(state(ctx).config)
    if not socket_path(quick.home).exists():
        return None
    try:
        import asyncio

        return asyncio.run(work(quick))
    except ShturmanError as exc:
        fail(exc, quick.language)
    except KeyboardInterrupt:
        from shturman.interfaces.i18n import t

        err.print(t("err.interrupted", quick.language))
        import typer

        raise typer.Exit(code=130) from None


# Set by run() for the command being executed (asyncio.run copies the context into the loop).
_builder: ContextVar[Callable[[Any], AbstractAsyncContextManager[Any]]] = ContextVar("builder")


async def with_container(settings: Any, body: Callable[[Any], Awaitable[T]]) -> T:
    async with _builder.get()(settings) as c:
        try:
            return await body(c)
        except BaseException:  # Ctrl-C / SIGTERM: say what became of remote commands
            tell_interrupted(getattr(c, "interruptions", list)(), settings.language)
            raise


def tell_interrupted(stops: Sequence[Any], lang: str) -> None:
    """One line per remote command an interrupt reached: stopped there, or still running."""
    from shturman.interfaces.i18n import t

    for stop in stops:
        key = "interrupt.stopped" if stop.stopped else "interrupt.not_stopped"
        err.print(t(key, lang, server=stop.server, command=stop.command.splitlines()[0][:80]),
                  markup=False)


def fail(exc: ShturmanError, lang: str) -> NoReturn:
    """Print the error as one sentence and exit with its code (docs/cli.md)."""
    import typer

    raise typer.Exit(code=report(exc, lang)) from None


def report(exc: ShturmanError, lang: str) -> int:
    """Print the error as one sentence; its exit code (for the fast path, which has no typer)."""
    err.print(f"[bold red]✗[/] {escape(describe(exc, lang))}")
    return exit_code(exc)


def describe(exc: ShturmanError, lang: str = "ru") -> str:
    """The ONE place the CLI turns an error into a sentence: what is wrong and what to do."""
    from shturman.interfaces.i18n import host_detail, one_language, t

    if isinstance(exc, BackupError):
        at = f" @ {exc.commit}" if exc.commit else ""
        return t(f"err.backup_{exc.reason}", lang, server=exc.server, path=exc.path, at=at,
                 commit=exc.commit, detail=exc.detail)
    if isinstance(exc, ApprovalError):
        return t(f"err.approval_{exc.reason}", lang, id=exc.approval_id, status=exc.status,
                 role=exc.role)
    if isinstance(exc, UserError):
        return t(f"err.user_{exc.reason}", lang, name=exc.name, value=exc.value)
    if isinstance(exc, UnknownJobError):
        return t("err.unknown_job", lang, id=exc.job_id)
    if isinstance(exc, PolicyError):
        return t("err.rules_file", lang, detail=" ".join(str(exc).split()))
    if isinstance(exc, JobStateError):
        return t("err.job_final", lang, id=exc.job_id, status=exc.status)
    if isinstance(exc, UnknownServerError):
        candidates = getattr(exc, "candidates", ())
        if candidates:
            return t("err.ambiguous_server", lang, name=exc.name, names=", ".join(candidates))
        return t("err.unknown_server", lang, name=exc.name)
    if isinstance(exc, ServerExistsError):
        kind = getattr(exc, "kind", "registered")
        if kind == "local":
            return t("err.server_local", lang)
        if kind == "config":
            where = getattr(exc, "where", "") or "shturman.yaml"
            detail = getattr(exc, "detail", "")
            key = "err.server_in_config_add" if detail else "err.server_in_config_rm"
            return t(key, lang, name=exc.name, where=where, detail=detail)
        return t("err.server_taken", lang, name=exc.name)
    if isinstance(exc, HostError):
        return f"{exc.server}: {one_language(host_detail(exc.detail, lang), lang)}"
    return one_language(str(exc), lang)  # vault, config, …: "English / Русский" → one half


def exit_code(exc: ShturmanError) -> int:
    chosen = getattr(exc, "exit_code", None)  # an error relayed from `shturman serve`
    if isinstance(chosen, int):
        return chosen
    if isinstance(exc, ConfigError | VaultError | PolicyError):  # a rules file is configuration
        return 3
    if isinstance(exc, UnreachableError | AuthError | HostKeyError):
        return 4
    return 2


def is_interactive() -> bool:
    return sys.stdin.isatty()
