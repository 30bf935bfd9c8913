"""Composition root: the only module that names concrete classes and wires them together.

Imports of the heavy parts happen inside :func:`build`, so `shturman --help` and the policy
commands start fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from pathlib import Path

    from shturman.config import Settings
    from shturman.config_light import ExecSettings
    from shturman.domain.errors import ShturmanError
    from shturman.domain.models import Server
    from shturman.hosts import GuardedExecutor
    from shturman.hosts.executor import Executor
    from shturman.jobs import JobsRuntime
    from shturman.services.admin import ServerAdmin, SettingsAdmin
    from shturman.services.approvals import ApprovalService
    from shturman.services.audit import AuditTrail
    from shturman.services.backups import BackupService
    from shturman.services.chat import ChatService
    from shturman.services.commands import CommandService
    from shturman.services.events import EventService
    from shturman.services.execution import ExecService
    from shturman.services.hostkeys import ServerAccess
    from shturman.services.inventory import Inventory
    from shturman.services.jobs import JobService
    from shturman.services.monitoring import MonitoringService
    from shturman.services.monitoring.agent_api import AgentApi
    from shturman.services.monitoring.peers import PeerWatch
    from shturman.services.notifications import NotificationService
    from shturman.services.push import PushService
    from shturman.services.runs import RunService
    from shturman.services.setup_link import SetupLinks
    from shturman.services.tasks import TaskService
    from shturman.services.tokens import TokenService
    from shturman.services.users import UserService
    from shturman.services.voice import VoiceService
    from shturman.store import Database
    from shturman.store.repositories import IncidentRepo, RunRepo
    from shturman.store.repositories.signals import Signals
    from shturman.vault import Keyring, Vault


TELEGRAM_SECRET = "@telegram"  # the vault entry of the bot token (not a valid server name)


@dataclass
class Container:
    """Everything a use-case needs, built once per process."""

    settings: Settings
    db: Database
    vault: Vault
    inventory: Inventory
    audit: AuditTrail
    guarded: GuardedExecutor
    commands: CommandService
    executor: Executor
    runs_repo: RunRepo
    incidents_repo: IncidentRepo
    policy: Any
    planner_factory: Callable[[list[Server]], Any]
    extras: dict[str, Any] = field(default_factory=dict)
    _runs: RunService | None = None
    _execution: ExecService | None = None

    @property
    def execution(self) -> ExecService:
        """`exec` as a use-case (target resolution, who must answer, result rows)."""
        if self._execution is None:
            from shturman.services.execution import ExecService

            self._execution = ExecService(self.inventory, self.commands)
        return self._execution

    @property
    def server_access(self) -> ServerAccess:
        """Register-and-log-in and `trust` (host keys) for any channel."""
        from shturman.services.hostkeys import ServerAccess

        return ServerAccess(self.inventory, self.extras["ssh"])

    @property
    def runs(self) -> RunService:
        """The agent's run service, built on first use (keeps `exec` start-up light)."""
        if self._runs is None:
            from shturman.services.runs import RunService

            self._runs = RunService(self.settings, self.inventory, self.guarded,
                                    self.runs_repo, self.incidents_repo, self.planner_factory,
                                    self.audit, history=BackupHistory(self))
        return self._runs

    def jobs_runtime(self, *, workers: bool = False, scheduler: bool | None = None,
                     kinds: tuple[str, ...] = ()) -> JobsRuntime:
        """The job queue for the configured backend; with ``workers`` also the worker pool,
        the taskiq feeder and the scheduler (components with start/stop). Built once.
        ``kinds``: workers for these job kinds only, and no configured schedules but the
        monitoring checks (`shturman monitor`)."""
        runtime: JobsRuntime | None = self.extras.get("jobs")
        if runtime is None or (workers and runtime.pool is None):
            if runtime is not None:  # a submit-only runtime: its waker is closed at the end
                self.extras.setdefault("jobs_replaced", []).append(runtime)
            from shturman.jobs import HandlerRegistry, build_runtime
            from shturman.services.jobs import register_builtin

            registry = HandlerRegistry()
            register_builtin(registry, lambda: self.runs, lambda: self.approvals.approver(
                self.settings.agent.approval_timeout))
            from shturman.services import monitoring

            monitoring.register(registry, lambda: self.monitoring)
            from shturman.services.monitoring import peers

            peers.register(registry, lambda: self.peers)  # peer_check, peer_action
            from shturman.services.backups import register_backup_job

            register_backup_job(registry, lambda: self.backups)
            from shturman.services import tasks

            tasks.register(registry, lambda: self.tasks)  # a task's analysis records into it
            cfg = self.settings.jobs
            if kinds:
                cfg = cfg.model_copy(update={"schedules": []})
            runtime = build_runtime(self.db.engine, cfg, registry,
                                    workers=workers, scheduler=scheduler,
                                    redactor=self.extras.get("redactor"),
                                    extra_schedules=[*self._peer_schedules(),
                                                     *self._backup_schedules(kinds)]
                                    if workers else [],
                                    kinds=kinds)
            self._watch_schedules(runtime)
            self.extras["jobs"] = runtime
        return runtime

    @property
    def jobs(self) -> JobService:
        """Submit, list, show and cancel background jobs."""
        from shturman.services.jobs import JobService

        return JobService(self.jobs_runtime().queue, lambda: self.runs)

    # --- monitoring (docs/monitoring.md) ---

    @property
    def monitoring(self) -> MonitoringService:
        """Health checks, check states, alerts and diagnosis runs from symptoms."""
        if "monitoring" not in self.extras:
            from shturman.interfaces.i18n import t
            from shturman.services.monitoring import (
                AlertSender,
                MonitoringService,
                Prober,
                Webhook,
            )
            from shturman.store.repositories.monitoring import MonitoringRepo

            cfg = self.settings.monitoring
            webhook = (Webhook(cfg.webhook_url, cfg.webhook_timeout, cfg.webhook_attempts)
                       if cfg.webhook_url else None)
            alerts = AlertSender(self.notifications, self.users, t, self.settings.language,
                                 webhook)
            prober = Prober(self.guarded, command_timeout=min(cfg.check_timeout, 30.0))
            self.extras["monitoring"] = MonitoringService(
                cfg, self.inventory, MonitoringRepo(self.db.engine, self.extras.get("redactor")),
                prober, alerts, lambda: self.jobs, language=self.settings.language)
        return cast("MonitoringService", self.extras["monitoring"])

    @property
    def peers(self) -> PeerWatch:
        """The peer watchdog: other Shturman instances watched, restarted, power-cycled."""
        if "peers" not in self.extras:
            from shturman.interfaces.i18n import t
            from shturman.services.monitoring import AlertSender, Webhook
            from shturman.services.monitoring.peers import PeerWatch
            from shturman.services.monitoring.power import PowerSwitch
            from shturman.store.repositories.monitoring import MonitoringRepo
            from shturman.store.repositories.peers import PeerRepo

            cfg = self.settings.monitoring
            redactor = self.extras.get("redactor")
            webhook = (Webhook(cfg.webhook_url, cfg.webhook_timeout, cfg.webhook_attempts)
                       if cfg.webhook_url else None)
            self.extras["peers"] = PeerWatch(
                cfg, self.inventory, MonitoringRepo(self.db.engine, redactor),
                PeerRepo(self.db.engine, redactor), self.guarded,
                PowerSwitch(self.guarded, self.inventory,
                            redact=redactor.redact if redactor is not None else str),
                AlertSender(self.notifications, self.users, t, self.settings.language,
                            webhook),
                self.notifications, self.users, self.audit, lambda: self.approvals,
                lambda: self.jobs, self.peer_token, instance=self.instance_name,
                approval_timeout=self.settings.agent.approval_timeout,
                language=self.settings.language)
        return cast("PeerWatch", self.extras["peers"])

    @property
    def instance_name(self) -> str:
        """This instance's name for peers (``monitoring.instance``, else the host name)."""
        import socket

        return self.settings.monitoring.instance or socket.gethostname()

    async def peer_token(self, peer: Any) -> str | None:
        """A peer's API token: the config or the environment, else the vault entry
        ``token_vault``; learnt by the redactor, so no log or record shows it."""
        token = peer.token_value()
        if token is None and peer.token_vault:
            from shturman.domain.errors import VaultError
            from shturman.vault import SecretKind

            try:
                token = await self.vault.get(peer.token_vault, SecretKind.TOKEN)
            except VaultError:
                token = None
        redactor = self.extras.get("redactor")
        if token and redactor is not None:
            redactor.learn([token])
        return token or None

    def _peer_schedules(self) -> list[Any]:
        if not self.settings.monitoring.enabled:
            return []
        from shturman.services.monitoring.peers import peer_schedules

        return peer_schedules(self.settings.monitoring)

    def agent_api(self) -> AgentApi:
        """What the web app's agent HTTP API (``/agent``) needs beyond the web services."""
        from shturman import __version__
        from shturman.services.monitoring.agent_api import AgentApi
        from shturman.store.repositories.tokens import TokenRepo

        return AgentApi(instance=self.instance_name, version=__version__,
                        tokens=TokenRepo(self.db.engine), users=self.users,
                        jobs=lambda: self.jobs, monitoring=lambda: self.monitoring,
                        inventory=self.inventory, guarded=self.guarded,
                        command_timeout=min(self.settings.ssh.command_timeout, 60.0))

    async def watch_servers(self) -> None:
        """Learn the servers the check schedules cover (the config's and the registry's)
        before the scheduler is built (`shturman monitor` says how many); servers added later
        are picked up while it runs (`_watch_schedules`)."""
        if self.settings.monitoring.enabled:
            self.extras["watched"] = await self.monitoring.targets()

    # --- config backups to git (docs/backups.md) ---

    @property
    def backups(self) -> BackupService:
        """Back up, snapshot, list and restore servers' config files (git, SFTP)."""
        if "backups" not in self.extras:
            from shturman.hosts.files import LocalReader, RoutingReader, SftpReader
            from shturman.services.backups import BackupService

            reader = RoutingReader(LocalReader(), SftpReader(
                self.extras["ssh"], timeout=self.settings.ssh.command_timeout))
            self.extras["file_reader"] = reader
            self.extras["backups"] = BackupService(
                self.settings.backups, self.settings.home, self.inventory, reader,
                self.guarded, self.audit, self.extras["redactor"].redact)
        return cast("BackupService", self.extras["backups"])

    def _backup_schedules(self, kinds: tuple[str, ...]) -> list[Any]:
        """The `backup` job every ``backups.every`` seconds (or on ``backups.cron``), unless
        backups are off or a configured schedule already submits `backup` jobs."""
        cfg = self.settings.backups
        if (kinds or not cfg.enabled or (cfg.every is None and cfg.cron is None)
                or any(s.kind == "backup" for s in self.settings.jobs.schedules)):
            return []
        from shturman.domain.jobs import JobSpec
        from shturman.jobs import Schedule

        return [Schedule("backups", JobSpec(kind="backup", payload={}, actor="scheduler"),
                         every=None if cfg.cron else cfg.every, cron=cfg.cron)]

    def _watch_schedules(self, runtime: JobsRuntime) -> None:
        """The check schedules as a component beside the scheduler: it re-reads the watched
        servers every ``monitoring.targets_refresh`` seconds, so a server added while the
        daemon runs is checked without a restart (services/monitoring/targets.py)."""
        main = runtime.scheduler
        if not self.settings.monitoring.enabled or main is None:
            return
        from shturman.jobs import Schedule, Scheduler
        from shturman.jobs.queue import JobDefaults
        from shturman.services.monitoring.targets import WatchedSchedules

        cfg = self.settings.jobs

        def scheduler(found: list[Schedule]) -> Scheduler:
            return Scheduler(runtime.repo, found,
                             JobDefaults(cfg.default_timeout, cfg.max_attempts),
                             runtime.queue.waker, tick=cfg.scheduler_tick,
                             lease=cfg.schedule_lease, holder=f"{main.holder}/checks")

        watched = WatchedSchedules(self.monitoring, self.settings.monitoring, scheduler)
        self.extras["watched_schedules"] = watched
        runtime.components.append(watched)

    async def run_monitor(self, ready: Callable[[int], None] | None = None) -> None:
        """`shturman monitor`: the check schedules and workers for ``check`` jobs only, until
        SIGINT/SIGTERM. ``ready`` is told how many servers are watched."""
        from shturman.daemon import Daemon
        from shturman.services.monitoring import CHECK_KIND
        from shturman.services.monitoring.peers import PEER_ACTION_KIND, PEER_CHECK_KIND

        await self.watch_servers()
        runtime = self.jobs_runtime(workers=True,
                                    kinds=(CHECK_KIND, PEER_CHECK_KIND, PEER_ACTION_KIND))
        watched = len(self.extras.get("watched", []))
        try:
            await Daemon(runtime.components).run(
                None if ready is None else lambda _: ready(watched))
        finally:
            await self.monitoring.drain()

    async def run_workers(self, ready: Callable[[], None] | None = None) -> None:
        """`shturman worker`: the job workers (and scheduler) of the configured backend until
        SIGINT/SIGTERM; running jobs finish within the grace time or are interrupted."""
        from shturman.daemon import Daemon

        await self.watch_servers()
        runtime = self.jobs_runtime(workers=True)
        await Daemon(runtime.components).run(None if ready is None else lambda _: ready())

    # --- users, approvals, notifications, live events (shared by every channel) ---

    @property
    def signals(self) -> Signals:
        """Cross-process wake-ups: LISTEN/NOTIFY on PostgreSQL, polling otherwise."""
        if "signals" not in self.extras:
            from shturman.store.repositories.signals import Signals

            self.extras["signals"] = Signals(self.db.engine)
        return cast("Signals", self.extras["signals"])

    @property
    def users(self) -> UserService:
        if "users" not in self.extras:
            from shturman.services.users import UserService
            from shturman.store.repositories.users import UserRepo

            self.extras["users"] = UserService(UserRepo(self.db.engine))
        return cast("UserService", self.extras["users"])

    @property
    def notifications(self) -> NotificationService:
        if "notifications" not in self.extras:
            from shturman.interfaces.i18n import t
            from shturman.services.notifications import NotificationService
            from shturman.store.repositories.notifications import NotificationRepo
            from shturman.store.repositories.users import UserRepo

            self.extras["notifications"] = NotificationService(
                NotificationRepo(self.db.engine, self.extras.get("redactor")),
                UserRepo(self.db.engine), self.runs_repo, t, self.settings.language)
            self.extras["notifications"].listeners.append(self.push.notified)  # Web Push
        return cast("NotificationService", self.extras["notifications"])

    @property
    def push(self) -> PushService:
        """Web Push (docs/web.md): the VAPID keys (private key in the vault), subscriptions,
        a push for new delegation suggestions and approval requests."""
        if "push" not in self.extras:
            from shturman.services.push import PushService
            from shturman.store.repositories.push import PushSubscriptionRepo

            def action_url(n: Any) -> str:  # the web app's page for it (imported when pushed)
                from shturman.interfaces.web.routes.notifications import action_url as url

                return url(n)

            redactor = self.extras.get("redactor")
            self.extras["push"] = PushService(
                PushSubscriptionRepo(self.db.engine), self.vault, action_url,
                self.settings.web.push_subject,
                learn=None if redactor is None else redactor.learn)
        return cast("PushService", self.extras["push"])

    @property
    def approvals(self) -> ApprovalService:
        """Stored approvals: `approver(timeout)` for a run, `decide` for any channel."""
        if "approvals" not in self.extras:
            from shturman.services.approvals import ApprovalService
            from shturman.store.repositories.approvals import ApprovalRepo

            self.extras["approvals"] = ApprovalService(
                ApprovalRepo(self.db.engine, self.extras.get("redactor")), self.signals,
                self.audit, self.notifications)
        return cast("ApprovalService", self.extras["approvals"])

    @property
    def events(self) -> EventService:
        """Follow a run's events from any process (`subscribe(run_id, after_seq)`)."""
        if "events" not in self.extras:
            from shturman.services.events import EventService
            from shturman.store.repositories.events import EventFeed

            self.extras["events"] = EventService(
                EventFeed(self.db.engine, self.extras.get("redactor")), self.signals)
        return cast("EventService", self.extras["events"])

    # --- the Telegram bot (docs/telegram.md) ---

    async def telegram_token(self) -> str | None:
        """The bot token: the settings (``SHTURMAN_TELEGRAM__TOKEN``, ``telegram.token``), else
        the vault (``shturman bot set-token``). Learnt by the redactor, so no log, event or
        message can show it."""
        chosen = self.settings.telegram.token
        token = chosen.get_secret_value().strip() if chosen is not None else ""
        if not token:
            from shturman.domain.errors import VaultError
            from shturman.vault import SecretKind

            try:
                token = (await self.vault.get(TELEGRAM_SECRET, SecretKind.TOKEN) or "").strip()
            except VaultError:
                token = ""
        redactor = self.extras.get("redactor")
        if token and redactor is not None:
            redactor.learn([token])
        return token or None

    async def store_telegram_token(self, token: str, actor: str) -> None:
        from datetime import UTC, datetime

        from shturman.domain.models import AuditEntry
        from shturman.vault import SecretKind

        await self.vault.put(TELEGRAM_SECRET, SecretKind.TOKEN, token)
        redactor = self.extras.get("redactor")
        if redactor is not None:
            redactor.learn([token])
        await self.audit.record(AuditEntry(datetime.now(UTC), actor, "-", "telegram_token",
                                           outcome="stored", detail="bot token stored in "
                                           "the vault"))

    async def telegram_bot(self) -> Any:
        """The bot component (``daemon.Component``), or None when no token is configured."""
        token = await self.telegram_token()
        if token is None:
            return None
        from shturman import __version__
        from shturman.interfaces.telegram import BotConfig, BotServices, TelegramBot

        tg = self.settings.telegram
        services = BotServices(
            users=self.users, jobs=self.jobs, approvals=self.approvals, events=self.events,
            notifications=self.notifications, inventory=self.inventory, runs=self.runs,
            audit=self.audit, model_configured=self.settings.llm.configured,
            version=__version__, voice=self.voice)
        return TelegramBot(services, BotConfig(
            token=token, api_url=tg.api_url, allow_groups=tg.allow_groups,
            rate_limit_per_minute=tg.rate_limit_per_minute, language=self.settings.language,
            webhook_url=tg.webhook_url, webhook_listen=tg.webhook_listen,
            drop_pending_updates=tg.drop_pending_updates, edit_interval=tg.edit_interval,
            notify_interval=tg.notify_interval, polling_timeout=tg.polling_timeout))

    @property
    def voice(self) -> VoiceService:
        """Offline speech (the model loads on first use, into the home's model cache)."""
        if "voice" not in self.extras:
            from shturman.services.voice import VoiceService

            self.extras["voice"] = VoiceService(self.settings.home / "models")
        return cast("VoiceService", self.extras["voice"])

    async def run_bot(self, ready: Callable[[Any], None] | None = None, *,
                      workers: bool = False) -> None:
        """`shturman bot`: the bot alone (``workers``: with the job workers that run what it
        submits) until SIGINT/SIGTERM. Raises ConfigError without a token."""
        from shturman.daemon import Component, Daemon
        from shturman.domain.errors import ConfigError
        from shturman.interfaces.i18n import t

        bot = await self.telegram_bot()
        if bot is None:
            raise ConfigError(f"{t('tg.err.no_token', 'ru')} / {t('tg.err.no_token', 'en')}")
        components: list[Component] = []
        if workers:
            await self.watch_servers()
            components.extend(self.jobs_runtime(workers=True).components)
        components.append(bot)
        await Daemon(components).run(None if ready is None else lambda _: ready(bot))

    # --- the web app (docs/web.md) ---

    @property
    def tasks(self) -> TaskService:
        """Tasks, their background analysis and delegation (docs/web.md)."""
        if "tasks" not in self.extras:
            from shturman.services.tasks import TaskService
            from shturman.store.repositories.tasks import TaskRepo

            self.extras["tasks"] = TaskService(
                TaskRepo(self.db.engine, self.extras.get("redactor")), self.inventory,
                lambda: self.jobs, lambda: self.runs, self.notifications, self.users,
                self.planner_factory)
        return cast("TaskService", self.extras["tasks"])

    @property
    def chat(self) -> ChatService:
        """Each user's conversation with the agent (runs, their events, the reports)."""
        if "chat" not in self.extras:
            from shturman.services.chat import ChatService
            from shturman.store.repositories.tasks import ChatRepo

            self.extras["chat"] = ChatService(
                ChatRepo(self.db.engine, self.extras.get("redactor")), lambda: self.jobs,
                lambda: self.tasks, self.users)
        return cast("ChatService", self.extras["chat"])

    @property
    def tokens(self) -> TokenService:
        """Web sessions and API tokens (digests only)."""
        if "tokens" not in self.extras:
            from shturman.services.tokens import TokenService
            from shturman.store.repositories.tokens import TokenRepo

            self.extras["tokens"] = TokenService(TokenRepo(self.db.engine), self.users,
                                                 self.audit)
        return cast("TokenService", self.extras["tokens"])

    @property
    def server_admin(self) -> ServerAdmin:
        """Servers added, edited, tested and deleted from the web app (secrets write-only)."""
        if "server_admin" not in self.extras:
            from shturman.services.admin import ServerAdmin

            redactor = self.extras.get("redactor")
            self.extras["server_admin"] = ServerAdmin(
                self.inventory, self.server_access, self.commands, self.audit,
                learn=None if redactor is None else redactor.learn, pool=self.extras["ssh"])
        return cast("ServerAdmin", self.extras["server_admin"])

    @property
    def settings_admin(self) -> SettingsAdmin:
        """The admin settings: model provider (the YAML config file + the vault), Telegram
        allowlist and roles, access profiles."""
        if "settings_admin" not in self.extras:
            from shturman.config import CONFIG_NAME
            from shturman.services.admin import SettingsAdmin
            from shturman.store.repositories.users import UserRepo

            redactor = self.extras.get("redactor")
            self.extras["settings_admin"] = SettingsAdmin(
                self.users, UserRepo(self.db.engine), self.inventory, self.vault, self.audit,
                self.settings.config_file or self.settings.home / CONFIG_NAME,
                learn=None if redactor is None else redactor.learn)
        return cast("SettingsAdmin", self.extras["settings_admin"])

    @property
    def setup_links(self) -> SetupLinks:
        """The one-time link that creates the first admin (`serve --open`, `web --open`)."""
        if "setup_links" not in self.extras:
            from shturman.services.setup_link import SetupLinks
            from shturman.store.repositories.tokens import TokenRepo

            self.extras["setup_links"] = SetupLinks(TokenRepo(self.db.engine), self.users,
                                                    self.audit)
        return cast("SetupLinks", self.extras["setup_links"])

    async def open_path(self) -> str:
        """What `--open` prints after the web app's URL: a one-time ``/setup?token=…`` while
        no admin exists, else ``/`` (the login)."""
        token = await self.setup_links.issue()
        return "/" if token is None else f"/setup?token={token}"

    @property
    def health_history(self) -> Any:
        """What the web app's health page reads (``services.monitoring.history``)."""
        from shturman.services.monitoring.history import HealthHistory
        from shturman.store.repositories.monitoring import MonitoringRepo

        return HealthHistory(self.inventory, MonitoringRepo(self.db.engine))

    def web_server(self, *, port: int | None = None) -> Any:
        """The web app as a daemon component (``interfaces.web.WebServer``)."""
        from shturman import __version__
        from shturman.interfaces.web import WebConfig, WebServer, WebServices, create_app

        web = self.settings.web
        services = WebServices(
            users=self.users, tokens=self.tokens, jobs=self.jobs, approvals=self.approvals,
            events=self.events, notifications=self.notifications, inventory=self.inventory,
            runs=self.runs, audit=self.audit, server_admin=self.server_admin,
            settings_admin=self.settings_admin, setup_links=self.setup_links,
            tasks=self.tasks, chat=self.chat, health=self.health_history, push=self.push)
        app = create_app(services, WebConfig(
            host=web.host, port=web.port, secure_cookies=web.secure_cookies,
            session_lifetime=web.session_lifetime, login_attempts=web.login_attempts,
            login_window=web.login_window, language=self.settings.language,
            model_configured=self.settings.llm.configured, version=__version__,
            metrics_public=web.metrics_public), agent=self.agent_api())
        return WebServer(app, web.host, web.port if port is None else port)

    async def run_web(self, ready: Callable[[Any], None] | None = None, *,
                      workers: bool = False, port: int | None = None) -> None:
        """`shturman web`: the web app alone (``workers``: with the job workers that run what
        it submits; ``port``: instead of ``web.port``) until SIGINT/SIGTERM."""
        from shturman.daemon import Component, Daemon

        components: list[Component] = []
        if workers:
            await self.watch_servers()
            components.extend(self.jobs_runtime(workers=True).components)
        web = self.web_server(port=port)
        components.append(web)
        await Daemon(components).run(None if ready is None else lambda _: ready(web))

    def interruptions(self) -> list[Any]:
        """Commands interrupted on remote servers in this process (Ctrl-C, SIGTERM), each
        with whether its process group was stopped there (``hosts.executor.Interruption``)."""
        ssh = self.extras.get("ssh")
        return [] if ssh is None else list(ssh.interruptions)

    async def close(self) -> None:
        monitoring: MonitoringService | None = self.extras.get("monitoring")
        if monitoring is not None:  # alert webhooks still in flight get a moment
            await monitoring.drain(timeout=10.0)
        push: PushService | None = self.extras.get("push")
        if push is not None:  # pushes still in flight get a moment
            await push.drain(timeout=10.0)
        signals: Signals | None = self.extras.get("signals")
        if signals is not None:
            await signals.close()
        for jobs in [*self.extras.get("jobs_replaced", []), self.extras.get("jobs")]:
            if jobs is not None:
                await jobs.queue.waker.close()
        reader = self.extras.get("file_reader")
        if reader is not None:
            await reader.close()
        await self.executor.close()
        await self.audit.close()
        await self.db.close()


