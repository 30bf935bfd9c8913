"""The pydantic-free half of :mod:`shturman.config`: where the config file and the data
directory are, and the two settings a hand-off to a running `shturman serve` needs.

It exists for start-up speed: pydantic + pydantic-settings cost ~0.15 s to import, more than a
whole `exec` handed to the daemon. Together with ``config.py`` it is the only reader of
``os.environ``; ``config.py`` re-exports everything here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shturman.domain.models import Server

DEFAULT_HOME = Path("~/.local/share/shturman")
CONFIG_NAME = "shturman.yaml"


def config_path(explicit: Path | None = None) -> Path | None:
    """Where the config file is: --config, then SHTURMAN_CONFIG, then $SHTURMAN_HOME or cwd."""
    if explicit is not None:
        return explicit.expanduser()
    env = os.environ.get("SHTURMAN_CONFIG")
    if env:
        return Path(env).expanduser()
    home = Path(os.environ.get("SHTURMAN_HOME", str(DEFAULT_HOME))).expanduser()
    for candidate in (Path.cwd() / CONFIG_NAME, home / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class QuickSettings:
    """Enough to find a running daemon and speak the user's language; nothing validated
    beyond that (the daemon has its own, fully validated Settings)."""

    home: Path
    language: str


def quick_settings(config: Path | None = None) -> QuickSettings:
    """Read `home` and `language` as :func:`shturman.config.load_settings` would (env first,
    then the YAML file), without pydantic. Anything odd falls back to the defaults; the full
    load that follows a failed hand-off reports it properly."""
    data: dict[str, object] = {}
    path = config_path(config)
    if path is not None and path.is_file():
        import yaml

        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            loaded = None
        if isinstance(loaded, dict):
            data = loaded
    home = os.environ.get("SHTURMAN_HOME") or data.get("home") or DEFAULT_HOME
    language = os.environ.get("SHTURMAN_LANGUAGE") or data.get("language") or "ru"
    return QuickSettings(Path(str(home)).expanduser(),
                         str(language) if language in ("ru", "en") else "ru")


@dataclass(frozen=True)
class ExecSettings:
    """What `exec SERVER… -- CMD` needs, taken from a fully validated :class:`Settings` (see
    :func:`exec_settings`). Only an SQLite store and a vault key in a file qualify."""

    home: Path
    language: str
    database: Path  # the SQLite file
    key_file: Path
    rules_files: tuple[Path, ...]
    command_timeout: float
    output_cap_bytes: int
    max_concurrency: int
    connect_timeout: float
    keepalive_interval: float
    servers: tuple[Server, ...]  # the config file's inventory
    origins: tuple[tuple[str, str], ...]  # config-defined server → "file:line"


_EXEC_CACHE_FORMAT = "shturman-exec-settings-2"


def exec_settings(config: Path | None = None) -> ExecSettings | None:
    """The validated settings `exec` uses, without pydantic when nothing changed.

    The first call after any change validates the whole configuration with
    :func:`shturman.config.load_settings` (as every other command does) and keeps the few
    values above in the user's private cache, keyed by everything the result depends on:
    the config file's path and bytes, every ``SHTURMAN_*`` variable, ``HOME``, the settings
    code and the Python version. None: the configuration is invalid, or not one the fast
    path serves (PostgreSQL, a vault key in the environment) — the full CLI handles it."""
    import hashlib
    import json
    import sys

    path = config_path(config)
    h = hashlib.sha256(_EXEC_CACHE_FORMAT.encode())
    h.update(sys.version.encode())
    here = Path(__file__)
    try:
        for src in (here, here.with_name("config.py")):
            st = src.stat()
            h.update(f"{src}:{st.st_size}:{st.st_mtime_ns};".encode())
        h.update(f"{path}\0".encode())
        if path is not None and path.is_file():
            h.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return None
    for name in sorted(os.environ):
        if name.startswith("SHTURMAN_") or name == "HOME":
            h.update(f"{name}={os.environ[name]}\0".encode())
    cache = _private_cache_dir()
    entry = None if cache is None else cache / f"exec-{h.hexdigest()[:32]}.json"
    if entry is not None:
        try:
            with open(entry, encoding="utf-8") as fh:
                if _owned_private(os.fstat(fh.fileno())):
                    data = json.load(fh)
                    return None if data is None else _exec_from(data)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no entry yet (or a broken one): validate below
    data = _validated(config)
    if entry is not None:
        _store(entry, data)
    return None if data is None else _exec_from(data)


def _validated(config: Path | None) -> dict[str, object] | None:
    from shturman.config import load_settings, server_origins
    from shturman.domain.errors import ConfigError
    from shturman.domain.models import server_fields

    try:
        s = load_settings(config)
    except ConfigError:
        return None  # the full CLI reports it
    url = s.db_url
    prefix = "sqlite+aiosqlite:///"
    database = url[len(prefix):] if url.startswith(prefix) else ""
    if (not database or "?" in database or database == ":memory:"
            or database.startswith("file:") or s.vault_key is not None):
        return None
    return {"home": str(s.home), "language": s.language, "database": database,
            "key_file": str(s.key_file), "rules_files": [str(p) for p in s.policy.rules_files],
            "command_timeout": s.ssh.command_timeout,
            "output_cap_bytes": s.ssh.output_cap_bytes,
            "max_concurrency": s.ssh.max_concurrency,
            "connect_timeout": s.ssh.connect_timeout,
            "keepalive_interval": s.ssh.keepalive_interval,
            "servers": [server_fields(c.to_domain()) for c in s.servers],
            "origins": sorted(server_origins(s).items())}


def _exec_from(data: dict[str, object]) -> ExecSettings:
    def num(key: str) -> float:
        value = data[key]
        if not isinstance(value, int | float):
            raise TypeError(key)
        return value

    def items(key: str) -> list[Any]:
        value = data[key]
        if not isinstance(value, list):
            raise TypeError(key)
        return value

    from shturman.domain.models import server_from_fields

    return ExecSettings(Path(str(data["home"])), str(data["language"]),
                        Path(str(data["database"])), Path(str(data["key_file"])),
                        tuple(Path(str(p)) for p in items("rules_files")),
                        float(num("command_timeout")), int(num("output_cap_bytes")),
                        int(num("max_concurrency")), float(num("connect_timeout")),
                        float(num("keepalive_interval")),
                        tuple(server_from_fields(m) for m in items("servers")),
                        tuple((str(n), str(w)) for n, w in items("origins")))


def _private_cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / "shturman" / "settings"


def _owned_private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else (like the compiled-policy cache)."""
    getuid = getattr(os, "getuid", None)
    return (getuid is None or st.st_uid == getuid()) and not (st.st_mode & 0o022)


def _store(entry: Path, data: dict[str, object] | None) -> None:
    import json
    import tempfile

    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _owned_private(entry.parent.stat()):
            return
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".exec-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, entry)
        except BaseException:
            os.unlink(tmp)
            raise
        for old in entry.parent.glob("exec-*.json"):  # keep only the current one
            if old != entry:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache is fine: the next start validates again
