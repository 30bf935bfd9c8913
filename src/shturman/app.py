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
        extras={"ssh": ssh, "redactor": redactor},
    )


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


def main() -> None:
    """The `shturman` console script: the CLI with this composition root's container."""
    from shturman.interfaces.cli.main import main as cli

    cli(container)
