"""Settings: the one settings object; with :mod:`shturman.config_light` (its pydantic-free half,
for fast start-up) the only reader of ``os.environ``.

Sources, strongest first: explicit keyword arguments, ``SHTURMAN_*`` environment variables
(nested with ``__``, e.g. ``SHTURMAN_LLM__MODEL``), then ``shturman.yaml``. A broken file gives a
:class:`ConfigError` naming the file, the line and the field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from shturman.config_light import CONFIG_NAME as CONFIG_NAME
from shturman.config_light import DEFAULT_HOME as DEFAULT_HOME
from shturman.config_light import config_path as config_path
from shturman.domain.errors import ConfigError
from shturman.domain.models import AccessProfile, AuthMethod, Server


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerConfig(_Strict):
    """One server of the inventory. Secrets never appear here: they live in the vault."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    host: str = Field(min_length=1)
    port: int = Field(default=22, ge=1, le=65535)
    user: str = "root"
    auth: AuthMethod = AuthMethod.KEY
    key_path: str | None = None
    aliases: list[str] = []
    services: list[str] = []
    tags: list[str] = []
    profile: AccessProfile = AccessProfile.OPERATOR
    forbidden_commands: list[str] = []

    def to_domain(self) -> Server:
        return Server(
            name=self.name,
            host=self.host,
            port=self.port,
            user=self.user,
            auth=self.auth,
            key_path=self.key_path,
            aliases=tuple(self.aliases),
            services=tuple(self.services),
            tags=tuple(self.tags),
            profile=self.profile,
            forbidden_commands=tuple(self.forbidden_commands),
        )


class LlmSettings(_Strict):
    provider: Literal["openai", "anthropic"] | None = None
    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    max_requests_per_run: int = Field(default=40, ge=1)
    max_tokens_per_run: int = Field(default=200_000, ge=1000)
    price_per_1k_input: float = 0.0
    price_per_1k_output: float = 0.0

    @property
    def configured(self) -> bool:
        return self.provider is not None and bool(self.model)


class SshSettings(_Strict):
    connect_timeout: float = Field(default=10.0, gt=0)
    keepalive_interval: float = Field(default=15.0, ge=0)
    command_timeout: float = Field(default=120.0, gt=0)
    output_cap_bytes: int = Field(default=1_048_576, ge=1024)
    max_concurrency: int = Field(default=32, ge=1)


class AgentSettings(_Strict):
    error_threshold_per_step: int = Field(default=4, ge=1)
    human_escalation_threshold: int = Field(default=3, ge=1)
    max_iterations: int = Field(default=30, ge=1)
    max_wall_time: float = Field(default=900.0, gt=0)
    approval_timeout: float = Field(default=300.0, gt=0)
    # what a disk-full repair may remove (docs/architecture.md, «Service repair runbook»):
    # `{log_dir}` the service's own log directory, `{tmp}` its user's files in /tmp, globs
    # (rotated and compressed logs only: `*.gz`, `*.1`, … — never a live log, never data)
    free_paths: list[str] = ["{log_dir}", "/var/log/*.gz", "{tmp}"]
    truncate_live_logs: bool = True  # a live log that alone fills its disk: keep its tail


class PolicySettings(_Strict):
    rules_files: list[Path] = []


class ScheduleConfig(_Strict):
    """A periodic job: exactly one of ``every`` (seconds) or ``cron`` (a cron expression)."""

    name: str = Field(min_length=1, max_length=128)
    kind: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any] = {}
    every: float | None = Field(default=None, gt=0)
    cron: str | None = None
    priority: int = Field(default=5, ge=1, le=10)
    server: str | None = None
    timeout: float | None = Field(default=None, gt=0)


