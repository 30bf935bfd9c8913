"""The model side of the loop: plans, fixes and report wording, through llm.ModelClient."""

from __future__ import annotations

from typing import Any

from shturman.agent.analyzer import Analysis, ModelJudgement
from shturman.agent.plan import Fix, Plan
from shturman.agent.templates import render
from shturman.llm import ModelClient


class ModelPlanner:
    def __init__(self, client: ModelClient, server_names: list[str], lang: str) -> None:
        self._client = client
        self._system = render("system.j2", server_names=server_names, lang=lang)
        self.judge = ModelJudge(client, lang).judge

    async def plan(self, prompt_values: dict[str, Any]) -> Plan:
        return await self._client.structured(Plan, system=self._system,
                                             prompt=render("plan.j2", **prompt_values))

    async def fix(self, prompt: str) -> Fix:
        return await self._client.structured(Fix, system=self._system, prompt=prompt)

    async def report(self, prompt_values: dict[str, Any]) -> str:
        return await self._client.text(system=self._system,
                                       prompt=render("report.j2", **prompt_values))


class ModelJudge:
    """agent.analyzer.Judge through the model; identical analyses are cached (1 hour)."""

    def __init__(self, client: ModelClient, lang: str) -> None:
        self._client = client
        self._system = render("analysis_system.j2", lang=lang)

    async def judge(self, task: str, servers: list[dict[str, Any]], rules: Analysis
                    ) -> ModelJudgement:
        prompt = render("analysis.j2", task=task, servers=servers, rules=rules.as_json())
        return await self._client.structured(ModelJudgement, system=self._system,
                                             prompt=prompt, cache_key="analysis")
