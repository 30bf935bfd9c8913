"""Running one planned action: the tool (or runbook), then autocorrection when it fails.

Deterministic remedies come first; a model-proposed fix only when a model is configured. A
refused command (blocked or not approved) is never "corrected" around.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from shturman.agent.autocorrect import deterministic
from shturman.agent.plan import Action, Fix
from shturman.agent.runbooks import RUNBOOKS, RepairReport
from shturman.agent.templates import render
from shturman.domain.errors import ShturmanError
from shturman.domain.events import Autocorrected, EventSink
from shturman.policy.redaction import frame_untrusted
from shturman.tools import TOOLS, ToolContext, ToolResult

Emit = EventSink
FixProposer = Callable[[str], Awaitable[Fix]]  # prompt → model's Fix


class IterationBudget:
    """Counts actions and model calls; raises when the run's limit is reached."""

    def __init__(self, limit: int, deadline: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.used = 0
        self._deadline = deadline
        self._clock = clock

    def spend(self) -> None:
        self.used += 1
        if self.used > self.limit:
            raise MaxIterationsExceeded(f"more than {self.limit} iterations")
        if self._clock() > self._deadline:
            raise MaxIterationsExceeded("the run's wall-time limit was reached")


class MaxIterationsExceeded(ShturmanError):
    pass


@dataclass
class ActionOutcome:
    action: Action
    result: ToolResult
    attempts: list[tuple[Action, ToolResult]] = field(default_factory=list)
    repair: RepairReport | None = None

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def changed(self) -> bool:
        return any(r.changed for _a, r in self.attempts) or (
            self.repair is not None and self.repair.changed)


class ActionRunner:
    def __init__(self, ctx: ToolContext, emit: Emit, budget: IterationBudget,
                 error_threshold: int, propose_fix: FixProposer | None = None) -> None:
        self._ctx = ctx
        self._emit = emit
        self._budget = budget
        self._threshold = error_threshold
        self._propose_fix = propose_fix
        self._seen: list[Action] = []  # corrections already tried in this run

    async def call(self, action: Action) -> tuple[ToolResult, RepairReport | None]:
        """One tool call, no correction."""
        self._budget.spend()
        if action.tool in RUNBOOKS:
            service = str(action.args.get("service", ""))

            async def note(remedy: str, text: str) -> None:
                await self._emit(Autocorrected(server=action.server, remedy=remedy,
                                               description=text))

            try:
                report = await RUNBOOKS[action.tool](self._ctx, action.server, service, note)
            except (ShturmanError, ValueError) as exc:
                return ToolResult(action.tool, action.server, False, str(exc)), None
            say = self._ctx.say
            summary = report.verification or say("ремонт завершён", "repair finished")
            if report.healthy_before:
                summary = say(f"{service} уже был исправен: {summary}",
                              f"{service} was already healthy: {summary}")
            result = ToolResult(action.tool, action.server, report.verified, summary,
                                tuple(c for r in report.results for c in r.commands),
                                changed=report.changed, data={"service": service})
            return result, report
        spec = TOOLS.get(action.tool)
        if spec is None:
            return ToolResult(action.tool, action.server, False,
                              f"unknown tool {action.tool!r}; known: {', '.join(TOOLS)}"), None
        args = {"server": action.server, **action.args}
        if action.tool == "run_command" and "timeout" not in args:
            args["timeout"] = action.timeout
        return await spec(self._ctx, args), None

    async def run(self, action: Action, step_title: str) -> ActionOutcome:
        result, repair = await self.call(action)
        outcome = ActionOutcome(action, result, [(action, result)], repair)
        failures = 0
        current = action
        while not outcome.result.ok and not outcome.result.refused:
            failures += 1
            if failures >= self._threshold:
                break
            nxt = await self._correction(current, outcome.result, step_title, failures)
            if nxt is None:
                break
            current = nxt
            result, repair = await self.call(current)
            outcome.attempts.append((current, result))
            outcome.result = result
            outcome.repair = repair or outcome.repair
        return outcome

    async def _correction(self, action: Action, result: ToolResult, step: str,
                          attempt: int) -> Action | None:
        remedy = deterministic(action, result, self._ctx.lang)
        tried = {(a.tool, str(sorted(a.args.items()))) for a in [action, *self._seen]}
        if remedy is not None:
            before_output = ""
            for pre in remedy.before:
                pre_result, _ = await self.call(pre)
                before_output += pre_result.output() + "\n"
            retry = remedy.rewrite(before_output) if remedy.rewrite else remedy.retry
            if retry is not None and (retry.tool, str(sorted(retry.args.items()))) not in tried:
                await self._emit(Autocorrected(
                    server=action.server, remedy=remedy.id, description=remedy.description,
                    retry=retry.describe()))
                self._seen.append(retry)
                return retry
        if self._propose_fix is None:
            return None
        prompt = render("fix.j2", step=step, action=action.describe(),
                        result=frame_untrusted("command output", result.output(limit=3000)),
                        attempt=attempt,
                        limit=self._threshold)
        self._budget.spend()
        try:
            fix = await self._propose_fix(prompt)
        except ShturmanError as exc:
            await self._emit(Autocorrected(server=action.server, remedy="model",
                                           description=f"no usable fix: {exc}"))
            return None
        if fix.give_up or fix.action is None:
            await self._emit(Autocorrected(server=action.server, remedy="model",
                                           description=f"gave up: {fix.diagnosis}"))
            return None
        await self._emit(Autocorrected(server=action.server, remedy="model",
                                       description=fix.diagnosis, retry=fix.action.describe()))
        self._seen.append(fix.action)
        return fix.action
