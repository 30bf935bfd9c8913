"""`shturman exec SERVER… -- CMD`: one command on one or many servers, concurrently."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from shturman.interfaces.cli.runtime import err, out, run, with_container
from shturman.interfaces.i18n import t


class SplitAtDashes(TyperCommand):
    """Remembers where `--` stood, so `exec a b -- df -h` splits servers from the command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["dashes"] = args.index("--") if "--" in args else None
        ctx.meta["raw"] = list(args)
        return super().parse_args(ctx, args)


def exec_(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(
        help="Servers (names, aliases, @tag or `all`), then `--`, then the command.",
        metavar="SERVER... -- CMD")],
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Approve state-changing (confirm) commands in advance. "
        "Blocked commands never run.")] = False,
    timeout: Annotated[float | None, typer.Option(help="Per-command timeout, seconds.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per server.")]
    = False,
) -> None:
    """Run one command on one or many servers at once; every command passes the policy.

    Выполнить команду на одном или нескольких серверах; каждая команда проходит политику.

    Example: shturman exec vm1 vm2 -- uptime
    """
    raw: list[str] = ctx.meta.get("raw", words)
    dashes = ctx.meta.get("dashes")
    if dashes is not None:
        command_words = raw[dashes + 1 :]
        targets = words[: len(words) - len(command_words)]
    else:
        targets, command_words = words[:-1], words[-1:]
    command = " ".join(command_words).strip()
    if not targets or not command:
        raise typer.BadParameter("usage: shturman exec SERVER... -- CMD")

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            from shturman.domain.models import Actor
            from shturman.interfaces.cli.approval import TerminalApprover, YesApprover

            servers = await _resolve(c, targets)
            approver = YesApprover() if yes else TerminalApprover(settings.language)
            results = await c.commands.fan_out(servers, command, actor=Actor("cli", "operator"),
                                               approver=approver, timeout=timeout)
            for name, fp in c.inventory.pinned_now:
                err.print(t("server.pinned", settings.language, name=name, fingerprint=fp))
            for r in results:
                (_print_json if as_json else _print_human)(r, settings.language)
            ok = sum(r.ok for r in results)
            if not as_json and len(results) > 1:
                err.print(t("exec.summary", settings.language, ok=ok, total=len(results)))
            return 0 if ok == len(results) else 1

        return await with_container(settings, body)

    code = run(ctx, work)
    raise typer.Exit(code)


async def _resolve(c: Any, targets: list[str]) -> list[Any]:
    everyone = await c.inventory.all()
    chosen: list[Any] = []
    for target in targets:
        if target == "all":
            matched = [s for s in everyone if s.name != "local"]
        elif target.startswith("@"):
            matched = [s for s in everyone if target[1:] in s.tags]
        else:
            matched = [await c.inventory.get(target)]
        chosen.extend(s for s in matched if s not in chosen)
    return chosen


def _print_json(r: Any, lang: str) -> None:
    g = r.guarded
    data: dict[str, Any] = {"server": r.server, "error": r.error}
    if g is not None:
        res = g.result
        data.update(
            decision=g.verdict.decision.value,
            reasons=[f"{x.rule_id}: {x.en}" for x in g.verdict.reasons],
            outcome=res.outcome.value, exit_code=res.exit_code,
            duration=round(res.duration, 4), stdout=res.stdout.text, stderr=res.stderr.text,
            stdout_bytes=res.stdout.total_bytes, truncated=res.stdout.truncated,
            error=res.error or r.error,
        )
    else:
        data.update(outcome="error", exit_code=None)
    print(json.dumps(data, ensure_ascii=False), flush=True)


def _print_human(r: Any, lang: str) -> None:
    g = r.guarded
    if g is None:
        err.print(f"[bold]── {r.server}[/] [red]✗ {r.error}[/]")
        return
    res = g.result
    if res.outcome.value == "blocked":
        reasons = "; ".join(x.text(lang) for x in g.verdict.reasons)
        err.print(f"[bold]── {r.server}[/] [red]{t('exec.blocked', lang)}[/]: {reasons}")
        return
    if res.outcome.value == "denied":
        err.print(f"[bold]── {r.server}[/] [yellow]{t('exec.denied', lang)}[/]: {res.error}")
        return
    mark = "[green]✓[/]" if res.ok else "[red]✗[/]"
    status = f"exit {res.exit_code}" if res.exit_code is not None else res.outcome.value
    err.print(f"[bold]── {r.server}[/] {mark} {status}, {res.duration:.2f}s")
    if res.stdout.text:
        out.print(res.stdout.text.rstrip("\n"), markup=False, highlight=False)
    if res.stderr.text:
        err.print(res.stderr.text.rstrip("\n"), markup=False, highlight=False)
    if res.error and res.outcome.value != "ok":
        err.print(f"[red]{res.error}[/]")
