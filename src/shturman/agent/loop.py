"""The ONE agent loop: understand → (intent plan | model plan) → act → verify → report.

`Agent.run(task, emit)` is the loop; it reports progress only through ``emit`` (which the
run service persists before anyone sees it). The streaming and blocking APIs in
``services.runs`` wrap this one coroutine; there is no second copy.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from shturman.agent.execution import ActionRunner, Emit, IterationBudget, MaxIterationsExceeded
from shturman.agent.intents import AskKind, IntentName, Route, Understanding, understand
from shturman.agent.plan import Action, Plan, Step
from shturman.agent.reporting import Report
from shturman.agent.verification import passed, probe_for, run_probe
from shturman.config import AgentSettings
from shturman.domain.errors import ShturmanError
from shturman.domain.events import (
    Escalated,
    PlanMade,
    RunStarted,
    StepFinished,
    StepStarted,
    Verified,
)
from shturman.domain.models import Actor, RunMode, RunStatus, Server
from shturman.domain.runs import Incident
from shturman.hosts.facts import PROBES, facts_from
from shturman.hosts.guarded import Approver, GuardedExecutor
from shturman.tools import ToolContext
from shturman.tools.base import clip
from shturman.tools.history import ConfigHistory, RemedySettings

# The model sees at most this much of the failure history (head and tail): prompts stay
# bounded however long a run goes.
ERROR_REPORT_LIMIT = 6000


@dataclass(frozen=True, slots=True)
class Task:
    text: str
    actor: Actor
    mode: RunMode = RunMode.INTERACTIVE
    server_hint: str | None = None
    run_id: str | None = None


@dataclass
class Outcome:
    status: RunStatus
    route: str
    intent: str | None
    servers: tuple[str, ...]
    report: str
    verified: bool = False
    changed: bool = False
    commands: tuple[str, ...] = ()


class Memory(Protocol):
    async def similar(self, servers: Sequence[str], query: str, limit: int = 3
                      ) -> list[Incident]: ...


class Planner(Protocol):
    """The model side of the loop (see agent.planner.ModelPlanner)."""

    async def plan(self, prompt_values: dict[str, Any]) -> Plan: ...
    async def fix(self, prompt: str) -> Any: ...
    async def report(self, prompt_values: dict[str, Any]) -> str: ...


@dataclass
class Agent:
    guarded: GuardedExecutor
    servers: Sequence[Server]
    settings: AgentSettings
    language: str = "ru"
    planner: Planner | None = None
    memory: Memory | None = None
    approver: Approver | None = None
    command_timeout: float = 120.0
    clock: Any = field(default=time.monotonic)
    history: ConfigHistory | None = None  # config backups the remedies may restore from

    async def run(self, task: Task, emit: Emit) -> Outcome:
        ctx = ToolContext(self.guarded, {s.name: s for s in self.servers}, task.actor,
                          task.mode, self.approver, task.run_id, emit, self.command_timeout,
                          lang=self.language, history=self.history,
                          remedy=RemedySettings(tuple(self.settings.free_paths),
                                                self.settings.truncate_live_logs))
        budget = IterationBudget(self.settings.max_iterations,
                                 self.clock() + self.settings.max_wall_time, self.clock)
        u = understand(task.text, list(self.servers))
        servers = self._targets(task, u)
        report = Report(self.language, task.text)
        await emit(RunStarted(text=task.text, mode=task.mode.value, servers=tuple(servers),
                              route=u.route.value, intent=u.intent.value if u.intent else None))
        if u.unresolved and not task.server_hint:
            names = ", ".join(u.unresolved)
            return report.finish(RunStatus.FAILED, u, servers, report.unknown_servers(
                names, [s.name for s in self.servers]))
        if u.route is Route.NONE:
            await emit(PlanMade(route="none"))
            return report.finish(RunStatus.SUCCEEDED, u, servers, report.nothing_to_do())
        if u.ask is not None and not (task.server_hint and u.ask.what is AskKind.SERVERS):
            # "перезапусти api" with admin-api and public-api listed: ask, never guess
            await emit(PlanMade(route=u.route.value, intent=u.intent.value if u.intent
                                else None, ask=u.ask.as_json()))
            return report.finish(RunStatus.FAILED, u, servers, report.question(u.ask))
        report.explicit = u.intent is IntentName.RUN_COMMAND
        runner_fix = self.planner.fix if self.planner else None
        runner = ActionRunner(ctx, emit, budget, self.settings.error_threshold_per_step,
                              runner_fix)
        try:
            if u.route is Route.INTENT and u.intent is not None:
                plan = _intent_plan(u, servers)
                return await self._execute(plan, runner, ctx, emit, report, u, servers,
                                           replan=False, task=task)
            if self.planner is None:
                await emit(PlanMade(route="llm"))
                return report.finish(RunStatus.FAILED, u, servers, report.no_model())
            return await self._model_run(task, runner, ctx, emit, report, u, servers, budget)
        except MaxIterationsExceeded as exc:
            await emit(Escalated(reason=str(exc)))
            return report.finish(RunStatus.FAILED, u, servers, report.limit_reached(str(exc)))

    def _targets(self, task: Task, u: Understanding) -> tuple[str, ...]:
        if task.server_hint:
            for s in self.servers:
                if s.answers_to(task.server_hint):
                    return (s.name,)
            return (task.server_hint,)
        return u.servers

    async def _model_run(self, task: Task, runner: ActionRunner, ctx: ToolContext, emit: Emit,
                         report: Report, u: Understanding, servers: tuple[str, ...],
                         budget: IterationBudget) -> Outcome:
        assert self.planner is not None
        if not servers:
            servers = tuple(s.name for s in self.servers if s.name != "local") or ("local",)
        incidents = await self.memory.similar(servers, task.text) if self.memory else []
        values = await _context(ctx, self.servers, servers, task, incidents, self.language)
        error_report = ""
        for replan in range(self.settings.human_escalation_threshold + 1):
            if replan == self.settings.human_escalation_threshold:
                await emit(Escalated(reason="replan limit reached", report=error_report))
                return report.finish(RunStatus.ESCALATED, u, servers,
                                     report.escalation(error_report))
            budget.spend()
            try:
                plan = await self.planner.plan({**values, "error_report": error_report})
            except ShturmanError as exc:  # the model failed us: say so, change nothing more
                await emit(Escalated(reason=f"model error: {exc}"))
                return report.finish(RunStatus.FAILED, u, servers,
                                     report.model_failed(str(exc)))
            outcome = await self._execute(plan, runner, ctx, emit, report, u, servers,
                                          replan=True, task=task)
            if outcome.status is not RunStatus.FAILED or not report.failed_steps:
                return await report.finalize(outcome, self.planner, task)
            error_report = clip(report.error_report(), ERROR_REPORT_LIMIT)  # compacted
        raise AssertionError("unreachable")

    async def _execute(self, plan: Plan, runner: ActionRunner, ctx: ToolContext, emit: Emit,
                       report: Report, u: Understanding, servers: tuple[str, ...], *,
                       replan: bool, task: Task) -> Outcome:
        known = {s.name for s in self.servers}
        await emit(PlanMade(route=u.route.value, intent=u.intent.value if u.intent else None,
                            summary=plan.summary,
                            steps=tuple(s.model_dump() for s in plan.steps)))
        report.failed_steps.clear()
        verified_targets: set[tuple[str, str]] = set()
        for step in plan.ordered():
            await emit(StepStarted(id=step.id, title=step.title))
            ok = await self._step(step, runner, ctx, emit, report, known, verified_targets)
            await emit(StepFinished(id=step.id, ok=ok))
            if not ok:
                report.failed_steps.append(step.id)
                if task.mode is not RunMode.DRY_RUN:
                    break
        status = report.status(task.mode)
        return report.finish(status, u, servers, report.intent_text(u) if not replan
                             else report.plain_text())

    async def _step(self, step: Step, runner: ActionRunner, ctx: ToolContext, emit: Emit,
                    report: Report, known: set[str], verified: set[tuple[str, str]]) -> bool:
        changed_actions: list[Action] = []
        for action in step.actions:
            if action.server not in known:
                report.refuse(action, f"unknown server '{action.server}' (not in inventory)")
                await emit(StepFinished(id=step.id, ok=False,
                                        error=f"unknown server {action.server}"))
                return False
            target = (action.server, str(action.args.get("service", "")))
            if action.tool == "verify_fix" and target in verified:
                continue
            outcome = await runner.run(action, step.title)
            report.add(outcome)
            if outcome.result.refused:
                report.refuse(action, outcome.result.summary, outcome.result)
                return ctx.mode is RunMode.DRY_RUN and not outcome.result.blocked
            if not outcome.ok:
                return False
            if outcome.changed:
                changed_actions.append(outcome.attempts[-1][0])
            if outcome.repair is not None and outcome.repair.verified:
                verified.add(target)
                report.verify(action, outcome.repair.verification, True)
                await emit(Verified(server=action.server, ok=True,
                                    probe=f"verify_fix({target[1]})",
                                    summary=outcome.repair.verification))
        pending = [a for a in changed_actions
                   if (a.server, str(a.args.get("service", ""))) not in verified]
        probes = list(step.verify)
        for action in pending:
            derived = probe_for(action)
            if derived is not None and not any(p.tool == derived.tool for p in probes):
                probes.append(derived)
        if pending and not probes:
            if report.explicit:  # a command the user wrote out: it ran, nothing can prove it
                report.unprovable.extend(a.describe() for a in pending)
                return True
            report.verify(pending[0], "no verification probe for this change", False)
            return False
        for probe in probes:
            reboot = probe.tool == "run_command" and any(
                probe_for(a) == probe for a in changed_actions) and probe.args.get(
                "command") == "uptime"
            result = await run_probe(ctx, probe, after_reboot=reboot)
            good = passed(probe, result)
            await emit(Verified(server=probe.server, probe=probe.describe(), ok=good,
                                summary=result.summary))
            report.verify(probe, result.summary, good)
            if good:
                verified.add((probe.server, str(probe.args.get("service", ""))))
            elif pending:
                return False
        return True


FACT_PROBES = ("os", "kernel", "disk", "memory")


async def _server_facts(ctx: ToolContext, server: Server) -> str:
    """One line of read-only facts for the planner (names and numbers, never secrets)."""
    outputs = {key: (await ctx.sh(server.name, PROBES[key], timeout=20)).stdout
               for key in FACT_PROBES}
    manager = await ctx.manager(server.name)
    f = facts_from(outputs)
    parts = [f.os, f.kernel, f"service manager {manager.value}", f"disk {f.disk}",
             f"memory {f.memory}", f"access profile {server.profile.value}"]
    if server.forbidden_commands:
        parts.append(f"forbidden here: {', '.join(server.forbidden_commands)}")
    return "; ".join(parts)


def _intent_plan(u: Understanding, servers: tuple[str, ...]) -> Plan:
    """The engine's steps, on the run's servers: with `run --server vm1 "…"` the engine may
    have planned for its own default (`local`); the server the operator named wins, as in
    `plan --server` (services/runs.py)."""
    planned = list(dict.fromkeys(c.server for c in u.steps))
    if planned and set(planned) - set(servers):
        one = [c for c in u.steps if c.server == planned[0]]
        actions = [Action(tool=c.tool, server=name, args=dict(c.args))
                   for name in servers for c in one]
    else:
        actions = [Action(tool=c.tool, server=c.server, args=dict(c.args)) for c in u.steps]
    return Plan(summary=u.intent.value if u.intent else "", steps=[
        Step(id=f"s{i + 1}", title=a.describe(), actions=[a]) for i, a in enumerate(actions)
    ])


def plan_values(inventory: Sequence[Server], servers: Sequence[str], text: str, lang: str,
                mode: str = "interactive", facts: list[dict[str, Any]] | None = None,
                incidents: Sequence[Incident] = ()) -> dict[str, Any]:
    """Everything plan.j2 needs (no secrets: names, services and facts only)."""
    from shturman.tools import TOOLS

    by_name = {s.name: s for s in inventory}
    if facts is None:
        facts = [{"name": n, "services": list(by_name[n].services), "facts": "not gathered"}
                 for n in servers if n in by_name]
    return {
        "task": text, "servers": list(servers), "mode": mode, "server_facts": facts,
        "server_names": [s.name for s in inventory],
        "tools": [{"name": t.name, "risk": t.risk.value, "description": t.description,
                   "args": [a for a in t.args_model.model_fields if a != "server"]}
                  for t in TOOLS.values()],
        "incidents": [{"query": i.query, "outcome": i.outcome, "commands": list(i.commands)}
                      for i in incidents],
        "lang": lang, "error_report": "",
    }


async def _context(ctx: ToolContext, inventory: Sequence[Server], servers: tuple[str, ...],
                   task: Task, incidents: list[Incident], lang: str) -> dict[str, Any]:
    facts = []
    for name in servers:
        server = next((s for s in inventory if s.name == name), None)
        if server is None:
            continue
        facts.append({"name": name, "services": list(server.services),
                      "facts": await _server_facts(ctx, server)})
    return plan_values(inventory, servers, task.text, lang, task.mode.value, facts, incidents)
