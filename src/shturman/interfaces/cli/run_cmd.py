"""`shturman run`, `ask`, `plan`, `history`, `runs show`: the agent from the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from shturman.domain.events import CommandFinished, RunFinished
from shturman.interfaces.cli.render import EventPrinter
from shturman.interfaces.cli.runtime import err, out, run, run_quick, with_container
from shturman.interfaces.i18n import t

MODES = "interactive | autonomous | dry_run | readonly"


def _mode(value: str) -> Any:
    from shturman.domain.models import RunMode

    try:
        return RunMode(value)
    except ValueError:
        raise typer.BadParameter(MODES, param_hint="--mode") from None


def run_task(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(help="The task, in Russian or English.")],
    server: Annotated[str | None, typer.Option("--server", "-s", help="Target server.")]
    = None,
    mode: Annotated[str, typer.Option("--mode", "-m", help=MODES)] = "interactive",
    yes: Annotated[bool, typer.Option("--yes", "-y", help=(
        "Approve state-changing commands in advance (blocked ones never run)."))] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print events as JSON lines.")]
    = False,
) -> None:
    """Do a task on your servers: plan, run (under the policy), verify, report.

    Выполнить задачу: план, команды (под контролем политики), проверка, отчёт.
    Exit code 0 only when the run succeeded (and verified any change); 1 when it failed;
    4 when it failed and a server could not be reached or logged into (docs/cli.md)."""
    request_text = " ".join(text).strip()
    if not request_text:
        raise typer.BadParameter("empty task / пустая задача")
    run_mode = _mode(mode)

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            from shturman.domain.models import Actor
            from shturman.interfaces.cli.approval import TerminalApprover, YesApprover
            from shturman.services.runs import RunRequest

            approver = YesApprover() if yes else TerminalApprover(
                settings.language, settings.agent.approval_timeout)
            printer = EventPrinter(settings.language, as_json)
            outcome = RunOutcome()
            request = RunRequest(request_text, Actor("cli", "operator"), run_mode, server)
            try:
                async for event in c.runs.stream(request, approver):
                    printer.show(event)
                    outcome.see(event)
            finally:
                printer.close()
            return outcome.exit_code

        return await with_container(settings, body)

    async def hand_off(quick: Any) -> int | None:
        """A running `shturman serve` does the run; its questions are asked here."""
        from shturman.interfaces.cli import handoff
        from shturman.interfaces.cli.approval import TerminalApprover

        printer = EventPrinter(quick.language, as_json)
        outcome = RunOutcome()

        def show(event: Any) -> None:
            printer.show(event)
            outcome.see(event)

        async def decide(request: Any, timeout: float) -> Any:
            return await TerminalApprover(quick.language, timeout).decide(request)

        try:
            handled = await handoff.run(
                quick.home, quick.language,
                {"text": request_text, "server": server, "mode": run_mode.value, "yes": yes},
                show=show, decide=decide)
        finally:
            printer.close()
        return outcome.exit_code if handled else None

    handed = run_quick(ctx, hand_off)
    if handed is not None:
        raise typer.Exit(handed)
    raise typer.Exit(run(ctx, work))


class RunOutcome:
    """A run's exit code from its events (docs/cli.md): 0 only when it succeeded and verified
    what it changed; 4 when it failed and a command got no answer from its server; else 1."""

    def __init__(self) -> None:
        self.status, self.verified, self.changed, self.unreachable = "failed", False, False, False

    def see(self, event: Any) -> None:
        match event.payload:
            # outcome "error": the command never got an answer (refused, timed out, login
            # failed, connection lost): docs/cli.md exit code 4, as in `exec`
            case CommandFinished(outcome="error"):
                self.unreachable = True
            case RunFinished() as done:
                self.status, self.verified, self.changed = (done.status, done.verified,
                                                             done.changed)

    @property
    def exit_code(self) -> int:
        if self.status == "succeeded" and (self.verified or not self.changed):
            return 0
        return 4 if self.unreachable else 1


def plan(
    ctx: typer.Context,
    text: Annotated[list[str] | None, typer.Argument(help="The task.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    jsonl: Annotated[Path | None, typer.Option(
        "--jsonl", help="Read lines {\"text\": …} from FILE (- for stdin), "
        "write one JSON object per line.")] = None,
    server: Annotated[str | None, typer.Option("--server", "-s")] = None,
) -> None:
    """Decide how a task would be handled; execute nothing.

    Решить, как будет выполнена задача, ничего не выполняя.
    JSON: {"route": "intent"|"llm"|"none", "intent": NAME|null, "servers": [...],
    "args": {...}, "steps": [...]}."""

    lines = _plan_lines(jsonl) if jsonl is not None else None
    request_text = " ".join(text or []).strip()

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            if lines is not None:
                for item in lines:
                    if "error" not in item:
                        try:
                            item = await c.runs.decide(str(item["text"]), item.get("server"))
                        except (ValueError, KeyError, TypeError) as exc:
                            item = _malformed(exc)
                    print(json.dumps(item, ensure_ascii=False), flush=False)
                return
            _show_plan(await c.runs.decide(request_text, server), as_json)

        await with_container(settings, body)

    async def hand_off(quick: Any) -> int | None:
        """A running `shturman serve` decides (inventory and rules already loaded there)."""
        from shturman.interfaces.cli import handoff

        items = lines if lines is not None else [{"text": request_text, "server": server}]
        asked = [i for i in items if "error" not in i]
        answers = await handoff.plan(quick.home, quick.language, asked)
        if answers is None:
            return None
        if lines is None:
            _show_plan(answers[0], as_json)
            return 0
        given = iter(answers)
        for item in lines:
            shown = item if "error" in item else next(given)
            print(json.dumps(shown, ensure_ascii=False), flush=False)
        return 0

    if run_quick(ctx, hand_off) is None:
        run(ctx, work)


def _plan_lines(source: Path) -> list[dict[str, Any]]:
    """`plan --jsonl`: the input lines, read once (a hand-off that finds no daemon falls back
    to the same lines); a malformed line becomes its answer."""
    import sys

    stream = sys.stdin if str(source) == "-" else source.open(encoding="utf-8")
    items: list[dict[str, Any]] = []
    with stream:
        for line in stream:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                items.append({"text": str(item["text"]), "server": item.get("server")})
            except (ValueError, KeyError, TypeError) as exc:
                items.append(_malformed(exc))
    return items


def _malformed(exc: Exception) -> dict[str, Any]:
    return {"route": "none", "intent": None, "servers": [], "args": {}, "steps": [],
            "error": f"malformed line: {exc}"}


def _show_plan(decided: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(decided, ensure_ascii=False))
        return
    out.print(f"route: {decided['route']}  intent: {decided['intent']}  "
              f"servers: {', '.join(decided['servers']) or '-'}  args: {decided['args']}",
              markup=False)
    for i, step in enumerate(decided["steps"], 1):
        out.print(f"  {i}. {step['server']}: {step['tool']} {step.get('args', {})}",
                  markup=False)
    if decided.get("message"):
        err.print(decided["message"], markup=False)


def analyze(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(help="The task.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Can this task be delegated to the agent? Servers, mode, complexity, time.

    Можно ли поручить задачу агенту: серверы, режим, сложность, время."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            result = await c.runs.analyze(" ".join(text))
            if as_json:
                print(json.dumps(result, ensure_ascii=False))
                return
            for key, value in result.items():
                out.print(f"{key:>20}: {value}", markup=False)

        await with_container(settings, body)

    run(ctx, work)


def history(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n")] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Past runs (newest first) and what they became: the incident memory.

    История запусков и инцидентов."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            runs = await c.runs.history(limit)
            if as_json:
                for r in runs:
                    print(json.dumps({"id": r.id, "created_at": r.created_at.isoformat(),
                                      "request": r.request, "status": r.status,
                                      "route": r.route, "servers": list(r.servers),
                                      "verified": r.verified, "mode": r.mode},
                                     ensure_ascii=False))
                return
            from rich.table import Table

            table = Table(*(t(f"col.{c}", settings.language)
                            for c in ("id", "when", "request", "servers", "status")), "✓")
            for r in runs:
                table.add_row(r.id[:8], r.created_at.strftime("%m-%d %H:%M"), r.request[:60],
                              ", ".join(r.servers), r.status, "✓" if r.verified else "")
            out.print(table)

        await with_container(settings, body)

    run(ctx, work)


runs_app = typer.Typer(help="Inspect runs. / Просмотр запусков.", no_args_is_help=True)


@runs_app.command("show")
def runs_show(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="Run id (a prefix is enough).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Replay a run's recorded event stream. / Воспроизвести события запуска."""

    async def work(settings: Any) -> int:
        async def body(c: Any) -> int:
            ids = await c.runs_repo.ids_like(run_id)
            if len(ids) > 1 and ids[0] != run_id:
                err.print("✗ " + t("err.ambiguous_run", settings.language, id=run_id,
                                   ids=", ".join(i[:12] for i in ids)), markup=False)
                return 2
            record, events = await c.runs.replay(ids[0] if ids else run_id)
            if record is None:
                err.print("✗ " + t("err.no_run", settings.language, id=run_id), markup=False)
                return 2
            printer = EventPrinter(settings.language, as_json)
            for event in events:
                printer.show(event)
            if not as_json:
                out.print(f"[dim]{record.id} · {record.status}[/]")
            return 0

        return await with_container(settings, body)

    raise typer.Exit(run(ctx, work))
