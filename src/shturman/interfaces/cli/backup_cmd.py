"""`shturman backup run|list|restore`: config backups to git from the terminal."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import err, out, run, with_container
from shturman.interfaces.i18n import t

app = typer.Typer(help="Config backups to git: run, list, restore. / Резервные копии "
                       "конфигураций в git.", no_args_is_help=True)


@app.command("run")
def run_backup(
    ctx: typer.Context,
    servers: Annotated[list[str] | None, typer.Argument(
        help="Servers to back up (default: every registered server).", metavar="[SERVER]...")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Back up the configured paths of servers into the git repository now (one commit per
    server that changed), then push to the remote. Exit 1 when a server could not be read
    or the push failed (the commits are kept and pushed next time).

    Снять резервную копию конфигураций сейчас и отправить в удалённый репозиторий."""

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            from shturman.domain.models import Actor

            report = await c.backups.run(servers or [], actor=Actor("cli", "operator"))
            if as_json:
                print(json.dumps(_report_json(report), ensure_ascii=False))
                return 0 if report.ok else 1
            lang = settings.language
            for s in report.servers:
                if s.error:
                    err.print(t("backup.server_failed", lang, server=s.server, error=s.error),
                              markup=False)
                    continue
                key = "backup.committed" if s.commit else "backup.unchanged"
                out.print(t(key, lang, server=s.server, commit=(s.commit or "")[:12],
                            count=len(s.changes)), markup=False)
                for change in s.changes:
                    note = f"  [{change.redacted}]" if change.redacted else ""
                    out.print(f"  {change.kind.letter} {change.path}{note}", markup=False)
                for skipped in s.skipped:
                    out.print("  " + t("backup.skipped", lang, path=skipped.path,
                                       reason=skipped.reason.value, rule=skipped.rule),
                              markup=False)
            if report.pushed:
                out.print(t("backup.pushed", lang))
            elif report.push_error:
                err.print(t("backup.push_failed", lang, error=report.push_error), markup=False)
            return 0 if report.ok else 1

        return int(await with_container(settings, body))

    raise typer.Exit(run(ctx, work))


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "servers": [{"server": s.server, "commit": s.commit, "error": s.error,
                     "changes": [{"path": c.path, "change": c.kind.value,
                                  "redacted": c.redacted, "detail": c.detail}
                                 for c in s.changes],
                     "skipped": [{"path": k.path, "reason": k.reason.value, "rule": k.rule}
                                 for k in s.skipped]}
                    for s in report.servers],
        "pushed": report.pushed, "push_error": report.push_error}


@app.command("list")
def list_backups(
    ctx: typer.Context,
    server: Annotated[str | None, typer.Argument(help="Only commits of this server.")] = None,
    path: Annotated[str | None, typer.Argument(
        help="Only commits touching this path (a file or directory).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Backup commits, newest first (`--json`: `[{"commit", "at", "summary", "paths"}]`).

    Коммиты резервных копий, новые сверху."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            commits = await c.backups.history(server, path, limit)
            if as_json:
                print(json.dumps([{"commit": k.commit, "at": k.at.isoformat(),
                                   "summary": k.summary, "message": k.message,
                                   "paths": list(k.paths)} for k in commits],
                                 ensure_ascii=False))
                return
            if not commits:
                out.print(t("backup.none", settings.language))
                return
            for k in commits:
                out.print(f"{k.commit[:12]}  {k.at:%Y-%m-%d %H:%M:%S}  {k.summary}",
                          markup=False)

        await with_container(settings, body)

    run(ctx, work)


@app.command("restore")
def restore_backup(
    ctx: typer.Context,
    server: Annotated[str, typer.Argument(help="The server the file belongs to.")],
    path: Annotated[str, typer.Argument(help="The file's path on the server.")],
    at: Annotated[str | None, typer.Option(
        "--at", help="The commit to restore from (default: the newest backup).")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Approve the write in advance (it is a confirm command).")
    ] = False,
) -> None:
    """Show the diff between the server's file and its backup, then write the backup back
    through the policy (a confirm command, with the diff): asked in the terminal, or approved
    in advance with --yes; with neither it is denied. The current file is snapshotted
    first. A copy with secrets redacted is never restored.

    Восстановить файл из резервной копии (через политику, с подтверждением)."""

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            from shturman.domain.models import Actor
            from shturman.interfaces.cli.approval import TerminalApprover, YesApprover

            lang = settings.language
            plan = await c.backups.plan_restore(server, path, at)
            if not plan.needed:
                out.print(t("backup.restore_same", lang, path=plan.stored.path,
                            commit=plan.stored.commit[:12]), markup=False)
                return 0
            if plan.diff:
                out.print(plan.diff, markup=False, highlight=False)
            approver = YesApprover() if yes else TerminalApprover(
                lang, settings.agent.approval_timeout)
            done = await c.backups.restore(plan, actor=Actor("cli", "operator"),
                                           approver=approver)
            if done.ok:
                out.print(t("backup.restored", lang, server=plan.stored.server,
                            path=plan.stored.path, commit=plan.stored.commit[:12]),
                          markup=False)
                if done.snapshot:
                    out.print(t("backup.snapshot", lang, commit=done.snapshot[:12]),
                              markup=False)
                return 0
            err.print(t("backup.restore_refused", lang, outcome=done.outcome,
                        detail=done.detail), markup=False)
            return 1

        return int(await with_container(settings, body))

    raise typer.Exit(run(ctx, work))
