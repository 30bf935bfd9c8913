"""`shturman exec SERVER… -- CMD`: one command on one or many servers, concurrently."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from shturman.interfaces.cli.runtime import err, escape, out, run, run_quick, with_container
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

            servers = await resolve(c, targets)
            approver = YesApprover() if yes else TerminalApprover(settings.language)
            results = await c.commands.fan_out(servers, command, actor=Actor("cli", "operator"),
                                               approver=approver, timeout=timeout)
            for name, fp in c.inventory.pinned_now:
                err.print(t("server.pinned", settings.language, name=name, fingerprint=fp))
            rows = [result_row(r) for r in results]
            return finish(rows, settings.language, as_json)

        if not in_process and not handed_off_tried:
            from shturman.interfaces.cli.daemon import exec_via_daemon

            handed = await exec_via_daemon(settings, targets, command, yes, timeout)
            if handed is not None:
                pins, rows = handed
                for name, fp in pins:
                    err.print(t("server.pinned", settings.language, name=name, fingerprint=fp))
                return finish(rows, settings.language, as_json)
        return await with_container(settings, body)

    handed_off_tried = False
    if not in_process:  # a running daemon: hand off before loading settings, store and policy
        async def hand_off(quick: Any) -> int | None:
            from shturman.interfaces.cli.daemon import exec_via_daemon

            handed = await exec_via_daemon(quick, targets, command, yes, timeout)
            if handed is None:
                return None
            pins, rows = handed
            for name, fp in pins:
                err.print(t("server.pinned", quick.language, name=name, fingerprint=fp))
            return finish(rows, quick.language, as_json)

        quick_code = run_quick(ctx, hand_off)
        if quick_code is not None:
            raise typer.Exit(quick_code)
        handed_off_tried = True
    code = run(ctx, work)
    raise typer.Exit(code)


def finish(rows: list[dict[str, Any]], lang: str, as_json: bool) -> int:
    for row in rows:
        print_row(row, lang, as_json)
    ok = sum(row["outcome"] == "ok" for row in rows)
    if not as_json and len(rows) > 1:
        err.print(t("exec.summary", lang, ok=ok, total=len(rows)))
    if ok == len(rows):
        return 0
    # docs/cli.md: 4 = a server could not be reached or logged into (as `server test`, `run`)
    unreachable = any(row["outcome"] == "error" and "decision" not in row for row in rows)
    return 4 if unreachable else 1


async def resolve(c: Any, targets: list[str]) -> list[Any]:
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


def result_row(r: Any) -> dict[str, Any]:
    """One server's result as a JSON-safe row (the `--json` line, also the daemon's wire)."""
    g = r.guarded
    data: dict[str, Any] = {"server": r.server, "error": r.error}
    if g is not None:
        res = g.result
        data.update(
            decision=g.verdict.decision.value,
            reasons=[f"{x.rule_id}: {x.en}" for x in g.verdict.reasons],
            reasons_ru=[f"{x.rule_id}: {x.ru}" for x in g.verdict.reasons],
            outcome=res.outcome.value, exit_code=res.exit_code,
            duration=round(res.duration, 4), stdout=res.stdout.text, stderr=res.stderr.text,
            stdout_bytes=res.stdout.total_bytes, truncated=res.stdout.truncated,
            error=res.error or r.error,
        )
    else:
        data.update(outcome="error", exit_code=None)
    return data


def print_row(row: dict[str, Any], lang: str, as_json: bool) -> None:
    if as_json:
        shown = {k: v for k, v in row.items() if k != "reasons_ru"}
        print(json.dumps(shown, ensure_ascii=False), flush=True)
        return
    server = row["server"]
    outcome = row["outcome"]
    if outcome == "error" and row.get("exit_code") is None and "decision" not in row:
        err.print(f"[bold]── {escape(server)}[/] [red]✗ {escape(row['error'])}[/]")
        return
    if outcome == "blocked":
        reasons = "; ".join(row["reasons_ru"] if lang == "ru" else row["reasons"])
        err.print(f"[bold]── {escape(server)}[/] [red]{t('exec.blocked', lang)}[/]: "
                  f"{escape(reasons)}")
        return
    if outcome == "denied":
        err.print(f"[bold]── {escape(server)}[/] [yellow]{t('exec.denied', lang)}[/]: "
                  f"{escape(row['error'])}")
        return
    mark = "[green]✓[/]" if outcome == "ok" else "[red]✗[/]"
    code = row["exit_code"]
    status = f"exit {code}" if code is not None else outcome
    err.print(f"[bold]── {escape(server)}[/] {mark} {escape(status)}, {row['duration']:.2f}s")
    if row["stdout"]:
        out.print(row["stdout"].rstrip("\n"), markup=False, highlight=False)
    if row["stderr"]:
        err.print(row["stderr"].rstrip("\n"), markup=False, highlight=False)
    if row["error"] and outcome != "ok":
        err.print(f"[red]{escape(row['error'])}[/]")
