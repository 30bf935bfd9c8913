"""Plans: what the planner (model) or the intent engine decided to do, step by step.

These are pydantic models because the model writes them (validated at the edge).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Action(BaseModel):
    """One tool call. `run_command` takes {"command": "..."}; other tools take their args."""

    model_config = ConfigDict(extra="ignore")

    tool: str = Field(description="Tool name, e.g. run_command, check_service, restart_service")
    server: str = Field(description="Server name from the inventory")
    args: dict[str, Any] = Field(default_factory=dict, description="Tool arguments")
    expect: str = Field(default="", description="What the output should show if all is well")
    timeout: float = Field(default=120.0, gt=0, le=3600)

    @field_validator("args", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    def describe(self) -> str:
        if self.tool == "run_command":
            return f"{self.server}: {self.args.get('command', '')}"
        shown = ", ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{self.server}: {self.tool}({shown})"


class Step(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(description="Short unique id, e.g. s1")
    title: str = Field(description="What this step does, in the user's language")
    depends_on: list[str] = Field(default_factory=list)
    prerequisites: list[str] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    verify: list[Action] = Field(
        default_factory=list,
        description="Read-only probes that prove this step worked (verify_fix, http_check, "
        "check_service, check_port, run_command with a read-only command)",
    )


class Plan(BaseModel):
    model_config = ConfigDict(extra="ignore")

    summary: str = Field(description="One or two sentences: the diagnosis and the approach")
    steps: list[Step] = Field(default_factory=list)

    def ordered(self) -> list[Step]:
        """Steps in dependency order (unknown or cyclic dependencies keep source order)."""
        done: set[str] = set()
        order: list[Step] = []
        pending = list(self.steps)
        ids = self.ids
        while pending:
            step = next((s for s in pending
                         if all(d in done or d not in ids for d in s.depends_on)), pending[0])
            order.append(step)
            done.add(step.id)
            pending.remove(step)
        return order

    @property
    def ids(self) -> set[str]:
        return {s.id for s in self.steps}


class Fix(BaseModel):
    """The model's proposal after a failed action: a replacement action, or give up."""

    model_config = ConfigDict(extra="ignore")

    diagnosis: str
    action: Action | None = None
    give_up: bool = False