class JobsSettings(_Strict):
    """Background jobs (docs/configuration.md, «jobs»)."""

    backend: Literal["embedded", "taskiq"] = "embedded"
    redis_url: str | None = None
    workers: int = Field(default=2, ge=1, le=256)
    per_server_concurrency: int = Field(default=2, ge=1)
    default_timeout: float = Field(default=1800.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    retry_backoff: float = Field(default=2.0, gt=0)
    retry_backoff_max: float = Field(default=300.0, gt=0)
    heartbeat_interval: float = Field(default=5.0, gt=0)
    stale_after: float = Field(default=30.0, gt=0)
    poll_interval: float = Field(default=1.0, gt=0)
    stop_grace: float = Field(default=10.0, ge=0)
    scheduler_tick: float = Field(default=1.0, gt=0)
    schedule_lease: float = Field(default=15.0, gt=0)
    handler_modules: list[str] = []
    schedules: list[ScheduleConfig] = []


class BackupServerConfig(_Strict):
    """Backups of one server (``backups.servers.NAME``)."""

    paths: list[str] = []  # backed up in addition to backups.paths (absolute or ~/…)
    exclude: list[str] = []  # globs, in addition to backups.exclude
    defaults: bool = True  # false: only this server's own paths (no backups.paths, no units)
    enabled: bool = True


class BackupSettings(_Strict):
    """Config backups to git (docs/backups.md): per server, the paths below are read over
    SFTP into ``repository`` as ``SERVER/PATH…``, committed when something changed and pushed
    to ``remote`` (any git URL or path) when one is set. Secrets are excluded or redacted."""

    enabled: bool = True
    repository: Path | None = None  # default: SHTURMAN_HOME/backups.git (a bare repository)
    remote: str | None = None
    branch: str = Field(default="main", pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    paths: list[str] = ["/etc/nginx", "/etc/systemd/system"]  # for every server
    unit_files: bool = True  # + the unit files (and drop-ins) of each server's listed services
    unit_dirs: list[str] = ["/etc/systemd/system", "/run/systemd/system",
                            "/lib/systemd/system", "/usr/lib/systemd/system"]
    exclude: list[str] = ["*.swp", "*~", "*.log", "*.pid", "*.sock"]
    max_file_size: int = Field(default=1_048_576, ge=1, le=256 * 1_048_576)
    max_files: int = Field(default=5000, ge=1)
    servers: dict[str, BackupServerConfig] = {}  # `local` is backed up only when listed here
    every: float | None = Field(default=86400.0, gt=0)  # seconds; null with cron, or no job
    cron: str | None = None  # a cron expression instead of `every`
    timeout: float = Field(default=300.0, gt=0)  # per server

    def repository_path(self, home: Path) -> Path:
        return (self.repository or home / "backups.git").expanduser()


class TelegramSettings(_Strict):
    """The Telegram bot (docs/telegram.md). No token (here, in ``SHTURMAN_TELEGRAM__TOKEN`` or
    in the vault: ``shturman bot set-token``): no bot. Access comes only from users linked with
    ``shturman user add NAME --role … --telegram-id N``."""

    token: SecretStr | None = None
    api_url: str = "https://api.telegram.org"  # the Bot API base URL (tests: a local fake)
    allow_groups: bool = False
    rate_limit_per_minute: int = Field(default=10, ge=1, le=1000)
    webhook_url: str | None = None  # set: Telegram pushes updates here instead of long polling
    webhook_listen: str = "127.0.0.1:8443"  # host:port the webhook server binds (behind TLS)
    drop_pending_updates: bool = True  # what arrived while the bot was down is not acted on
    edit_interval: float = Field(default=1.0, ge=0.05)  # seconds between progress edits
    notify_interval: float = Field(default=2.0, ge=0.05)  # how often alerts are looked up
    polling_timeout: int = Field(default=10, ge=0, le=60)


class WebSettings(_Strict):
    """The web app (docs/web.md): `shturman web` alone, or inside `shturman serve` when
    ``enabled``. ``secure_cookies``: set it when the app is served over HTTPS (a proxy)."""

    enabled: bool = False  # `shturman serve` starts it too (`shturman web` always does)
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    secure_cookies: bool = False
    session_lifetime: float = Field(default=43200.0, gt=0)  # seconds a login lasts
    login_attempts: int = Field(default=5, ge=1)  # failures per IP and user name …
    login_window: float = Field(default=300.0, gt=0)  # … within this many seconds
    metrics_public: bool = False  # /metrics without a session or token (a scraper inside)
    push_subject: str = Field(default="mailto:shturman@localhost",  # Web Push (VAPID) contact
                              pattern=r"^(mailto:|https://)\S+$")


def _autofix_word(value: Any) -> Any:
    """YAML reads a bare ``off`` as false: take it as the word it was meant to be."""
    return "off" if value is False else value


class HttpCheckConfig(_Strict):
    """An HTTP check of a server, made from the Shturman host."""

    url: str = Field(pattern=r"^https?://[^\s]+$")
    expect_status: int = Field(default=200, ge=100, le=599)
    timeout: float = Field(default=10.0, gt=0, le=300)


class MonitoredServer(_Strict):
    """Per-server monitoring settings (``monitoring.servers.NAME``); NAME is a server of the
    inventory, from this file or registered with `shturman server add`."""

    enabled: bool = True
    autofix: Literal["off", "safe", "all"] | None = None  # None: ``monitoring.autofix``
    interval: float | None = Field(default=None, ge=5)
    http: list[HttpCheckConfig] = []
    # thresholds of this server (None: the ``monitoring.*`` defaults)
    disk_percent: float | None = Field(default=None, gt=0, le=100)
    memory_percent: float | None = Field(default=None, gt=0, le=100)
    load_per_core: float | None = Field(default=None, gt=0)
    # the log check: services whose journal is read (None: the server's listed services)
    # and log files, each with the service a diagnosis run repairs ("" for none)
    log_services: list[str] | None = None
    log_files: dict[str, str] = {}

    _autofix = field_validator("autofix", mode="before")(_autofix_word)


class LogCheckSettings(_Strict):
    """Errors in logs as a symptom (docs/monitoring.md, "Errors in logs"): every
    ``interval`` seconds the journal of each server's listed services (and its
    ``log_files``) is read from where the previous check stopped; a NEW error signature
    starts a diagnosis run (by the server's ``autofix``) or, with ``autofix: off``, an alert —
    at most once per signature per ``cooldown``."""

    enabled: bool = True
    interval: float = Field(default=120.0, ge=5)
    cooldown: float = Field(default=3600.0, ge=0)  # seconds before a signature counts again
    max_lines: int = Field(default=2000, ge=10, le=100000)  # per service and check
    max_bytes: int = Field(default=1_000_000, ge=1024)  # per log file and check
    patterns: list[str] = []  # extra error patterns (regex, case-insensitive)
    ignore: list[str] = []  # known noise (regex, case-insensitive): never an error


class PowerSettings(_Strict):
    """How a peer's server is power-cycled when neither its agent nor its SSH answers
    (docs/monitoring.md, "Peers and cross-reboot").

    - ``ssh``: ``reboot_command`` is sent to the peer's server over SSH from ANOTHER server of
      the inventory (``via``): ``ssh [user@]host REBOOT_COMMAND`` runs on ``via`` through the
      policy (``host`` defaults to the peer server's address).
    - ``command``: a command line run on the Shturman host (split with shlex, never through a
      shell), e.g. a cloud CLI call with the instance id.
    - ``webhook``: a JSON POST to ``url``, with ``secret`` (or the variable ``secret_env``)
      in the header ``header`` when set.
    """

    kind: Literal["ssh", "command", "webhook"]
    via: str | None = None
    host: str | None = None
    user: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_.-]*$")
    reboot_command: str = "systemctl reboot"
    command: str | None = None
    url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    header: str = "X-Shturman-Secret"
    body: dict[str, str | int | float | bool] = {}  # webhook: JSON fields added to the POST
    secret: SecretStr | None = None
    secret_env: str | None = None
    timeout: float = Field(default=120.0, gt=0, le=3600)  # the action itself

    @model_validator(mode="after")
    def _complete(self) -> PowerSettings:
        needed = {"ssh": ("via", self.via), "command": ("command", self.command),
                  "webhook": ("url", self.url)}[self.kind]
        if not needed[1]:
            raise ValueError(f"power kind {self.kind!r} needs {needed[0]!r}")
        return self

    def secret_value(self) -> str | None:
        """The webhook's header secret (``secret``, else the variable ``secret_env``)."""
        return _secret(self.secret, self.secret_env)


class PeerSettings(_Strict):
    """Another Shturman instance this one watches (``monitoring.peers``). The token is an API
    token of a user on that instance (`shturman user token NAME` there): given here, in the
    variable ``token_env``, or in the vault under ``token_vault``; it is never logged."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
    url: str = Field(pattern=r"^https?://[^\s]+$")  # its web app, e.g. http://10.0.0.2:8765
    token: SecretStr | None = None
    token_env: str | None = None
    token_vault: str | None = None
    server: str  # the inventory server it runs on
    service: str = Field(default="shturman", pattern=r"^[A-Za-z0-9@._-]+$")  # its unit
    power: PowerSettings | None = None
    reboot_requires_confirmation: bool = True
    restart_requires_confirmation: bool = True  # false: the restart run is autonomous
    timeout: float = Field(default=10.0, gt=0, le=120)  # the /agent/health call

    def token_value(self) -> str | None:
        """The token from the settings or the environment (the vault is asked by app.py)."""
        return _secret(self.token, self.token_env)


class WatchdogSettings(_Strict):
    """How peers are watched: one ``peer_check`` job per peer every ``interval`` seconds; an
    action after ``failures_before_action`` consecutive failures; then nothing for
    ``cooldown_seconds``, and at most ``max_reboots_per_hour`` power-cycles per peer."""

    enabled: bool = True
    interval: float = Field(default=60.0, ge=1)
    failures_before_action: int = Field(default=3, ge=1)
    cooldown_seconds: float = Field(default=900.0, ge=0)
    max_reboots_per_hour: int = Field(default=2, ge=0)
    action_timeout: float = Field(default=1200.0, gt=0)  # a power job: the approval + action


def _secret(value: SecretStr | None, env: str | None) -> str | None:
    if value is not None and value.get_secret_value():
        return value.get_secret_value()
    if env:
        return os.environ.get(env) or None
    return None


class MonitoringSettings(_Strict):
    """Health checks, alerts and fixes from symptoms (docs/monitoring.md)."""

    enabled: bool = True  # `shturman serve` / `worker` schedule the checks
    interval: float = Field(default=60.0, ge=5)  # seconds between two checks of a server
    down_after: int = Field(default=3, ge=1)  # consecutive failures: failing → down
    alert_on_failing: bool = False  # also alert on the first failure of an incident
    disk_percent: float = Field(default=90.0, gt=0, le=100)  # any filesystem this full
    memory_percent: float = Field(default=90.0, gt=0, le=100)  # of MemTotal not available
    load_per_core: float = Field(default=2.0, gt=0)  # 15-minute load average / nproc
    load_readings: int = Field(default=5, ge=1)  # consecutive readings over it: load down
    targets_refresh: float = Field(default=10.0, ge=0.2)  # seconds: servers added/removed
    retention_days: float = Field(default=14.0, gt=0)  # check results kept this long
    check_timeout: float = Field(default=60.0, gt=0)  # one check job of one server
    local: bool = True  # check the Shturman host itself (the server `local`)
    autofix: Literal["off", "safe", "all"] = "off"  # default of every server
    webhook_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    webhook_timeout: float = Field(default=5.0, gt=0, le=60)  # per attempt
    webhook_attempts: int = Field(default=3, ge=1, le=10)
    logs: LogCheckSettings = LogCheckSettings()
    servers: dict[str, MonitoredServer] = {}
    instance: str = ""  # this instance's name in /agent/health ("": the host name)
    peers: list[PeerSettings] = []  # other Shturman instances this one watches
    watchdog: WatchdogSettings = WatchdogSettings()

    _autofix = field_validator("autofix", mode="before")(_autofix_word)


class Settings(BaseSettings):
    """Everything configurable. Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="SHTURMAN_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    home: Path = DEFAULT_HOME
    database_url: str | None = None
    language: Literal["ru", "en"] = "ru"
    vault_key_file: Path | None = None
    vault_key: SecretStr | None = None
    servers: list[ServerConfig] = []
    llm: LlmSettings = LlmSettings()
    ssh: SshSettings = SshSettings()
    agent: AgentSettings = AgentSettings()
    policy: PolicySettings = PolicySettings()
    jobs: JobsSettings = JobsSettings()
    telegram: TelegramSettings = TelegramSettings()
    backups: BackupSettings = BackupSettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    web: WebSettings = WebSettings()
    config_file: Path | None = Field(default=None, exclude=True)

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("servers", mode="after")
    @classmethod
    def _unique_names(cls, value: list[ServerConfig]) -> list[ServerConfig]:
        seen: set[str] = set()
        for server in value:
            if server.name in seen or server.name == "local":
                raise ValueError(f"duplicate or reserved server name {server.name!r}")
            seen.add(server.name)
        return value

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.home / 'shturman.db'}"

    @property
    def key_file(self) -> Path:
        return (self.vault_key_file or self.home / "vault.key").expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlSource(settings_cls))