def load_keyring(settings: Settings) -> Keyring:
    from shturman.vault import Keyring

    if settings.vault_key is not None:
        return Keyring.from_value(settings.vault_key.get_secret_value())
    return Keyring.from_file(settings.key_file)


async def build(settings: Settings, *, executor_overrides: dict[str, Executor] | None = None,
                migrate: bool = True, model: Any = None) -> Container:
    from shturman.hosts import GuardedExecutor, LocalExecutor, RoutingExecutor
    from shturman.policy import Policy
    from shturman.services.audit import AuditTrail
    from shturman.services.commands import CommandService
    from shturman.services.inventory import Inventory
    from shturman.store import Database
    from shturman.store.repositories import (
        AuditRepo,
        CredentialRepo,
        IncidentRepo,
        RunRepo,
        ServerRepo,
    )
    from shturman.vault import LazyKeyring, Vault

    db = Database(settings.db_url)
    if migrate:
        await db.migrate()
    vault = Vault(LazyKeyring(lambda: load_keyring(settings)), CredentialRepo(db.engine))
    # the ONE redaction pass (vault values + patterns): every store write and read, every
    # command result and the log file go through it
    redactor = await _redactor(vault)
    audit = AuditTrail(AuditRepo(db.engine, redactor))
    await _model_key_from_vault(settings, vault)
    configured = [s.to_domain() for s in settings.servers]
    from shturman.config import server_origins

    inventory = Inventory(configured, ServerRepo(db.engine), vault, audit,
                          origins=server_origins(settings))
    policy = Policy.load(settings.policy.rules_files)
    ssh = LazySsh(vault, inventory, connect_timeout=settings.ssh.connect_timeout,
                  keepalive_interval=settings.ssh.keepalive_interval,
                  output_cap=settings.ssh.output_cap_bytes)
    executor = RoutingExecutor(LocalExecutor(settings.ssh.output_cap_bytes), ssh,
                               executor_overrides)
    guarded = GuardedExecutor(executor, policy, audit, redact=redactor.redact,
                              default_timeout=settings.ssh.command_timeout)
    commands = CommandService(guarded, settings.ssh.max_concurrency)
    runs_repo = RunRepo(db.engine, redactor)
    incidents_repo = IncidentRepo(db.engine, redactor)
    built = Container(
        settings=settings,
        db=db,
        vault=vault,
        inventory=inventory,
        audit=audit,
        guarded=guarded,
        commands=commands,
        executor=executor,
        runs_repo=runs_repo,
        incidents_repo=incidents_repo,
        policy=policy,
        planner_factory=planner_factory(settings, model),
        extras={"ssh": ssh, "redactor": redactor},
    )
    # a stored `run_finished` becomes a notification, whichever channel started the run
    runs_repo.listeners.append(lambda events: built.notifications.on_run_events(events))
    # a task's or a chat message's run ended: the task's status, the agent's reply
    runs_repo.listeners.append(lambda events: built.tasks.on_run_events(events))
    runs_repo.listeners.append(lambda events: built.chat.on_run_events(events))
    # a file a command changes is saved to the config backups first (built on first use)
    guarded.snapshots = LazySnapshots(built)
    return built


