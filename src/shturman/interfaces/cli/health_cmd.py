"""`shturman health [SERVER] [--json] [--history N]`: every check's stored state."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import out, run, with_container
from shturman.interfaces.i18n import t


def health(
    ctx: typer.Context,
    server: Annotated[str | None, typer.Argument(help="Only this server (name or alias).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list: "
                                          '[{"server", "check", "state", "since", "detail"}].'
                                          )] = False,
    history: Annotated[int, typer.Option("--history", "-n", min=0, help=(
        "Also show the last N results of each check (of SERVER, which is then required)."))
    ] = 0,
) -> None:
    """The state of every health check, as the last checks left it: `ok`, `failing` (fewer
    consecutive failures than `monitoring.down_after`), `down` or `recovered` (the first
    success after a failure). Exit 0 when nothing is failing or down, 1 otherwise.
    The checks run under `shturman serve` or `shturman monitor` (now: `monitor --once`).

    Состояние всех проверок здоровья серверов. Код выхода 0, когда ничего не сбоит и не
    лежит, иначе 1."""
    if history and server is None:
        raise typer.BadParameter("--history needs a SERVER / --history требует SERVER")

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            states = await c.monitoring.health(server)
            if as_json:
                print(json.dumps([s.as_json() for s in states], ensure_ascii=False))
            else:
                show_states(states, settings.language)
                if history and server is not None:
                    results = await c.monitoring.history(server, limit=history * 20)
                    show_history(results, history, settings.language)
            return 0 if all(s.state.healthy for s in states) else 1

        result: int = await with_container(settings, body)
        return result

    code = run(ctx, work)
    if code:
        raise typer.Exit(code)


def show_states(states: Sequence[Any], lang: str) -> None:
    """The states as a table, worst first, with a summary line."""
    if not states:
        out.print(t("health.none", lang), markup=False)
        return
    from rich.table import Table

    order = {"down": 0, "failing": 1, "recovered": 2, "ok": 3}
    colour = {"down": "red", "failing": "yellow", "recovered": "cyan", "ok": "green"}
    table = Table(*(t(f"health.column.{c}", lang)
                    for c in ("server", "check", "state", "since", "detail")))
    for s in sorted(states, key=lambda s: (order[s.state.value], s.server, s.check)):
        word = t(f"monitor.state.{s.state.value}", lang)
        table.add_row(s.server, s.check, f"[{colour[s.state.value]}]{word}[/]",
                      s.since.strftime("%m-%d %H:%M:%S"), _plain(s.detail))
    out.print(table)
    counts = {k: sum(1 for s in states if s.state.value == k) for k in order}
    out.print(t("health.summary", lang, total=len(states), ok=counts["ok"] + counts["recovered"],
                failing=counts["failing"], down=counts["down"]), markup=False)


def show_history(results: Sequence[Any], per_check: int, lang: str) -> None:
    from rich.table import Table

    table = Table(t("health.column.check", lang), t("health.column.at", lang), "ok",
                  t("health.column.detail", lang))
    shown: dict[str, int] = {}
    for r in results:
        if shown.get(r.check, 0) >= per_check:
            continue
        shown[r.check] = shown.get(r.check, 0) + 1
        table.add_row(r.check, r.at.strftime("%m-%d %H:%M:%S"), "✓" if r.ok else "✗",
                      _plain(r.detail))
    out.print(table)


def _plain(text: str) -> str:
    from rich.markup import escape

    return escape(text)
