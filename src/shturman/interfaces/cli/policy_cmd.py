"""`shturman policy …`: check commands against the safety policy (services/policy_checks).

Imports of the policy engine happen inside the commands so `shturman --help` stays fast;
`policy check --json|--jsonl` usually never reaches this module (interfaces/cli/fastpath.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

if TYPE_CHECKING:
    from shturman.services.policy_checks import PolicyChecks

app = typer.Typer(
    help="Check commands against the safety policy. / Проверка команд политикой.",
    no_args_is_help=True,
)

RulesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        help="Extra rules YAML file (repeatable); later files override "
        "rules with the same id. / Дополнительный файл правил.",
    ),
]
def _check_lang(value: str | None) -> str | None:
    if value is not None and value not in ("ru", "en"):
        raise typer.BadParameter(f"'{value}': use ru or en / укажите ru или en")
    return value


LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Language of reasons: ru | en (default: the language setting).",
    callback=_check_lang)]


def _language(ctx: typer.Context, lang: str | None) -> str:
    """--lang, else the setting (SHTURMAN_LANGUAGE, `language:`), read without pydantic."""
    if lang is not None:
        return lang
    from shturman.config_light import quick_settings
    from shturman.interfaces.cli.runtime import state

    return quick_settings(state(ctx).config).language


def _check_jobs(value: str) -> str:
    from shturman.interfaces.cli.policy_batch import parse_jobs

    try:
        parse_jobs(value)
    except ValueError:
        raise typer.BadParameter(
            f"'{value}': use auto or a number ≥ 1 / auto или число ≥ 1"
        ) from None
    return value

_LABELS = {
    "ru": {
        "allow": "РАЗРЕШЕНО",
        "confirm": "НУЖНО ПОДТВЕРЖДЕНИЕ",
        "block": "ЗАПРЕЩЕНО",
        "commands": "Команды",
        "reasons": "Причины",
        "preapprovable": "Автономный режим может одобрить сам: известное ограниченное изменение",
        "human": "Только человек: автономный режим это не одобрит",
        "human_mark": "нужен человек",
    },
    "en": {
        "allow": "ALLOWED",
        "confirm": "NEEDS CONFIRMATION",
        "block": "BLOCKED",
        "commands": "Commands",
        "reasons": "Reasons",
        "preapprovable": "Autonomous mode may approve it: a known, bounded change",
        "human": "A person only: autonomous mode will not approve it",
        "human_mark": "needs a person",
    },
}


@app.command("check")
def check(
    ctx: typer.Context,
    command: Annotated[str | None, typer.Argument(help="The command line to judge.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    jsonl: Annotated[
        str | None,
        typer.Option(
            "--jsonl",
            help='File of lines {"cmd": ...} ("-" = stdin); writes one '
            "decision object per line, in order.",
        ),
    ] = None,
    rules: RulesOpt = None,
    lang: LangOpt = None,
    jobs: Annotated[
        str,
        typer.Option(
            "--jobs",
            help="--jsonl only: worker processes, auto (one per CPU) or N. An input of "
            "2,000 lines or more is split across them (forked after the rules load); the "
            "output is the same, in the same order. 1 = judge in this process. "
            "/ Число процессов для --jsonl.",
            callback=_check_jobs,
        ),
    ] = "auto",
) -> None:
    """Judge a command: allow, confirm or block. Exit code 0 whatever the decision
    (1 when a --jsonl worker process died: the batch is incomplete).

    Example: shturman policy check --json 'df -h && rm -rf /'
    """
    from shturman.interfaces.cli.policy_batch import WorkerDied, judge_batch, parse_jobs
    from shturman.services.policy_checks import payload

    if jsonl is None and command is None:
        raise typer.BadParameter("give a COMMAND or --jsonl FILE")
    checks = _checks(ctx, rules, lang)
    if jsonl is not None:
        try:
            if jsonl == "-":
                judge_batch(checks, sys.stdin, sys.stdout, parse_jobs(jobs))
            else:
                with open(jsonl, encoding="utf-8", errors="replace") as src:
                    judge_batch(checks, src, sys.stdout, parse_jobs(jobs))
        except WorkerDied as exc:
            sys.stdout.flush()
            typer.echo(exc.sentence(), err=True)
            raise typer.Exit(1) from None
        return
    assert command is not None
    verdict = checks.verdict(command)
    if as_json:
        sys.stdout.write(json.dumps(payload(verdict), ensure_ascii=False) + "\n")
        return
    lang = _language(ctx, lang)
    labels = _LABELS.get(lang, _LABELS["ru"])
    lines = [labels[verdict.decision.value]]
    if verdict.decision.value == "confirm":
        lines.append(labels["preapprovable"] if verdict.preapprovable else labels["human"])
    lines.append(f"{labels['commands']}:")
    lines += [f"  - {c}" for c in verdict.commands]
    lines.append(f"{labels['reasons']}:")
    human = set(verdict.human_reasons)
    lines += [
        f"  - [{r.rule_id}] {r.text(lang)}" + (f" ({labels['human_mark']})" if r in human else "")
        for r in verdict.reasons
    ]
    typer.echo("\n".join(lines))


def _run_jsonl(policy: Any, src: TextIO, out: TextIO) -> None:
    """`--jsonl` with any judge (tests hand in a broken one)."""
    from shturman.services.policy_checks import judge_lines

    judge_lines(policy, src, out)


@app.command("explain")
def explain(
    ctx: typer.Context,
    command: Annotated[str, typer.Argument(help="The command line to explain.")],
    rules: RulesOpt = None,
    lang: LangOpt = None,
) -> None:
    """Show how a command is parsed and which rule decided each part."""
    typer.echo(_checks(ctx, rules, lang).explain(command, _language(ctx, lang)))


def _checks(ctx: typer.Context, rules: list[Path] | None, lang: str | None) -> PolicyChecks:
    """The policy with the --rules files; one that does not load is one sentence, exit 3."""
    from shturman.domain.errors import PolicyError
    from shturman.interfaces.cli.runtime import fail
    from shturman.services.policy_checks import PolicyChecks

    try:
        return PolicyChecks(tuple(rules or ()))
    except PolicyError as exc:
        fail(exc, _language(ctx, lang))