_yaml_data: dict[str, Any] = {}


class _YamlSource(PydanticBaseSettingsSource):
    """Feeds the parsed YAML file (set by load_settings for the duration of one build)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _yaml_data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_yaml_data)


def load_settings(config: Path | None = None, *, missing_ok: bool = False,
                  **overrides: Any) -> Settings:
    """Read the YAML file (if any) and the environment into one validated Settings.

    ``missing_ok``: a named config file that does not exist yet is no error (`shturman init`).
    """
    path = config_path(config)
    data: dict[str, Any] = {}
    root: yaml.Node | None = None
    if path is not None and missing_ok and not path.exists():
        path = None
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found / файл конфигурации не найден")
        text = path.read_text(encoding="utf-8")
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            problem = getattr(exc, "problem", None) or str(exc)
            raise ConfigError(f"{where}: invalid YAML: {problem}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}:1: the top level must be a mapping of settings")
        data = loaded
    global _yaml_data
    _yaml_data = data
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, root)) from exc
    finally:
        _yaml_data = {}
    settings.config_file = path
    return settings


def server_origins(settings: Settings) -> dict[str, str]:
    """Config-defined server name → "file:line" where its entry starts (for messages)."""
    path = settings.config_file
    if path is None or not settings.servers:
        return {}
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return {s.name: str(path) for s in settings.servers}
    found: dict[str, str] = {}
    for i, server in enumerate(settings.servers):
        line = _line_of(root, ("servers", i, "name")) or _line_of(root, ("servers", i))
        found[server.name] = f"{path}:{line}" if line else str(path)
    return found


def _describe(exc: ValidationError, path: Path | None, root: yaml.Node | None) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or "(top level)"
        line = _line_of(root, loc)
        where = f"{path}:{line}" if path and line else (str(path) if path else "environment")
        variable = "SHTURMAN_" + "__".join(str(p).upper() for p in loc)
        if loc and variable in os.environ:  # the environment overrides the file: blame it
            where = f"environment variable {variable}"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (typo?) / неизвестное поле (опечатка?)"
        lines.append(f"{where}: field '{field}': {msg}")
    return "invalid configuration / ошибка конфигурации:\n  " + "\n  ".join(lines)


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == part), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
