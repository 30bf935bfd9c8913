"""`shturman runs follow ID`: a run's events as they happen, from any process."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from shturman.domain.events import ApprovalRequested, RunFinished
from shturman.interfaces.cli.render import EventPrinter
from shturman.interfaces.cli.runtime import err, out, run, with_container
from shturman.interfaces.i18n import t


def runs_follow(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="Run id (a prefix is enough).")],
    as_json: Annotated[bool, typer.Option("--json", help=(
        "Print events as JSON lines (the shape of `run --json`)."))] = False,
    after: Annotated[int, typer.Option("--after", metavar="SEQ", help=(
        "Start after this event number (resume where a follower stopped)."))] = -1,
) -> None:
    """Follow a run live: what was recorded so far, then each event as it is stored; ends
    when the run finishes. Ctrl-C stops following only (the run goes on). Exit code as for
    `run`: 0 when the run succeeded (and verified any change), 1 otherwise.

    Следить за запуском: события по мере записи; Ctrl-C прекращает только слежение."""

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            lang = settings.language
            ids = await c.runs_repo.ids_like(run_id)
            if len(ids) > 1 and ids[0] != run_id:
                err.print("✗ " + t("err.ambiguous_run", lang, id=run_id,
                                   ids=", ".join(i[:12] for i in ids)), markup=False)
                return 2
            if not ids:
                err.print("✗ " + t("err.no_run", lang, id=run_id), markup=False)
                return 2
            printer = EventPrinter(lang, as_json)
            finished: RunFinished | None = None
            try:
                async for event in c.events.subscribe(ids[0], after):
                    printer.show(event)
                    match event.payload:
                        case ApprovalRequested(approval_id=approval_id) if not as_json:
                            err.print("    " + t("follow.answer", lang, id=approval_id),
                                      markup=False)
                        case RunFinished() as done:
                            finished = done
            except asyncio.CancelledError:  # Ctrl-C / SIGTERM: only this follower stops
                printer.close()
                err.print(t("follow.stopped", lang), markup=False)
                return 130
            finally:
                printer.close()
            if finished is None:  # ended without run_finished: cancelled or interrupted
                record, _ = await c.runs.replay(ids[0])
                if not as_json and record is not None:
                    out.print(f"[dim]{record.id} · {record.status}[/]")
                return 1
            ok = finished.status == "succeeded" and (finished.verified or not finished.changed)
            return 0 if ok else 1

        return await with_container(settings, body)

    raise typer.Exit(run(ctx, work))