class LazySnapshots:
    """``hosts.guarded.Snapshots`` over the container's backup service, built on first use."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def snapshot(self, server: str, paths: Sequence[str], reason: str, *,
                       actor: Any) -> str:
        return await self._container.backups.snapshot(server, paths, reason, actor=actor)


class BackupHistory:
    """``tools.history.ConfigHistory`` over the container's backup service: a file's newest
    stored version (and the one command that writes it back), for the repair runbook. Reads
    only; the remedy runs the command through the GuardedExecutor like any other."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def last_version(self, server: str, path: str) -> Any:
        from shturman.domain.backups import BackupError
        from shturman.domain.errors import ShturmanError
        from shturman.services.backups.restore import write_command
        from shturman.tools.history import StoredVersion

        settings = self._container.settings
        if not settings.backups.enabled or not settings.backups.repository_path(
                settings.home).exists():
            return None  # nothing was ever backed up: do not create a repository here
        backups = self._container.backups
        try:
            commits: list[str | None] = [None] + [
                c.commit for c in await backups.history(server, path, limit=20)]
            for commit in commits:
                try:
                    plan = await backups.plan_restore(server, path, commit)
                except BackupError as exc:
                    if exc.reason in ("no_backup", "directory"):
                        continue  # not in this commit (deleted before it): an older one
                    return None  # redacted, excluded, not text: never written back
                if not plan.needed:
                    return None
                command = write_command(plan.stored, plan.current is not None,
                                        plan.current_mode)
                return StoredVersion(server, plan.stored.path, plan.stored.commit,
                                     plan.stored.content.decode("utf-8"), plan.diff, command,
                                     plan.current is not None)
        except (ShturmanError, UnicodeDecodeError):
            return None
        return None


