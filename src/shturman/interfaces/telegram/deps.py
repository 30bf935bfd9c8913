"""What the composition root hands the bot: the services it calls and its settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shturman.services.approvals import ApprovalService
    from shturman.services.audit import AuditTrail
    from shturman.services.events import EventService
    from shturman.services.inventory import Inventory
    from shturman.services.jobs import JobService
    from shturman.services.notifications import NotificationService
    from shturman.services.runs import RunService
    from shturman.services.users import UserService
    from shturman.services.voice import VoiceService


@dataclass(frozen=True)
class BotServices:
    """The use-cases the bot calls; it never reaches past them (no store, host or agent)."""

    users: UserService
    jobs: JobService
    approvals: ApprovalService
    events: EventService
    notifications: NotificationService
    inventory: Inventory
    runs: RunService
    audit: AuditTrail
    model_configured: bool = False
    version: str = ""
    voice: VoiceService | None = None  # offline speech; None: voice notes are declined


@dataclass(frozen=True)
class BotConfig:
    """The bot's settings (``telegram:`` in shturman.yaml). ``token`` is never shown."""

    token: str = field(repr=False)
    api_url: str = "https://api.telegram.org"
    allow_groups: bool = False
    rate_limit_per_minute: int = 10
    language: str = "ru"  # for the command list shown to clients of other languages
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8443"
    drop_pending_updates: bool = True
    edit_interval: float = 1.0
    notify_interval: float = 2.0
    polling_timeout: int = 10
