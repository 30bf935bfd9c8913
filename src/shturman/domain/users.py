"""Users of every channel (CLI, Telegram, web) and their roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shturman.domain.models import Actor


class Role(StrEnum):
    ADMIN = "admin"  # everything, including users and settings
    OPERATOR = "operator"  # runs tasks and answers approvals
    VIEWER = "viewer"  # reads runs, health and notifications; changes nothing


ANSWERING_ROLES: tuple[Role, ...] = (Role.OPERATOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    language: str = "ru"
    telegram_id: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # JSON-safe values only
    created_at: datetime | None = None
    has_password: bool = False


@dataclass(frozen=True, slots=True)
class Principal:
    """Who answers: the actor as recorded in the audit, and the role it acts with."""

    actor: Actor
    role: Role
