"""`shturman web`: the web app alone (uvicorn), until SIGTERM or Ctrl-C."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import out, run, with_container
from shturman.interfaces.cli.serve_cmd import print_open
from shturman.interfaces.i18n import t


def web(
    ctx: typer.Context,
    with_workers: Annotated[bool, typer.Option(
        "--with-workers", help="Also run the job workers that carry out the runs started "
        "from the web (otherwise `shturman worker` or `shturman serve` must be running).")
    ] = False,
    port: Annotated[int | None, typer.Option(
        "--port", help="Listen on this port instead of web.port (SHTURMAN_WEB__PORT, "
        "default 8765).")] = None,
    open_web: Annotated[bool, typer.Option(
        "--open", help="Print the web app's URL — and, while no admin exists, the one-time "
        "link that creates the first one. / Напечатать адрес веб-приложения, а пока нет "
        "администратора — одноразовую ссылку для его создания.")] = False,
) -> None:
    """Run the web app in the foreground on web.host:web.port (SHTURMAN_WEB__HOST,
    SHTURMAN_WEB__PORT; default 127.0.0.1:8765) until SIGTERM or Ctrl-C. GET /healthz
    answers without a login; everything else needs a session (`shturman user add NAME --role
    admin --password-stdin`) or an API token (`shturman user token NAME`). The JSON API is
    under /api, its schema at /api/openapi.json.

    Запустить веб-приложение до SIGTERM или Ctrl-C. Без входа отвечает только /healthz."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            opened = await c.open_path() if open_web else ""

            def ready(component: Any) -> None:
                out.print(t("web.ready", settings.language, url=component.url), markup=False)
                if open_web:
                    print_open(component.url + opened, settings.language)

            await c.run_web(ready, workers=with_workers, port=port)

        await with_container(settings, body)

    run(ctx, work)