class LazySsh:
    """The SSH executor, built (and asyncssh imported, ~0.1 s) on the first remote command.

    `exec local -- …`, `policy`, `plan` and the registry commands never pay for it.
    """

    def __init__(self, vault: Vault, pins: Inventory, *, connect_timeout: float,
                 keepalive_interval: float, output_cap: int) -> None:
        self._args = (connect_timeout, keepalive_interval, output_cap, vault, pins)
        self._ssh: Any = None

    @property
    def executor(self) -> Any:
        if self._ssh is None:
            from shturman.hosts.ssh import SshExecutor

            connect, keepalive, cap, vault, pins = self._args
            self._ssh = SshExecutor(vault, pins, connect_timeout=connect,
                                    keepalive_interval=keepalive, output_cap=cap)
        return self._ssh

    @property
    def interruptions(self) -> list[Any]:
        """Commands interrupted on remote servers (Ctrl-C, SIGTERM), each with whether its
        process group was stopped there (``hosts.executor.Interruption``)."""
        return [] if self._ssh is None else list(self._ssh.interruptions)

    async def run(self, server: Server, command: str, *, timeout: float) -> Any:
        return await self.executor.run(server, command, timeout=timeout)

    async def close(self) -> None:
        if self._ssh is not None:
            await self._ssh.close()

    async def forget(self, name: str) -> None:  # nothing pooled before the first use
        if self._ssh is not None:
            await self._ssh.forget(name)

    def __getattr__(self, name: str) -> Any:  # first_contact, interrupt, pool details…
        return getattr(self.executor, name)


