"""`shturman jobs list|show|cancel` and `shturman worker`: background jobs from the terminal."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import out, run, with_container
from shturman.interfaces.i18n import t

app = typer.Typer(help="Background jobs: list, show, cancel. / Фоновые задания.",
                  no_args_is_help=True)

STATUSES = "queued | running | succeeded | failed | cancelled | expired | interrupted"


def _status(value: str | None) -> Any:
    if value is None:
        return None
    from shturman.domain.jobs import JobStatus

    try:
        return JobStatus(value)
    except ValueError:
        raise typer.BadParameter(STATUSES, param_hint="--status") from None


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help=STATUSES)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Jobs, newest first: `--json` prints `[{"id", "kind", "status", "priority",
    "created_at", "run_id", …}]`.

    Задания, новые сверху."""
    wanted = _status(status)

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            jobs = await c.jobs.recent(wanted, limit)
            if as_json:
                print(json.dumps([j.as_json() for j in jobs], ensure_ascii=False))
                return
            if not jobs:
                out.print(t("jobs.none", settings.language))
                return
            from rich.table import Table

            table = Table(*(t(f"col.{c}", settings.language) for c in (
                "id", "kind", "status", "priority", "server", "created", "run", "attempts")))
            for j in jobs:
                table.add_row(str(j.id), j.kind, j.status.value, str(j.priority),
                              j.server or "", j.created_at.strftime("%m-%d %H:%M:%S"),
                              (j.run_id or "")[:8], f"{j.attempts}/{j.max_attempts}")
            out.print(table)

        await with_container(settings, body)

    run(ctx, work)


@app.command("show")
def show_job(
    ctx: typer.Context,
    job_id: Annotated[int, typer.Argument(help="Job id (see `jobs list`).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One job with its attempts. / Задание и его попытки."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            detail = await c.jobs.show(job_id)
            data = detail.as_json()
            if as_json:
                print(json.dumps(data, ensure_ascii=False))
                return
            for key in ("id", "kind", "status", "priority", "server", "created_at",
                        "started_at", "finished_at", "run_id", "attempts", "error"):
                out.print(f"{key}: {data.get(key) if data.get(key) is not None else ''}",
                          markup=False)
            for attempt in data["attempt_log"]:
                out.print(f"  #{attempt['number']} {attempt['worker']} {attempt['started_at']} "
                          f"→ {attempt['outcome'] or '…'} {attempt['error']}", markup=False)

        await with_container(settings, body)

    run(ctx, work)


@app.command("cancel")
def cancel_job(
    ctx: typer.Context,
    job_id: Annotated[int, typer.Argument(help="Job id (see `jobs list`).")],
) -> None:
    """Cancel a queued job, or ask a running one to stop. Exit 0 when it took effect;
    non-zero for an unknown or finished job.

    Отменить задание (или остановить выполняющееся)."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            from shturman.domain.jobs import JobStatus

            job = await c.jobs.cancel(job_id)
            key = ("jobs.cancelled" if job.status is JobStatus.CANCELLED
                   else "jobs.cancel_requested")
            out.print(t(key, settings.language, id=job.id))

        await with_container(settings, body)

    run(ctx, work)


def worker(ctx: typer.Context) -> None:
    """Run job workers (and the configured schedules) for the configured backend
    (`jobs.backend: embedded|taskiq`) until SIGTERM or Ctrl-C; running jobs finish within
    `jobs.stop_grace` seconds or are recorded as interrupted.

    Запустить обработчики фоновых заданий до SIGTERM."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            def ready() -> None:
                out.print(t("worker.ready", settings.language, workers=settings.jobs.workers,
                            backend=settings.jobs.backend), markup=False)

            await c.run_workers(ready)

        await with_container(settings, body)

    run(ctx, work)
