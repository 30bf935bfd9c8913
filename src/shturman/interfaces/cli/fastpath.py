"""The commands that must start fastest, answered before typer, pydantic or SQLAlchemy load.

- `policy check --json CMD` and `policy check --jsonl FILE [--jobs auto|N]` (corpora,
  benchmarks; a large batch is split across worker processes: `policy_batch`);
- `exec SERVER… -- CMD` and `plan --json TEXT` when a `shturman serve` is running and takes
  them; `--version`;
- `exec [--in-process] SERVER… -- CMD` with no daemon: the same inventory, policy,
  GuardedExecutor, executors (local and SSH, pinned host keys) and audit rows as the typer
  path, built by ``app.light_exec`` on sqlite3 (no typer, pydantic or SQLAlchemy; settings
  validated once per change, see ``config_light.exec_settings``).

Only the exact forms below are taken; anything else — `--help`, an unknown or malformed
option, a value typer would reject — returns :data:`DECLINED` and the typer CLI handles the
command as always (same names, flags, output and exit codes: DESIGN.md §5, docs/cli.md).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from shturman.config_light import ExecSettings

DECLINED: Final = "declined"  # not a fast-path form: the typer CLI handles it
HANDED_BACK: Final = "handed_back"  # a running daemon declined it: typer, in-process, no re-ask


# app.light_exec: the ExecService for `exec` without a daemon (None: use the full CLI)
LightExec = Callable[[Any], AbstractAsyncContextManager[Any]]


def dispatch(argv: list[str], local: LightExec | None = None) -> int | str:
    """An exit code when the command was answered here, else DECLINED or HANDED_BACK."""
    config, rest = _root_options(argv)
    if rest is None:
        return DECLINED
    if rest == [] and argv in (["--version"], ["-V"]):
        from shturman import __version__

        sys.stdout.write(f"shturman {__version__}\n")
        return 0
    if rest[:2] == ["policy", "check"]:
        return _policy_check(rest[2:])
    if rest[:1] == ["exec"]:
        return _exec(rest[1:], config, local)
    if rest[:1] == ["plan"]:
        return _plan(rest[1:], config)
    return DECLINED


def _root_options(argv: list[str]) -> tuple[Path | None, list[str] | None]:
    config: Path | None = None
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        arg = argv[i]
        if arg in ("-c", "--config") and i + 1 < len(argv):
            config, i = Path(argv[i + 1]), i + 2
        elif arg.startswith("--config="):
            config, i = Path(arg.split("=", 1)[1]), i + 1
        elif arg in ("--version", "-V") and len(argv) == 1:
            return None, []
        else:
            return None, None
    return config, argv[i:]


def _policy_check(args: list[str]) -> int | str:
    as_json, jsonl, rules, command = False, None, [], None
    lang_ok = jobs_ok = True
    jobs: int | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if arg == "--json":
            as_json, i = True, i + 1
        elif arg in ("--jsonl", "--rules", "--lang", "--jobs") and value is not None:
            if arg == "--jsonl":
                jsonl = value
            elif arg == "--rules":
                rules.append(Path(value))
            elif arg == "--jobs":
                jobs, jobs_ok = _jobs(value)
            else:
                lang_ok = value in ("ru", "en")
            i += 2
        elif arg == "--" and i + 2 == len(args) and command is None:
            command, i = args[i + 1], i + 2
        elif not arg.startswith("-") and command is None:
            command, i = arg, i + 1
        else:
            return DECLINED
    if not (lang_ok and jobs_ok) or not (jsonl is not None or (as_json and command is not None)):
        return DECLINED  # human output, a bad --lang or --jobs, no command: typer says it
    if jsonl is not None and jsonl != "-" and not Path(jsonl).is_file():
        return DECLINED
    from shturman.domain.errors import PolicyError
    from shturman.services.policy_checks import PolicyChecks, payload

    try:
        checks = PolicyChecks(tuple(rules))
    except PolicyError:
        return DECLINED  # the typer CLI says what is wrong with the rules file, in one line
    if jsonl is not None:
        from shturman.interfaces.cli.policy_batch import WorkerDied, judge_batch

        try:
            if jsonl == "-":
                judge_batch(checks, sys.stdin, sys.stdout, jobs)
            else:
                with open(jsonl, encoding="utf-8", errors="replace") as src:
                    judge_batch(checks, src, sys.stdout, jobs)
        except WorkerDied as exc:
            sys.stdout.flush()
            sys.stderr.write(exc.sentence() + "\n")
            return 1
        return 0
    import json

    assert command is not None
    sys.stdout.write(json.dumps(payload(checks.verdict(command)), ensure_ascii=False) + "\n")
    return 0


def _jobs(value: str) -> tuple[int | None, bool]:
    """`--jobs auto|N`: (None = auto, or N; and whether the value is valid)."""
    from shturman.interfaces.cli.policy_batch import parse_jobs

    try:
        return parse_jobs(value), True
    except ValueError:
        return None, False


def _exec(args: list[str], config: Path | None, local: LightExec | None) -> int | str:
    from shturman.config_light import quick_settings
    from shturman.domain.handoff import socket_path

    parsed = _exec_args(args)
    if parsed is None:
        return DECLINED
    targets, command, yes, as_json, timeout, in_process = parsed
    light = None
    if local is not None:
        from shturman.config_light import exec_settings

        light = exec_settings(config)
    home = light.home if light is not None else quick_settings(config).home
    if in_process or not socket_path(home).exists():
        if light is not None and local is not None:
            return _exec_light(local, light, targets, command, yes, as_json, timeout)
        return DECLINED  # in-process, through typer
    quick = quick_settings(config)
    import asyncio

    from shturman.interfaces.cli import handoff
    from shturman.interfaces.cli.console import err
    from shturman.interfaces.cli.rows import finish, show_pins
    from shturman.interfaces.i18n import t

    try:
        handed = asyncio.run(handoff.exec_(quick.home, quick.language, targets, command, yes,
                                           timeout))
    except handoff.DaemonError as exc:
        return _relayed(exc)
    except KeyboardInterrupt:
        err.print(t("err.interrupted", quick.language))
        return 130
    if handed is None:
        return HANDED_BACK
    show_pins(handed.pinned, quick.language)
    return finish(handed.rows, quick.language, as_json)


def _exec_light(local: LightExec, light: ExecSettings, targets: list[str], command: str,
                yes: bool, as_json: bool, timeout: float | None) -> int | str:
    """`exec SERVER… -- CMD` in this process, as `exec --in-process` does it through typer:
    the same target resolution (names, aliases, `@tag`, `all`), approvals, pins and rows."""
    import asyncio

    from shturman.domain.errors import ShturmanError
    from shturman.domain.models import Actor
    from shturman.interfaces.cli.console import err
    from shturman.interfaces.cli.rows import finish, show_pins
    from shturman.interfaces.cli.runtime import Terminated, report, stoppable, tell_interrupted
    from shturman.interfaces.i18n import t

    async def work() -> Any:
        async with local(light) as lx:
            if lx is None:
                return None
            if yes:
                from shturman.interfaces.cli.approval import YesApprover

                approver: Any = YesApprover()
            else:
                from shturman.interfaces.cli.approval import TerminalApprover

                approver = TerminalApprover(light.language)
            try:
                servers = await lx.execution.resolve(targets)
                return await lx.execution.run(servers, command, actor=Actor("cli", "operator"),
                                              approver=approver, timeout=timeout)
            except BaseException:  # Ctrl-C / SIGTERM: say what became of remote commands
                tell_interrupted(lx.interruptions(), light.language)
                raise

    try:
        done = asyncio.run(stoppable(work()))
    except ShturmanError as exc:
        return report(exc, light.language)
    except (KeyboardInterrupt, Terminated):
        err.print(t("err.interrupted", light.language))
        return 130
    if done is None:
        return DECLINED  # the store needs migrating: the full CLI does it
    show_pins(done.pinned, light.language)
    return finish(done.rows, light.language, as_json)


def _plan(args: list[str], config: Path | None) -> int | str:
    """`plan --json [-s SERVER] TEXT…` decided by a running daemon."""
    from shturman.config_light import quick_settings
    from shturman.domain.handoff import socket_path

    quick = quick_settings(config)
    if not socket_path(quick.home).exists():
        return DECLINED
    as_json, server, words = False, None, []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--json":
            as_json = True
        elif arg in ("-s", "--server") and i + 1 < len(args) and server is None:
            server = args[i + 1]
            i += 1
        elif arg.startswith("-"):
            return DECLINED  # --jsonl, --help, anything else: typer
        else:
            words.append(arg)
        i += 1
    if not as_json:
        return DECLINED
    import asyncio
    import json

    from shturman.interfaces.cli import handoff

    text = " ".join(words).strip()
    try:
        answers = asyncio.run(handoff.plan(quick.home, quick.language,
                                           [{"text": text, "server": server}]))
    except handoff.DaemonError as exc:
        return _relayed(exc)
    except KeyboardInterrupt:
        return 130
    if answers is None:
        return HANDED_BACK
    sys.stdout.write(json.dumps(answers[0], ensure_ascii=False) + "\n")
    return 0


def _relayed(exc: Exception) -> int:
    """An error a running daemon relayed: already one sentence, with its exit code."""
    from shturman.interfaces.cli.console import err

    err.print("✗ " + str(exc), markup=False)
    return int(getattr(exc, "exit_code", 2))


def _exec_args(args: list[str]
               ) -> tuple[list[str], str, bool, bool, float | None, bool] | None:
    """`[--yes|-y] [--json] [--timeout N] [--in-process] SERVER… -- CMD…` (options before
    `--`, as typer reads them); None for anything else."""
    if "--" not in args:
        return None
    dashes = args.index("--")
    head, command_words = args[:dashes], args[dashes + 1:]
    yes = as_json = in_process = False
    timeout: float | None = None
    targets: list[str] = []
    i = 0
    while i < len(head):
        arg = head[i]
        if arg in ("--yes", "-y"):
            yes = True
        elif arg == "--json":
            as_json = True
        elif arg == "--in-process":
            in_process = True
        elif arg == "--timeout" and i + 1 < len(head):
            try:
                timeout = float(head[i + 1])
            except ValueError:
                return None
            i += 1
        elif arg.startswith("-"):
            return None  # --help, anything unknown: typer
        else:
            targets.append(arg)
        i += 1
    command = " ".join(command_words).strip()
    if not targets or not command:
        return None
    return targets, command, yes, as_json, timeout, in_process
