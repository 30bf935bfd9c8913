"""Approvers for the terminal: ask a person, or pre-approve when the operator said --yes."""

from __future__ import annotations

import asyncio
import sys

from shturman.domain.approval import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from shturman.interfaces.cli.runtime import err, escape, is_interactive


class TerminalApprover:
    """Shows server, exact command, decision and reasons (and a diff), then asks y/N."""

    def __init__(self, lang: str = "ru", timeout: float = 300.0) -> None:
        self._lang = lang
        self._timeout = timeout
        self._lock = asyncio.Lock()

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        if not is_interactive():
            return ApprovalDecision(ApprovalOutcome.UNAVAILABLE, "cli", request.server,
                                    request.command, "no terminal: denied (fail closed)")
        async with self._lock:  # one question at a time
            err.print(f"\n[bold yellow]?[/] [bold]{escape(request.server)}[/]: ", end="")
            err.print(request.command, markup=False, highlight=False)
            risk = ("риск: меняет состояние сервера" if self._lang == "ru"
                    else "risk: changes the server's state")
            err.print(f"   [yellow]{risk} ({request.verdict.decision.value})[/]")
            human = set(request.verdict.human_reasons)
            mark = " — нужен человек" if self._lang == "ru" else " — needs a person"
            for reason in request.verdict.reasons:
                text, rule = escape(reason.text(self._lang)), escape(reason.rule_id)
                err.print(f"   • {text} [dim]({rule})[/]{mark if reason in human else ''}")
            if request.diff:
                err.print(request.diff, markup=False, highlight=False)
            question = ("Выполнить? [д/y — да, Enter — нет]" if self._lang == "ru"
                        else "Run it? [y — yes, Enter — no]")
            try:
                answer = await asyncio.wait_for(ask(question), self._timeout)
            except TimeoutError:
                return ApprovalDecision(ApprovalOutcome.TIMED_OUT, "cli", request.server,
                                        request.command, "no answer in time: denied")
        outcome = ApprovalOutcome.APPROVED if answer else ApprovalOutcome.DENIED
        return ApprovalDecision(outcome, "cli:operator", request.server, request.command)


YES = frozenset({"y", "yes", "д", "да"})


async def ask(question: str) -> bool:
    """Ask on its own line and read the answer on the event loop (not in a thread), so Ctrl-C
    interrupts at once instead of waiting for Enter. Anything but yes — or end of input — is no."""
    err.print(f"[bold]{escape(question)}[/] ", end="")
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[str] = loop.create_future()
    fd = sys.stdin.fileno()

    def readable() -> None:
        line = sys.stdin.readline()  # a terminal hands over whole lines: this never blocks
        if not answered.done():
            answered.set_result(line)

    loop.add_reader(fd, readable)
    try:
        line = await answered
    finally:
        loop.remove_reader(fd)
    return line.strip().lower() in YES


class YesApprover:
    """The operator passed --yes: approves confirm-tier commands (block never reaches here)."""

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        return ApprovalDecision(ApprovalOutcome.APPROVED, "cli:--yes", request.server,
                                request.command, "approved in advance with --yes")
