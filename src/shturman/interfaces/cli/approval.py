"""Approvers for the terminal: ask a person, or pre-approve when the operator said --yes."""

from __future__ import annotations

import asyncio

import typer
from rich.markup import escape

from shturman.domain.approval import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from shturman.interfaces.cli.runtime import err, is_interactive


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
            for reason in request.verdict.reasons:
                text, rule = escape(reason.text(self._lang)), escape(reason.rule_id)
                err.print(f"   • {text} [dim]({rule})[/]")
            if request.diff:
                err.print(request.diff, markup=False, highlight=False)
            question = "Выполнить? / Run it?" if self._lang == "ru" else "Run it?"
            try:
                answer = await asyncio.wait_for(
                    asyncio.to_thread(typer.confirm, question, default=False), self._timeout
                )
            except TimeoutError:
                return ApprovalDecision(ApprovalOutcome.TIMED_OUT, "cli", request.server,
                                        request.command, "no answer in time: denied")
            except typer.Abort:
                answer = False
        outcome = ApprovalOutcome.APPROVED if answer else ApprovalOutcome.DENIED
        return ApprovalDecision(outcome, "cli:operator", request.server, request.command)


class YesApprover:
    """The operator passed --yes: approves confirm-tier commands (block never reaches here)."""

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        return ApprovalDecision(ApprovalOutcome.APPROVED, "cli:--yes", request.server,
                                request.command, "approved in advance with --yes")
