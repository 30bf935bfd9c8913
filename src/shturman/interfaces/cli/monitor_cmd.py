"""`shturman monitor`: the health checks alone (scheduler + workers for `check` jobs), or one
round now (`--once`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shturman.interfaces.cli.health_cmd import show_states
from shturman.interfaces.cli.runtime import out, run, with_container
from shturman.interfaces.i18n import t


def monitor(
    ctx: typer.Context,
    servers: Annotated[list[str] | None, typer.Argument(
        help="With --once: only these servers (default: every watched server).")] = None,
    once: Annotated[bool, typer.Option("--once", help=(
        "Check now, in this process, print the states and exit (0: nothing failing or "
        "down, 1 otherwise)."))] = False,
) -> None:
    """Run the health checks until SIGTERM or Ctrl-C: one `check` job per server every
    `monitoring.interval` seconds (default 60) on the job scheduler, with workers that take
    `check` jobs only (repair runs they start are left to `shturman serve` or
    `shturman worker`). `shturman serve` runs the same checks itself; running both is safe
    (each tick fires once across processes).

    Проверки здоровья серверов до SIGTERM или Ctrl-C; --once — один круг проверок сейчас."""

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            if once:
                names = servers or [s.name for s in await c.monitoring.targets()]
                for name in names:
                    await c.monitoring.check_server(name)
                await c.monitoring.drain()
                states = [s for name in names for s in await c.monitoring.health(name)]
                show_states(states, settings.language)
                return 0 if all(s.state.healthy for s in states) else 1
            if not settings.monitoring.enabled:
                out.print(t("monitor.disabled", settings.language), markup=False)
                return 2

            def ready(watched: int) -> None:
                out.print(t("monitor.ready", settings.language, servers=watched,
                            interval=f"{settings.monitoring.interval:g}"), markup=False)

            await c.run_monitor(ready)
            return 0

        result: int = await with_container(settings, body)
        return result

    code = run(ctx, work)
    if code:
        raise typer.Exit(code)
