"""Composition root: the only module that names concrete classes and wires them together.

Imports of the heavy parts happen inside :func:`build`, so `shturman --help` and the policy
commands start fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from pathlib import Path

    from shturman.config import Settings
    from shturman.domain.errors import ShturmanError
    from shturman.domain.models import Server
    from shturman.hosts import GuardedExecutor
    from shturman.hosts.executor import Executor
    from shturman.jobs import JobsRuntime
    from shturman.services.approvals import ApprovalService
    from shturman.services.audit import AuditTrail
    from shturman.services.commands import CommandService
    from shturman.services.events import EventService
    from shturman.services.execution import ExecService
    from shturman.services.inventory import Inventory
    from shturman.services.jobs import JobService
    from shturman.services.notifications import NotificationService
    from shturman.services.runs import RunService
    from shturman.services.users import UserService
    from shturman.store import Database
    from shturman.store.repositories import IncidentRepo, RunRepo
    from shturman.store.repositories.signals import Signals
    from shturman.vault import Keyring, Vault


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
    def runs(self) -> RunService:
        """The agent's run service, built on first use (keeps `exec` start-up light)."""
        if self._runs is None:
            from shturman.services.runs import RunService

            self._runs = RunService(self.settings, self.inventory, self.guarded,
                                    self.runs_repo, self.incidents_repo, self.planner_factory,
                                    self.audit)
        return self._runs

    def jobs_runtime(self, *, workers: bool = False, scheduler: bool | None = None
                     ) -> JobsRuntime:
        """The job queue for the configured backend; with ``workers`` also the worker pool,
        the taskiq feeder and the scheduler (components with start/stop). Built once."""
        runtime: JobsRuntime | None = self.extras.get("jobs")
        if runtime is None or (workers and runtime.pool is None):
            if runtime is not None:  # a submit-only runtime: its waker is closed at the end
                self.extras.setdefault("jobs_replaced", []).append(runtime)
            from shturman.jobs import HandlerRegistry, build_runtime
            from shturman.services.jobs import register_builtin

            registry = HandlerRegistry()
            register_builtin(registry, lambda: self.runs, lambda: self.approvals.approver(
                self.settings.agent.approval_timeout))
            runtime = build_runtime(self.db.engine, self.settings.jobs, registry,
                                    workers=workers, scheduler=scheduler,
                                    redactor=self.extras.get("redactor"))
            self.extras["jobs"] = runtime
        return runtime

    @property
    def jobs(self) -> JobService:
        """Submit, list, show and cancel background jobs."""
        from shturman.services.jobs import JobService

        return JobService(self.jobs_runtime().queue)

    async def run_workers(self, ready: Callable[[], None] | None = None) -> None:
        """`shturman worker`: the job workers (and scheduler) of the configured backend until
        SIGINT/SIGTERM; running jobs finish within the grace time or are interrupted."""
        from shturman.daemon import Daemon

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
        return cast("NotificationService", self.extras["notifications"])

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

    def interruptions(self) -> list[Any]:
        """Commands interrupted on remote servers in this process (Ctrl-C, SIGTERM), each
        with whether its process group was stopped there (``hosts.executor.Interruption``)."""
        ssh = self.extras.get("ssh")
        built = getattr(ssh, "_ssh", None)
        return list(getattr(built, "interruptions", []))

    async def close(self) -> None:
        signals: Signals | None = self.extras.get("signals")
        if signals is not None:
            await signals.close()
        for jobs in [*self.extras.get("jobs_replaced", []), self.extras.get("jobs")]:
            if jobs is not None:
                await jobs.queue.waker.close()
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
    configured = [s.to_domain() for s in settings.servers]
    from shturman.config import server_origins

    inventory = Inventory(configured, ServerRepo(db.engine), vault, audit,
                          origins=server_origins(settings))
    policy = Policy.load(settings.policy.rules_files)
    ssh = LazySsh(settings, vault, inventory)
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
    return built


class LazySsh:
    """The SSH executor, built (and asyncssh imported, ~0.1 s) on the first remote command.

    `exec local -- …`, `policy`, `plan` and the registry commands never pay for it.
    """

    def __init__(self, settings: Settings, vault: Vault, inventory: Inventory) -> None:
        self._args = (settings, vault, inventory)
        self._ssh: Any = None

    @property
    def executor(self) -> Any:
        if self._ssh is None:
            from shturman.hosts.ssh import SshExecutor

            settings, vault, inventory = self._args
            self._ssh = SshExecutor(
                vault,
                inventory,
                connect_timeout=settings.ssh.connect_timeout,
                keepalive_interval=settings.ssh.keepalive_interval,
                output_cap=settings.ssh.output_cap_bytes,
            )
        return self._ssh

    async def run(self, server: Server, command: str, *, timeout: float) -> Any:
        return await self.executor.run(server, command, timeout=timeout)

    async def close(self) -> None:
        if self._ssh is not None:
            await self._ssh.close()

    def __getattr__(self, name: str) -> Any:  # first_contact, interrupt, pool details…
        return getattr(self.executor, name)


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


async def serve(settings: Settings, ready: Callable[[Path], None]) -> None:
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
        components.extend(c.jobs_runtime(workers=True).components)
        await Daemon(components).run(lambda daemon: ready(handoff.path))


def _describe(exc: ShturmanError, lang: str) -> tuple[str, int]:
    from shturman.interfaces.cli.runtime import describe, exit_code

    return describe(exc, lang), exit_code(exc)


def main() -> None:
    """The `shturman` console script. `policy check --json|--jsonl` and an `exec` a running
    `shturman serve` takes are answered without loading typer, pydantic or SQLAlchemy
    (interfaces/cli/fastpath.py); everything else is the typer CLI."""
    import sys

    from shturman.interfaces.cli.fastpath import HANDED_BACK, dispatch

    answer = dispatch(sys.argv[1:])
    if isinstance(answer, int):
        raise SystemExit(answer)
    from shturman.interfaces.cli.main import main as cli

    cli(container, serve, handed_back=answer is HANDED_BACK)