@dataclass(frozen=True, slots=True)
class LightExec:
    """What `exec` needs with no daemon, built by :func:`light_exec`."""

    execution: ExecService
    ssh: LazySsh

    def interruptions(self) -> list[Any]:
        return self.ssh.interruptions


@contextlib.asynccontextmanager
async def light_exec(light: ExecSettings) -> AsyncIterator[LightExec | None]:
    """`exec SERVER… -- CMD` with no daemon, for start-up speed: the same Inventory,
    GuardedExecutor, policy, executors (local, SSH with pinned host keys) and redaction as
    :func:`build`, over the standard library's sqlite3 (``store.sqlite_light``: the same
    rows) instead of SQLAlchemy. None: the database is not current (missing, or migrations
    pending) — then :func:`build` must run."""
    from pathlib import Path

    from shturman.store.sqlite_light import SqliteStore, schema_current

    if not schema_current(light.database):
        yield None
        return
    from shturman.hosts import GuardedExecutor, LocalExecutor, RoutingExecutor
    from shturman.observability.logging import configure
    from shturman.policy import Policy
    from shturman.services.commands import CommandService
    from shturman.services.execution import ExecService
    from shturman.services.inventory import Inventory
    from shturman.vault import Keyring, LazyKeyring, Vault

    configure(Path(light.home) / "logs")
    store = SqliteStore(light.database)
    executor: RoutingExecutor | None = None
    try:
        vault = Vault(LazyKeyring(lambda: Keyring.from_file(light.key_file)), store)
        redactor = await _redactor(vault)
        store.use_redactor(redactor)
        inventory = Inventory(light.servers, store, vault, store, origins=dict(light.origins))
        ssh = LazySsh(vault, inventory, connect_timeout=light.connect_timeout,
                      keepalive_interval=light.keepalive_interval,
                      output_cap=light.output_cap_bytes)
        executor = RoutingExecutor(LocalExecutor(light.output_cap_bytes), ssh)
        guarded = GuardedExecutor(executor, Policy.load(list(light.rules_files)), store,
                                  redact=redactor.redact, default_timeout=light.command_timeout)
        yield LightExec(ExecService(inventory, CommandService(guarded, light.max_concurrency)),
                        ssh)
    finally:
        try:
            if executor is not None:
                await executor.close()
        finally:
            await store.close()


