"""`shturman exec SERVER… -- CMD`: one command on one or many servers, concurrently."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from shturman.interfaces.cli.rows import finish, show_pins
from shturman.interfaces.cli.runtime import run, run_quick, with_container


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
    in_process: Annotated[bool, typer.Option(
        "--in-process", help="Do not hand the work to a running `shturman serve`.")] = False,
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

            servers = await c.execution.resolve(targets)
            approver = YesApprover() if yes else TerminalApprover(settings.language)
            done = await c.execution.run(servers, command, actor=Actor("cli", "operator"),
                                         approver=approver, timeout=timeout)
            show_pins(done.pinned, settings.language)
            return finish(done.rows, settings.language, as_json)

        return await with_container(settings, body)

    async def hand_off(quick: Any) -> int | None:
        """A running daemon does it (warm connections); None: it is not up, or hands back."""
        from shturman.interfaces.cli import handoff

        handed = await handoff.exec_(quick.home, quick.language, targets, command, yes,
                                     timeout)
        if handed is None:
            return None
        show_pins(handed.pinned, quick.language)
        return finish(handed.rows, quick.language, as_json)

    if not in_process:  # before settings, store and policy load (unless already asked)
        quick_code = run_quick(ctx, hand_off)
        if quick_code is not None:
            raise typer.Exit(quick_code)
    raise typer.Exit(run(ctx, work))
