"""Tasks people file for the team (and the agent), their analysis, and the chat with the agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from shturman.domain.errors import ShturmanError


class TaskStatus(StrEnum):
    NEW = "new"
    ANALYSING = "analysing"
    ANALYSED = "analysed"
    DELEGATED = "delegated"  # handed to the agent; not started yet
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class TaskError(ShturmanError):
    """``reason``: ``unknown`` (no such task) or ``state`` (it cannot do that now)."""

    def __init__(self, task_id: int, reason: Literal["unknown", "state"], status: str = ""
                 ) -> None:
        super().__init__(f"task {task_id}: {reason}" + (f" ({status})" if status else ""))
        self.task_id = task_id
        self.reason = reason
        self.status = status


DelegateUi = Literal["chat", "task_form"]
DELEGATE_UIS: tuple[DelegateUi, ...] = ("chat", "task_form")


@dataclass(frozen=True, slots=True)
class TaskAnalysis:
    """What the analyzer said about a task (``agent.analyzer.Analysis``, as stored)."""

    can_delegate_to_ai: bool
    reason: str
    matched_server: str | None
    complexity: str
    estimated_minutes: float
    recommended_mode: str
    analysed_at: datetime


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    title: str
    description: str
    server: str | None  # the server its author chose, if any
    created_by: str
    status: TaskStatus
    lang: str = "ru"  # the author's language: the analysis is written in it
    analysis: TaskAnalysis | None = None
    run_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def text(self) -> str:
        """The request as the agent reads it: the title, then the description."""
        return "\n".join(p for p in (self.title.strip(), self.description.strip()) if p)

    @property
    def target(self) -> str | None:
        """The server to run it on: the author's choice, else the one the analysis matched."""
        if self.server:
            return self.server
        return self.analysis.matched_server if self.analysis is not None else None

    @property
    def suggested(self) -> bool:
        """Would the agent take it? (delegable and a server matched)"""
        a = self.analysis
        return a is not None and a.can_delegate_to_ai and bool(a.matched_server)


class ChatRole(StrEnum):
    USER = "user"
    AGENT = "agent"
    EVENT = "event"  # something that happened (a task handed over, a run started)


@dataclass(frozen=True, slots=True)
class ChatMessage:
    id: int
    user: str  # whose conversation it belongs to
    role: ChatRole
    text: str
    run_id: str | None = None
    task_id: int | None = None
    created_at: datetime | None = None