def planner_factory(settings: Settings, model: Any = None) -> Callable[[list[Server]], Any]:
    """Builds a fresh ModelPlanner (own usage meter) per run, or None without a model."""
    if model is None and not settings.llm.configured:
        return lambda servers: None
    from shturman.agent.planner import ModelPlanner
    from shturman.llm import ModelClient, ResponseCache, build_model

    built = model if model is not None else build_model(settings.llm)
    cache = ResponseCache()

    def make(servers: list[Server]) -> Any:
        client = ModelClient(built, settings.llm, cache=cache)
        return ModelPlanner(client, [s.name for s in servers], settings.language)

    return make


async def _model_key_from_vault(settings: Settings, vault: Vault) -> None:
    """The model's API key: the settings (``llm.api_key``, ``SHTURMAN_LLM__API_KEY``), else
    the vault entry the web app's admin settings store (``services.admin.LLM_SECRET``)."""
    if settings.llm.api_key is not None or not settings.llm.configured:
        return
    from pydantic import SecretStr

    from shturman.domain.errors import VaultError
    from shturman.services.admin import LLM_SECRET
    from shturman.vault import SecretKind

    try:
        key = await vault.get(LLM_SECRET, SecretKind.TOKEN)
    except VaultError:
        return
    if key:
        settings.llm = settings.llm.model_copy(update={"api_key": SecretStr(key)})


