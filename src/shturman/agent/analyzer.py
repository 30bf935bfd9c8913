"""Task analysis: can this task be delegated to the agent, where, how risky, how long?

Rules first (always available); a configured model may refine the judgement (`refine`).
Used by notifications later; `shturman analyze` shows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from shturman.agent.intents import IntentName, Route, understand
from shturman.domain.models import RunMode, Server

Complexity = Literal["trivial", "simple", "moderate", "complex"]

READ_ONLY_INTENTS = {
    IntentName.DISK_USAGE, IntentName.MEMORY_USAGE, IntentName.CPU_LOAD, IntentName.UPTIME,
    IntentName.SERVICE_STATUS, IntentName.SERVICE_LOGS, IntentName.OPEN_PORTS,
    IntentName.PORT_OWNER, IntentName.DOCKER_PS, IntentName.DOCKER_LOGS,
    IntentName.HEALTH_OVERVIEW, IntentName.ERROR_SCAN, IntentName.PROCESS_LIST,
}
RISKY = re.compile(r"удал|снеси|drop|delete|migrat|миграц|обнов\w* (ядр|систем|дистр)|"
                   r"upgrade|dist-upgrade|firewall|iptables|фаервол|пароль|password|"
                   r"ключ|rotate|ротац|база|database|прод", re.IGNORECASE)
MULTI_STEP = re.compile(r"\b(и|затем|потом|после|then|and|after)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Analysis:
    can_delegate_to_ai: bool
    reason: str
    servers: tuple[str, ...]
    recommended_mode: RunMode
    complexity: Complexity
    estimated_minutes: float
    source: Literal["rules", "model"] = "rules"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["servers"] = list(self.servers)
        data["recommended_mode"] = self.recommended_mode.value
        return data


class ModelJudgement(BaseModel):
    """What a model may add to the rules' analysis."""

    can_delegate_to_ai: bool
    reason: str
    complexity: Complexity
    estimated_minutes: float = Field(ge=0, le=24 * 60)


class Judge(Protocol):
    async def judge(self, task: str, servers: list[dict[str, Any]], rules: Analysis
                    ) -> ModelJudgement: ...


def analyze(task: str, servers: Sequence[Server], *, model_configured: bool = False,
            lang: str = "en") -> Analysis:
    """Rules-only analysis, its reason in ``lang``. Server descriptions carry names and
    services, never secrets."""

    def say(ru: str, en: str) -> str:
        return ru if lang == "ru" else en

    u = understand(task, list(servers))
    names = u.servers
    if u.unresolved:
        return Analysis(False, say(f"неизвестные серверы: {', '.join(u.unresolved)}",
                                   f"unknown server(s): {', '.join(u.unresolved)}"), names,
                        RunMode.INTERACTIVE, "simple", 0.0)
    if u.route is Route.NONE:
        return Analysis(False, say("в тексте нет задачи", "no actionable task in the text"),
                        (), RunMode.READONLY, "trivial", 0.0)
    if u.route is Route.INTENT and u.intent is not None:
        if u.intent in READ_ONLY_INTENTS:
            return Analysis(True, say(f"обычный запрос только на чтение ({u.intent.value}), "
                                             "модель не нужна",
                                             f"routine read-only request ({u.intent.value}), "
                                             "no model needed"),
                            names, RunMode.AUTONOMOUS, "trivial", 0.5)
        if u.intent is IntentName.REBOOT_HOST:
            return Analysis(True, say("обычная, но прерывающая работу операция: "
                                             "подтвердите перезагрузку",
                                             "routine but disruptive: confirm the reboot"), names,
                            RunMode.INTERACTIVE, "simple", 3.0)
        return Analysis(True, say(f"обычное изменение ({u.intent.value}) по готовому "
                                         "сценарию с проверкой",
                                         f"routine change ({u.intent.value}) with a "
                                         "deterministic runbook and verification"),
                        names, RunMode.AUTONOMOUS, "simple", 2.0)
    risky = bool(RISKY.search(task))
    steps = len(MULTI_STEP.findall(task)) + 1
    complexity: Complexity = "complex" if steps > 3 or len(task) > 300 else "moderate"
    if not model_configured:
        return Analysis(False, say("открытая задача, а модель не настроена",
                                    "open-ended task and no model is configured"), names,
                        RunMode.INTERACTIVE, complexity, 0.0)
    reason = say("открытая задача: её планирует модель", "open-ended task: the model plans it")
    if risky:
        reason += say("; она затрагивает рискованные области, поэтому каждое изменение "
                      "подтверждается", "; it touches risky areas, so every change is confirmed")
    return Analysis(True, reason, names, RunMode.INTERACTIVE if risky else RunMode.AUTONOMOUS,
                    complexity, 5.0 * steps if complexity == "moderate" else 15.0 * steps)


async def analyze_with(judge: Judge | None, task: str, servers: Sequence[Server],
                       lang: str = "en") -> Analysis:
    """Rules, then (when a model is configured and the task is open-ended) the model's view."""
    rules = analyze(task, servers, model_configured=judge is not None, lang=lang)
    if judge is None or rules.complexity == "trivial" or not rules.can_delegate_to_ai:
        return rules
    if understand(task, list(servers)).route is not Route.LLM:
        return rules
    described = [{"name": s.name, "host": s.host, "services": list(s.services),
                  "tags": list(s.tags)} for s in servers]
    verdict = await judge.judge(task, described, rules)
    return Analysis(verdict.can_delegate_to_ai, verdict.reason, rules.servers,
                    rules.recommended_mode, verdict.complexity, verdict.estimated_minutes,
                    "model")
