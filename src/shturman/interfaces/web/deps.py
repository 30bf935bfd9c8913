"""What the composition root hands the web app (services, settings) and who is asking
(:class:`WebUser`); ``Annotated`` dependency aliases as in the full-stack FastAPI template."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import Depends, Request

from shturman.domain.models import Actor
from shturman.domain.users import Principal, Role, User

if TYPE_CHECKING:
    from shturman.services.admin import ServerAdmin, SettingsAdmin
    from shturman.services.approvals import ApprovalService
    from shturman.services.audit import AuditTrail
    from shturman.services.chat import ChatService
    from shturman.services.events import EventService
    from shturman.services.inventory import Inventory
    from shturman.services.jobs import JobService
    from shturman.services.monitoring.history import HealthHistory
    from shturman.services.notifications import NotificationService
    from shturman.services.push import PushService
    from shturman.services.runs import RunService
    from shturman.services.setup_link import SetupLinks
    from shturman.services.tasks import TaskService
    from shturman.services.tokens import TokenService
    from shturman.services.users import UserService


@dataclass(frozen=True)
class WebServices:
    """The use-cases the web app calls; it never reaches past them (no store, host, agent)."""

    users: UserService
    tokens: TokenService
    jobs: JobService
    approvals: ApprovalService
    events: EventService
    notifications: NotificationService
    inventory: Inventory
    runs: RunService
    audit: AuditTrail
    # the admin's part (routes/servers.py, routes/account.py, routes/setup.py)
    server_admin: ServerAdmin | None = None
    settings_admin: SettingsAdmin | None = None
    setup_links: SetupLinks | None = None
    # tasks, delegation and the chat (routes/tasks.py, routes/chat.py)
    tasks: TaskService | None = None
    chat: ChatService | None = None
    health: HealthHistory | None = None  # the health page (routes/health.py)
    push: PushService | None = None  # Web Push subscriptions (routes/push.py)


@dataclass(frozen=True)
class WebConfig:
    """The web app's settings (``web:`` in shturman.yaml), as the composition root reads them."""

    host: str = "127.0.0.1"
    port: int = 8765
    secure_cookies: bool = False
    session_lifetime: float = 43200.0
    login_attempts: int = 5
    login_window: float = 300.0
    language: str = "ru"  # before login, and for users without a choice
    model_configured: bool = False
    version: str = ""
    static_dir: Path = field(default_factory=lambda: Path(__file__).parent / "static")
    live_interval: float = 2.0  # how often the bell's stream looks for new notifications
    metrics_public: bool = False  # /metrics without a token or session (routes/metrics.py)


ROLE_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class WebUser:
    """Who is asking: a user by session (a browser) or by API token (a machine)."""

    user: User
    via: Literal["session", "token"]
    csrf: str = ""  # the form token of this session ("" for a bearer token)

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def lang(self) -> str:
        return self.user.language

    @property
    def principal(self) -> Principal:
        return Principal(Actor("web" if self.via == "session" else "api", self.user.name),
                         self.user.role)

    def may(self, role: Role) -> bool:
        return ROLE_RANK[self.user.role] >= ROLE_RANK[role]


def services(request: Request) -> WebServices:
    found: WebServices = request.app.state.services
    return found


def config(request: Request) -> WebConfig:
    found: WebConfig = request.app.state.config
    return found


Services = Annotated[WebServices, Depends(services)]
Config = Annotated[WebConfig, Depends(config)]
# who is asking: ``Viewer``, ``Operator``, ``Admin`` are in auth.py
