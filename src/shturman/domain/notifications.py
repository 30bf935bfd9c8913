"""Notifications: something a user should see, and what acting on it does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class NotificationKind(StrEnum):
    APPROVAL_REQUESTED = "approval_requested"
    RUN_FINISHED = "run_finished"
    ALERT = "alert"
    DELEGATION_SUGGESTED = "delegation_suggested"
    AUTO_EXECUTION_SUGGESTION = "auto_execution_suggestion"  # a task the agent can take


class NotificationAction(StrEnum):
    """What acting on a notification does; its data says on what."""

    NONE = "none"
    ANSWER_APPROVAL = "answer_approval"  # data: approval_id, server, command
    SHOW_RUN = "show_run"  # data: run_id
    DELEGATE = "delegate"  # data: task_id (a task), or text (+ server) to hand to the agent


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    kind: NotificationKind
    user: str | None  # None: for everyone who may act on it
    title: str
    body: str
    action: NotificationAction
    data: dict[str, Any] = field(default_factory=dict)  # JSON-safe values only
    created_at: datetime | None = None
    read_at: datetime | None = None

    @property
    def unread(self) -> bool:
        return self.read_at is None
