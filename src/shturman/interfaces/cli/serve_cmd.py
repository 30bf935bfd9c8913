"""`shturman serve`: start the daemon the composition root hands the CLI (CliState.serve).

The daemon itself lives in `shturman.daemon` and is composed in `app.py`; the client side of
its socket is `interfaces/cli/handoff.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, Protocol, cast

import typer

from shturman.interfaces.cli.runtime import out, run, state
from shturman.interfaces.i18n import t

SETUP = "/setup?"  # the one-time link's path (routes/setup.py)


class _Serve(Protocol):
    """``app.serve``: ``open_url`` is told the web app's URL (with the setup link's path
    while no admin exists)."""

    def __call__(self, settings: Any, ready: Callable[[Path], None], *,
                 open_url: Callable[[str], None] | None = None) -> Awaitable[None]: ...


def print_open(url: str, lang: str) -> None:
    """What `--open` prints: the web app's URL, then the one-time setup link if there is one."""
    base, _, query = url.partition(SETUP)
    out.print(t("admin.cli.open_url", lang, url=base if query else url), markup=False)
    if query:
        out.print(t("admin.cli.setup_url", lang, url=base + SETUP + query), markup=False)


def serve_command(
    ctx: typer.Context,
    open_web: Annotated[bool, typer.Option(
        "--open", help="Also run the web app and print its URL — and, while no admin "
        "exists, the one-time link that creates the first one. / Запустить и веб-приложение "
        "и напечатать его адрес, а пока нет администратора — одноразовую ссылку для его "
        "создания.")] = False,
) -> None:
    """Run the daemon in the foreground: SSH connections stay warm, and `exec`, `run` and
    `plan` hand their work to it over a Unix socket in SHTURMAN_HOME (mode 0600). Stop with
    Ctrl-C or SIGTERM (running commands are interrupted and recorded as such).

    Запустить демон: SSH-соединения остаются открытыми, `exec`, `run` и `plan` передают ему
    работу через сокет в SHTURMAN_HOME. Остановка — Ctrl-C или SIGTERM."""
    serve = cast("_Serve", state(ctx).serve)

    def ready(path: Path) -> None:
        out.print(f"shturman serve: listening on {path} / слушаю {path}", markup=False)

    async def work(settings: Any) -> None:
        if not open_web:
            await serve(settings, ready)
            return
        await serve(settings, ready,
                    open_url=lambda url: print_open(url, settings.language))

    run(ctx, work)