async def _redactor(vault: Vault) -> Any:
    from shturman.domain.errors import VaultError
    from shturman.observability.logging import use_redactor
    from shturman.policy.redaction import Redactor

    try:
        secrets = await vault.known_values()
    except VaultError:  # no usable key: pattern redaction still applies
        secrets = []
    redactor = Redactor(secrets)
    use_redactor(redactor.redact)
    return redactor


@contextlib.asynccontextmanager
async def container(settings: Settings, **kwargs: Any) -> AsyncIterator[Container]:
    c = await build(settings, **kwargs)
    try:
        yield c
    finally:
        await c.close()


async def serve(settings: Settings, ready: Callable[[Path], None], *,
                open_url: Callable[[str], None] | None = None) -> None:
    """`shturman serve`: the daemon (DESIGN.md §3), composed here from the services and its
    components; runs until SIGINT/SIGTERM. ``ready`` is told the hand-off socket's path.

    Components start in this order and stop in reverse; each has ``async start()`` and
    ``async stop()`` (``daemon.Component``). Job workers, the scheduler, the bot and the web
    app are added to the list here as they land."""
    from shturman.daemon import Component, Daemon, HandoffSocket

    async with container(settings) as c:
        handoff = HandoffSocket(settings.home, c, _describe, language=settings.language,
                                approval_timeout=settings.agent.approval_timeout)
        components: list[Component] = [handoff]
        await c.watch_servers()
        components.extend(c.jobs_runtime(workers=True).components)
        bot = await c.telegram_bot()  # with a token only; it refuses without linked users
        if bot is not None:
            components.append(bot)
        web = None
        if settings.web.enabled or open_url is not None:  # `web.enabled` / `serve --open`
            web = c.web_server()
            components.append(web)
        opened = await c.open_path() if open_url is not None else ""

        def started(daemon: Any) -> None:
            ready(handoff.path)
            if open_url is not None and web is not None:
                open_url(web.url + opened)

        await Daemon(components).run(started)


def _describe(exc: ShturmanError, lang: str) -> tuple[str, int]:
    from shturman.interfaces.cli.runtime import describe, exit_code

    return describe(exc, lang), exit_code(exc)


def main() -> None:
    """The `shturman` console script. `policy check --json|--jsonl` and an `exec` a running
    `shturman serve` takes are answered without loading typer, pydantic or SQLAlchemy
    (interfaces/cli/fastpath.py); everything else is the typer CLI."""
    import sys

    from shturman.interfaces.cli.fastpath import HANDED_BACK, dispatch

    answer = dispatch(sys.argv[1:], light_exec)
    if isinstance(answer, int):
        raise SystemExit(answer)
    from shturman.interfaces.cli.main import main as cli

    cli(container, serve, handed_back=answer is HANDED_BACK)
