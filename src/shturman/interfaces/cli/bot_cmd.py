"""`shturman bot`: the Telegram bot alone (long polling), and `shturman bot set-token`."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import err, out, run, with_container
from shturman.interfaces.i18n import t

app = typer.Typer(
                  invoke_without_command=True)


@app.callback()
def bot(
    ctx: typer.Context,
    with_workers: Annotated[bool, typer.Option(
        "--with-workers", help="Also run the job workers that carry out what the bot submits "
        "(otherwise `shturman worker` or `shturman serve` must be running).")] = False,
) -> None:
    """Run the Telegram bot in the foreground until SIGTERM or Ctrl-C. The token comes from
    SHTURMAN_TELEGRAM__TOKEN, `telegram.token` in shturman.yaml, or the vault
    (`shturman bot set-token`). Only users linked with `shturman user add NAME --role …
    --telegram-id N` get answers; with none linked the bot refuses to start (exit 3).
    Messages sent while the bot was down are dropped, not acted on late.

    Запустить телеграм-бота до SIGTERM или Ctrl-C. Отвечает только пользователям с
    --telegram-id; если таких нет, бот не запускается."""
    if ctx.invoked_subcommand is not None:
        return

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            def ready(component: Any) -> None:
                out.print(t("tg.bot.ready", settings.language, username=component.username,
                            users=component.linked), markup=False)

            await c.run_bot(ready, workers=with_workers)

        await with_container(settings, body)

    run(ctx, work)


@app.command("set-token")
def set_token(ctx: typer.Context) -> None:
    """Store the bot token (from @BotFather) in the encrypted vault: read from the first line
    of stdin, never from the command line (it would stay in the shell history).

    Сохранить токен бота в хранилище (читается из stdin)."""

    async def work(settings: Any) -> None:
        token = sys.stdin.readline().strip()
        if not token:
            err.print("✗ " + t("tg.bot.empty_token", settings.language), markup=False)
            raise typer.Exit(2)

        async def body(c: Any) -> None:
            from shturman.services.users import local_principal

            await c.store_telegram_token(token, str(local_principal().actor))
            out.print(t("tg.bot.token_saved", settings.language), markup=False)

        await with_container(settings, body)

    run(ctx, work)
