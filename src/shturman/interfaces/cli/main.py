"""Top-level `shturman` command: global options and sub-command registration.

Heavy imports (SQLAlchemy, asyncssh, tree-sitter, pydantic-ai) happen inside the commands, so
`shturman --help` and `shturman policy check` start fast.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Annotated, Any

import typer

from shturman.interfaces.cli import (
    approvals_cmd,
    backup_cmd,
    bot_cmd,
    exec_cmd,
    follow_cmd,
    health_cmd,
    jobs_cmd,
    monitor_cmd,
    notifications_cmd,
    policy_cmd,
    run_cmd,
    serve_cmd,
    server_cmd,
    setup_cmd,
    user_cmd,
    web_cmd,
)
from shturman.interfaces.cli.runtime import CliState, Ready, state

app = typer.Typer(
    name="shturman",
    help=(
        "Shturman — AI operations agent for Linux servers. / "
        "Штурман — ИИ-агент эксплуатации Linux-серверов."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Path to shturman.yaml (default: $SHTURMAN_CONFIG, ./shturman.yaml, "
            "$SHTURMAN_HOME/shturman.yaml).",
            envvar="SHTURMAN_CONFIG",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="Print the version and exit. / Версия.",
                     is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    if not isinstance(ctx.obj, CliState):  # e.g. typer's CliRunner: commands needing no store
        ctx.obj = CliState(_no_container)
    state(ctx).config = config


def _print_version(value: bool) -> None:
    if value:
        from shturman import __version__

        typer.echo(f"shturman {__version__}")
        raise typer.Exit()


app.command("run")(run_cmd.run_task)
app.command("ask", help="Ask about your servers (same as run). / Вопрос о серверах.")(
    run_cmd.run_task
)
app.command("plan")(run_cmd.plan)
app.command("analyze")(run_cmd.analyze)
app.command("history")(run_cmd.history)
app.add_typer(run_cmd.runs_app, name="runs")
run_cmd.runs_app.command("follow")(follow_cmd.runs_follow)
app.command("init")(setup_cmd.init)
app.add_typer(server_cmd.app, name="server")
app.command("exec", cls=exec_cmd.SplitAtDashes)(exec_cmd.exec_)
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(setup_cmd.vault_app, name="vault")
app.command("serve")(serve_cmd.serve_command)
app.command("audit")(setup_cmd.audit)
app.add_typer(approvals_cmd.app, name="approvals")
app.add_typer(user_cmd.app, name="user")
app.add_typer(jobs_cmd.app, name="jobs")
app.add_typer(notifications_cmd.app, name="notifications")
app.add_typer(backup_cmd.app, name="backup")
app.command("worker")(jobs_cmd.worker)
app.add_typer(bot_cmd.app, name="bot")
app.command("web")(web_cmd.web)
app.command("health")(health_cmd.health)
app.command("monitor")(monitor_cmd.monitor)


def _no_container(settings: Any) -> AbstractAsyncContextManager[Any]:
    raise RuntimeError("no composition root: start the CLI through shturman.app:main")


def main(build: Callable[[Any], AbstractAsyncContextManager[Any]],
         serve: Callable[[Any, Ready], Awaitable[None]] | None = None, *,
         handed_back: bool = False) -> None:
    """Run the CLI; ``build(settings)`` is the composition root's container factory and
    ``serve(settings, ready)`` its daemon. ``handed_back``: a running daemon already declined
    this command (the fast path asked it), so it is not asked again."""
    if serve is None:
        app(obj=CliState(build, handed_back=handed_back))
    else:
        app(obj=CliState(build, serve, handed_back=handed_back))
