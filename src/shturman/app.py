"""Composition root: the only module that names concrete classes and wires them together.

Imports of the heavy parts happen inside :func:`build`, so `shturman --help` and the policy
commands start fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shturman.config import Settings
    from shturman.domain.models import Server
    from shturman.hosts import GuardedExecutor
    from shturman.hosts.executor import Executor
    from shturman.services.audit import AuditTrail
    from shturman.services.commands import CommandService
    from shturman.services.inventory import Inventory
    from shturman.services.runs import RunService
    from shturman.store import Database
    from shturman.store.repositories import IncidentRepo, RunRepo
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

    @property
    def runs(self) -> RunService:
        """The agent's run service, built on first use (keeps `exec` start-up light)."""
        if self._runs is None:
            from shturman.services.runs import RunService

            self._runs = RunService(self.settings, self.inventory, self.guarded,
                                    self.runs_repo, self.incidents_repo, self.planner_factory,
                                    self.audit)
        return self._runs

    async def close(self) -> None:
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
    from shturman.hosts import GuardedExecutor, LocalExecutor, RoutingExecutor, SshExecutor
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
    audit = AuditTrail(AuditRepo(db.engine))
    vault = Vault(LazyKeyring(lambda: load_keyring(settings)), CredentialRepo(db.engine))
    configured = [s.to_domain() for s in settings.servers]
    inventory = Inventory(configured, ServerRepo(db.engine), vault, audit)
    policy = Policy.load(settings.policy.rules_files)
    ssh = SshExecutor(
        vault,
        inventory,
        connect_timeout=settings.ssh.connect_timeout,
        keepalive_interval=settings.ssh.keepalive_interval,
        output_cap=settings.ssh.output_cap_bytes,
    )
    executor = RoutingExecutor(LocalExecutor(settings.ssh.output_cap_bytes), ssh,
                               executor_overrides)
    redactor = await _redactor(vault)
    guarded = GuardedExecutor(executor, policy, audit, redact=redactor,
                              default_timeout=settings.ssh.command_timeout)
    commands = CommandService(guarded, settings.ssh.max_concurrency)
    runs_repo = RunRepo(db.engine)
    incidents_repo = IncidentRepo(db.engine)
    return Container(
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
        extras={"ssh": ssh},
    )


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
    from shturman.policy.redaction import Redactor

    try:
        secrets = await vault.known_values()
    except VaultError:  # no usable key: pattern redaction still applies
        secrets = []
    return Redactor(secrets).redact


@contextlib.asynccontextmanager
async def container(settings: Settings, **kwargs: Any) -> AsyncIterator[Container]:
    c = await build(settings, **kwargs)
    try:
        yield c
    finally:
        await c.close()


def main() -> None:
    """The `shturman` console script: the CLI with this composition root's container."""
    from shturman.interfaces.cli.main import main as cli

    cli(container)
