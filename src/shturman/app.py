"""Composition root: the only module that names concrete classes and wires them together."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from shturman.config import Settings
from shturman.domain.errors import VaultError
from shturman.domain.models import Server
from shturman.hosts import GuardedExecutor, LocalExecutor, RoutingExecutor, SshExecutor
from shturman.hosts.executor import Executor
from shturman.services.audit import AuditTrail
from shturman.services.commands import CommandService
from shturman.services.inventory import Inventory
from shturman.services.runs import RunService
from shturman.store import Database
from shturman.store.repositories import (
    AuditRepo,
    CredentialRepo,
    IncidentRepo,
    RunRepo,
    ServerRepo,
)
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
    runs: RunService
    extras: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        await self.executor.close()
        await self.db.close()


def load_keyring(settings: Settings) -> Keyring:
    if settings.vault_key is not None:
        return Keyring.from_value(settings.vault_key.get_secret_value())
    return Keyring.from_file(settings.key_file)


class _LazyKeyring(Keyring):
    """Reads the key file on first use, so commands that need no secret work without it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._real: Keyring | None = None

    def _get(self) -> Keyring:
        if self._real is None:
            self._real = load_keyring(self._settings)
        return self._real

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._get().encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        return self._get().decrypt(token)

    def rotate_token(self, token: bytes) -> bytes:
        return self._get().rotate_token(token)

    def with_new_key(self) -> Keyring:
        return self._get().with_new_key()


async def build(settings: Settings, *, executor_overrides: dict[str, Executor] | None = None,
                migrate: bool = True, model: Any = None) -> Container:
    from shturman.policy import Policy

    db = Database(settings.db_url)
    if migrate:
        await db.migrate()
    audit = AuditTrail(AuditRepo(db.engine))
    vault = Vault(_LazyKeyring(settings), CredentialRepo(db.engine))
    configured: list[Server] = [s.to_domain() for s in settings.servers]
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
    runs = RunService(settings, inventory, guarded, runs_repo, incidents_repo,
                      planner_factory(settings, model))
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
        runs=runs,
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
