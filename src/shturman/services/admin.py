"""What an admin changes from the web app, as use-cases any interface may call:

- :class:`ServerAdmin` — add (register and log in once, taken back when the login fails),
  edit, test (an SSH login and read-only probes through the guarded executor) and delete a
  server. Secrets go straight into the vault and are never read back: nothing here returns,
  logs or audits one.
- :class:`SettingsAdmin` — the model provider (``llm:`` of the YAML config file that
  ``load_settings`` reads at the next start; the API key in the vault, never in the file),
  the Telegram allowlist (users, their linked Telegram id, their role) and the access profile
  of each registered server.

Every change is an audit row naming who made it. None of this is a tool: the agent never
reaches it.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from shturman.domain.errors import ConfigError, HostError, VaultError
from shturman.domain.models import (
    LOCAL_SERVER,
    AccessProfile,
    Actor,
    AuditEntry,
    AuthMethod,
    Server,
    ServerFacts,
)
from shturman.domain.users import Role, User
from shturman.services.audit import AuditTrail
from shturman.services.commands import CommandService
from shturman.services.hostkeys import Added, ServerAccess
from shturman.services.inventory import Inventory
from shturman.services.users import UserService
from shturman.store.repositories.users import UserRepo
from shturman.vault import SecretKind, Vault

LLM_SECRET = "@llm"  # the vault entry of the model provider's API key (not a server name)
PROVIDERS = ("openai", "anthropic")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class InvalidInput(ConfigError):
    """A form that cannot be saved: ``key`` names the catalogue text (``admin.err.*``)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Secrets:
    """Write-only: each one given replaces the stored one; None keeps it."""

    password: str | None = None
    private_key: str | None = None
    passphrase: str | None = None

    def __repr__(self) -> str:  # never in a traceback or a log line
        return "Secrets(…)"


def _check(form: Server) -> None:
    if not _NAME.match(form.name) or form.name == LOCAL_SERVER:
        raise InvalidInput("admin.err.name", name=form.name)
    if form.auth is not AuthMethod.LOCAL and (
            not form.host.strip() or any(ch.isspace() for ch in form.host)):
        raise InvalidInput("admin.err.host", host=form.host)
    if not 1 <= form.port <= 65535:
        raise InvalidInput("admin.err.port", port=form.port)
    if not form.user.strip() or any(ch.isspace() for ch in form.user):
        raise InvalidInput("admin.err.user", user=form.user)


def _check_key(text: str) -> None:
    head = text.lstrip()[:80]
    if head.startswith(("ssh-", "ecdsa-", "sk-")):
        raise InvalidInput("admin.err.public_key")
    if "PRIVATE KEY" not in text[:200]:
        raise InvalidInput("admin.err.not_a_key")


class ConnectionPool(Protocol):
    """The SSH executor's pool (``hosts.ssh.SshExecutor.forget``)."""

    async def forget(self, name: str) -> None: ...


