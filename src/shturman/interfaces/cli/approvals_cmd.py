"""`shturman approvals list|approve|deny`: answer a run waiting in any process."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import escape, out, run, with_container
from shturman.interfaces.i18n import t

app = typer.Typer(help="Approval requests waiting for an answer. / Запросы одобрения.",
                  no_args_is_help=True)

AS_USER = ("Answer as this Shturman user (role operator or admin); default: the local OS "
           "user, who holds the data directory. / Ответить от имени пользователя Штурмана.")


@app.command("list")
def list_approvals(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Requests waiting for an answer, oldest first. `--json` prints `[{"id", "server",
    "command", "reasons", "run_id", "expires_at"}]`.

    Запросы, ждущие ответа: старые сверху."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            waiting = await c.approvals.pending()
            lang = settings.language
            if as_json:
                print(json.dumps([{"id": a.id, "server": a.server, "command": a.command,
                                   "reasons": list(a.reasons), "run_id": a.run_id,
                                   "expires_at": a.expires_at.isoformat()} for a in waiting],
                                 ensure_ascii=False))
                return
            if not waiting:
                out.print(t("approvals.none", lang), markup=False)
                return
            for a in waiting:
                reasons = a.reasons_ru if lang == "ru" else a.reasons
                at = t("approvals.expires", lang, at=a.expires_at.strftime("%H:%M:%S UTC"))
                out.print(f"[bold]{escape(a.id)}[/]  {escape(a.server)}: ", end="")
                out.print(a.command, markup=False, highlight=False)
                for reason in reasons:
                    out.print(f"   • {escape(reason)}")
                run_part = f" · run {escape(a.run_id[:8])}" if a.run_id else ""
                out.print(f"   [dim]{escape(at)}{run_part}[/]")

        await with_container(settings, body)

    run(ctx, work)


def _answer(ctx: typer.Context, approval_id: str, as_user: str | None, approve: bool) -> None:
    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            from shturman.services.users import local_principal

            actor = (await c.users.principal(as_user) if as_user is not None
                     else local_principal())
            answered = await c.approvals.decide(approval_id, actor, approve)
            key = "approvals.approved" if approve else "approvals.denied"
            out.print(t(key, settings.language, id=answered.id, server=answered.server,
                        command=answered.command), markup=False, highlight=False)
            return 0

        return await with_container(settings, body)

    raise typer.Exit(run(ctx, work))


@app.command("approve")
def approve(
    ctx: typer.Context,
    approval_id: Annotated[str, typer.Argument(metavar="ID", help="The request's id.")],
    as_user: Annotated[str | None, typer.Option("--as", help=AS_USER)] = None,
) -> None:
    """Approve one request: the waiting run runs exactly that command on that server.
    Exit 0 when it took effect; 2 for an unknown, expired or already answered id.

    Одобрить запрос: ожидающий запуск выполнит именно эту команду."""
    _answer(ctx, approval_id, as_user, True)


@app.command("deny")
def deny(
    ctx: typer.Context,
    approval_id: Annotated[str, typer.Argument(metavar="ID", help="The request's id.")],
    as_user: Annotated[str | None, typer.Option("--as", help=AS_USER)] = None,
) -> None:
    """Deny one request: the command does not run. Exit 0 when it took effect; 2 for an
    unknown, expired or already answered id.

    Отклонить запрос: команда не выполняется."""
    _answer(ctx, approval_id, as_user, False)
