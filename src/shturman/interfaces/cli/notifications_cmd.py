"""`shturman notifications list|read`: what Shturman told its users (alerts, approvals
waiting, finished runs), from the terminal."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import escape, out, run, with_container
from shturman.interfaces.i18n import t

app = typer.Typer(help="Notifications: alerts, approvals waiting, finished runs. / "
                       "Уведомления: тревоги, ждущие одобрения, завершённые запуски.",
                  no_args_is_help=True)

FOR_USER = ("Only this user's notifications (and those for everyone). / "
            "Только уведомления этого пользователя (и общие).")


@app.command("list")
def list_notifications(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", help=FOR_USER)] = None,
    unread: Annotated[bool, typer.Option("--unread", help="Unread only. / Только непрочитанные.")
                      ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Newest first. `--json` prints `[{"id", "kind", "user", "title", "body", "action",
    "data", "created_at", "read_at"}]`.

    Уведомления, новые сверху."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            found = await c.notifications.list(user, unread=unread, limit=limit)
            if as_json:
                print(json.dumps([{
                    "id": n.id, "kind": n.kind.value, "user": n.user, "title": n.title,
                    "body": n.body, "action": n.action.value, "data": n.data,
                    "created_at": n.created_at.isoformat() if n.created_at else None,
                    "read_at": n.read_at.isoformat() if n.read_at else None}
                    for n in found], ensure_ascii=False))
                return
            if not found:
                out.print(t("notifications.none", settings.language), markup=False)
                return
            for n in found:
                mark = "•" if n.unread else " "
                who = f" → {escape(n.user)}" if n.user else ""
                out.print(f"{mark} [bold]{n.id}[/] [dim]{escape(n.kind.value)}{who}[/] "
                          f"{escape(n.title)}")

        await with_container(settings, body)

    run(ctx, work)


@app.command("read")
def read(
    ctx: typer.Context,
    notification_id: Annotated[int, typer.Argument(metavar="ID")],
    user: Annotated[str | None, typer.Option("--user", help=FOR_USER)] = None,
) -> None:
    """Show one notification in full and mark it read (exit 1: no such notification, or not
    for this user).

    Показать уведомление целиком и отметить прочитанным."""

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            found = [n for n in await c.notifications.list(user, limit=1000)
                     if n.id == notification_id]
            if not found:
                out.print(t("notifications.unknown", settings.language, id=notification_id),
                          markup=False)
                return 1
            n = found[0]
            await c.notifications.mark_read(n.id, user)
            out.print(f"[bold]{escape(n.title)}[/]")
            out.print(n.body, markup=False, highlight=False)
            return 0

        return await with_container(settings, body)

    raise typer.Exit(run(ctx, work))