class ServerAdmin:
    """``learn`` teaches the redactor a new secret, so no output can show it; ``pool`` is
    told to drop a server's open SSH connection when its address or credentials change."""

    def __init__(self, inventory: Inventory, access: ServerAccess, commands: CommandService,
                 audit: AuditTrail, learn: Callable[[Sequence[str]], None] | None = None,
                 pool: ConnectionPool | None = None) -> None:
        self._inventory = inventory
        self._access = access
        self._commands = commands
        self._audit = audit
        self._learn = learn
        self._pool = pool

    async def add(self, form: Server, secrets: Secrets, *, actor: str) -> Added:
        """Register the server and log in once (its host key pinned); a failed login raises
        its HostError and leaves nothing registered."""
        _check(form)
        self._check_secrets(form.auth, form.key_path, secrets, required=True)
        self._remember(secrets)
        return await self._access.add(
            form, actor=actor, password=secrets.password,
            private_key=secrets.private_key, passphrase=secrets.passphrase,
            connect=form.auth is not AuthMethod.LOCAL)

    async def edit(self, form: Server, secrets: Secrets, *, actor: str) -> Server:
        """Change a registered server; empty secrets keep the stored ones (unless the auth
        method changes: then the new method's secret is required)."""
        _check(form)
        before = await self._inventory.get(form.name)
        self._check_secrets(form.auth, form.key_path, secrets,
                            required=before.auth != form.auth)
        self._remember(secrets)
        edited = await self._inventory.edit(form, actor=actor,
                                            password=secrets.password,
                                            private_key=secrets.private_key,
                                            passphrase=secrets.passphrase)
        await self._forget(form.name)  # no command may go on using the old login
        return edited

    async def test(self, name: str, *, actor: Actor) -> ServerFacts:
        """Log in and run the read-only probes (OS, kernel, service manager, disk, memory)
        through the guarded executor; a failure raises its HostError. Audited either way."""
        server = await self._inventory.get(name)
        try:
            facts = await self._commands.facts(server, actor=actor)
        except HostError as exc:
            await self._log(str(actor), server.name, "server_test", "failed",
                            type(exc).__name__)
            raise
        await self._log(str(actor), server.name, "server_test", "ok", facts.os)
        return facts

    async def remove(self, name: str, *, actor: str) -> None:
        """Delete a registered server, its secrets in the vault and its pinned host key."""
        await self._inventory.remove(name, actor=actor)
        await self._forget(name)

    async def _forget(self, name: str) -> None:
        if self._pool is not None:
            await self._pool.forget(name)

    async def editable(self, name: str) -> bool:
        return await self._inventory.source(name) == "registry"

    def _check_secrets(self, auth: AuthMethod, key_path: str | None, secrets: Secrets, *,
                       required: bool) -> None:
        if secrets.private_key:
            _check_key(secrets.private_key)
        if not required:
            return
        if auth is AuthMethod.PASSWORD and not secrets.password:
            raise InvalidInput("admin.err.password_needed")
        if auth is AuthMethod.KEY and not (secrets.private_key or key_path):
            raise InvalidInput("admin.err.key_needed")

    def _remember(self, secrets: Secrets) -> None:
        values = [v for v in (secrets.password, secrets.private_key, secrets.passphrase) if v]
        if values and self._learn is not None:
            self._learn(values)

    async def _log(self, actor: str, server: str, action: str, outcome: str,
                   detail: str) -> None:
        await self._audit.record(AuditEntry(datetime.now(UTC), actor, server, action,
                                            outcome=outcome, detail=detail))


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The model provider as the next start will read it (never the key itself)."""

    provider: str | None = None
    model: str | None = None
    base_url: str | None = None
    key_stored: bool = False  # an API key is in the vault
    key_in_file: bool = False  # the config file carries one itself (it wins over the vault)
    config_file: str = ""

    @property
    def configured(self) -> bool:
        return self.provider is not None and bool(self.model)


class SettingsAdmin:
    """``config_file``: the YAML file ``load_settings`` reads at start-up (created when it
    does not exist yet); ``learn`` teaches the redactor a new API key."""

    def __init__(self, users: UserService, user_repo: UserRepo, inventory: Inventory,
                 vault: Vault, audit: AuditTrail, config_file: Path,
                 learn: Callable[[Sequence[str]], None] | None = None) -> None:
        self._users = users
        self._user_repo = user_repo
        self._inventory = inventory
        self._vault = vault
        self._audit = audit
        self._file = config_file
        self._learn = learn

    # --- the model provider ---

    async def model(self) -> ModelChoice:
        llm = _llm_section(_read_yaml(self._file))
        return ModelChoice(provider=_text(llm.get("provider")), model=_text(llm.get("model")),
                           base_url=_text(llm.get("base_url")),
                           key_stored=await self._key_stored(),
                           key_in_file=bool(llm.get("api_key")), config_file=str(self._file))

    async def save_model(self, *, provider: str | None, model: str | None,
                         base_url: str | None, api_key: str | None = None,
                         forget_key: bool = False, actor: str) -> ModelChoice:
        """Write ``llm.provider/model/base_url`` into the config file (the other settings
        of the file stay; comments do not survive a rewrite); the key goes to the vault."""
        if provider is not None and provider not in PROVIDERS:
            raise InvalidInput("admin.err.provider", provider=provider)
        if (provider is None) != (not model):
            raise InvalidInput("admin.err.model_pair")
        if base_url and not re.match(r"^https?://[^\s]+$", base_url):
            raise InvalidInput("admin.err.base_url", url=base_url)
        data = _read_yaml(self._file)
        llm = {k: v for k, v in _llm_section(data).items()
               if k not in ("provider", "model", "base_url")}
        llm.update({k: v for k, v in (("provider", provider), ("model", model),
                                      ("base_url", base_url or None)) if v})
        if llm:
            data["llm"] = llm
        else:
            data.pop("llm", None)
        _write_yaml(self._file, data)
        if api_key:
            await self._vault.put(LLM_SECRET, SecretKind.TOKEN, api_key)
            if self._learn is not None:
                self._learn([api_key])
        elif forget_key:
            await self._vault.forget(LLM_SECRET)
        detail = (f"provider={provider or '-'} model={model or '-'} "
                  f"base_url={base_url or '-'} in {self._file}"
                  + ("; API key stored in the vault" if api_key else "")
                  + ("; API key removed" if forget_key and not api_key else ""))
        await self._log(actor, "-", "settings_model", detail)
        return await self.model()

    async def _key_stored(self) -> bool:
        try:
            return bool(await self._vault.get(LLM_SECRET, SecretKind.TOKEN))
        except VaultError:
            return False

    # --- the Telegram allowlist and roles ---

    async def people(self) -> list[User]:
        return await self._users.all()

    async def link_telegram(self, name: str, telegram_id: int, *, actor: str) -> User:
        if telegram_id <= 0:
            raise InvalidInput("admin.err.telegram_id", value=telegram_id)
        user = await self._users.set(name, telegram_id=telegram_id)
        await self._log(actor, "-", "telegram_link", f"{user.name} ↔ {telegram_id}")
        return user

    async def unlink_telegram(self, name: str, *, actor: str) -> User:
        user = await self._users.get(name)
        if user.telegram_id is not None:
            await self._user_repo.update(user.name, {"telegram_id": None})
            await self._log(actor, "-", "telegram_unlink", f"{user.name} ↮ {user.telegram_id}")
        return await self._users.get(name)

    async def set_role(self, name: str, role: str, *, actor: str) -> User:
        user = await self._users.get(name)
        if user.role is Role.ADMIN and role != Role.ADMIN.value:
            admins = await self._users.with_roles((Role.ADMIN,))
            if len(admins) <= 1:
                raise InvalidInput("admin.err.last_admin", name=name)
        changed = await self._users.set(name, role=role)
        await self._log(actor, "-", "user_role",
                        f"{name}: {user.role.value} → {changed.role.value}")
        return changed

    # --- access profiles ---

    async def set_profile(self, server: str, profile: str, *, actor: str) -> Server:
        try:
            chosen = AccessProfile(profile)
        except ValueError:
            raise InvalidInput("admin.err.profile", profile=profile) from None
        return await self._inventory.set_profile(server, chosen, actor=actor)

    async def _log(self, actor: str, server: str, action: str, detail: str) -> None:
        await self._audit.record(AuditEntry(datetime.now(UTC), actor, server, action,
                                            outcome="ok", detail=detail))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _llm_section(data: dict[str, Any]) -> dict[str, Any]:
    llm = data.get("llm")
    return dict(llm) if isinstance(llm, dict) else {}


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput("admin.err.config_file", path=str(path), detail=str(exc)) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidInput("admin.err.config_file", path=str(path), detail="not a mapping")
    return loaded


def _write_yaml(path: Path, data: dict[str, Any]) -> None:
    """Atomically (a temporary file renamed over it), keeping the file's mode (0600 new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    fd, tmp = tempfile.mkstemp(prefix=".shturman-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["LLM_SECRET", "PROVIDERS", "ConnectionPool", "InvalidInput", "ModelChoice", "Secrets",
           "ServerAdmin", "SettingsAdmin"]
