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
