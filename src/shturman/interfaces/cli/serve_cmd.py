"""`shturman serve`: start the daemon the composition root hands the CLI (CliState.serve).

The daemon itself lives in `shturman.daemon` and is composed in `app.py`; the client side of
its socket is `interfaces/cli/handoff.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from shturman.interfaces.cli.runtime import out, run, state


def serve_command(ctx: typer.Context) -> None:
    """Run the daemon in the foreground: SSH connections stay warm, and `exec`, `run` and
    `plan` hand their work to it over a Unix socket in SHTURMAN_HOME (mode 0600). Stop with
    Ctrl-C or SIGTERM (running commands are interrupted and recorded as such).

    Запустить демон: SSH-соединения остаются открытыми, `exec`, `run` и `plan` передают ему
    работу через сокет в SHTURMAN_HOME. Остановка — Ctrl-C или SIGTERM."""
    serve = state(ctx).serve

    def ready(path: Path) -> None:
        out.print(f"shturman serve: listening on {path} / слушаю {path}", markup=False)

    async def work(settings: Any) -> None:
        await serve(settings, ready)

    run(ctx, work)
