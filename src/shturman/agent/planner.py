"""The model side of the loop: plans, fixes and report wording, through llm.ModelClient."""

from __future__ import annotations

from typing import Any

from shturman.agent.plan import Fix, Plan
from shturman.agent.templates import render
from shturman.llm import ModelClient


class ModelPlanner:
    def __init__(self, client: ModelClient, server_names: list[str], lang: str) -> None:
        self._client = client
        self._system = render("system.j2", server_names=server_names, lang=lang)

    async def plan(self, prompt_values: dict[str, Any]) -> Plan:
        return await self._client.structured(Plan, system=self._system,
                                             prompt=render("plan.j2", **prompt_values))

    async def fix(self, prompt: str) -> Fix:
        return await self._client.structured(Fix, system=self._system, prompt=prompt)

    async def report(self, prompt_values: dict[str, Any]) -> str:
        return await self._client.text(system=self._system,
                                       prompt=render("report.j2", **prompt_values))
