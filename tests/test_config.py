"""Settings: YAML + env, and errors that name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from shturman.config import load_settings
from shturman.domain.errors import ConfigError

GOOD = """\
language: en
servers:
  - name: prod
    host: 203.0.113.10
    aliases: ["прод", "production"]
    services: [nginx, admin-api]
    tags: [web]
llm:
  provider: openai
  model: qwen
"""


def test_yaml_and_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "shturman.yaml"
    cfg.write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv("SHTURMAN_LLM__MODEL", "from-env")
    monkeypatch.setenv("SHTURMAN_DATABASE_URL", "postgresql+asyncpg://u@127.0.0.1/x")
    s = load_settings(cfg)
    assert s.language == "en"
    assert s.servers[0].to_domain().aliases == ("прод", "production")
    assert s.llm.model == "from-env" and s.llm.provider == "openai"
    assert s.db_url.startswith("postgresql+asyncpg")
    assert s.config_file == cfg


def test_env_config_path_and_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHTURMAN_HOME", str(tmp_path / "h"))
    s = load_settings()
    assert s.home == tmp_path / "h"
    assert s.language == "ru"
    assert s.db_url.endswith(str(tmp_path / "h" / "shturman.db"))
    assert not s.llm.configured


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("servers:\n  - name: prod\n    host: h\n    prot: 22\n", r"shturman.yaml:4: field 'servers.0.prot': unknown"),
        ("servers:\n  - name: prod\n    host: h\n    port: seventy\n", r":4: field 'servers.0.port'"),
        ("languge: ru\n", r":1: field 'languge': unknown"),
        ("llm:\n  provider: openia\n", r":2: field 'llm.provider'"),
        ("servers: [\n", r"shturman.yaml:\d+: invalid YAML"),
        ("- just\n- a list\n", r"top level must be a mapping"),
    ],
)
def test_broken_config_names_file_line_field(tmp_path: Path, text: str, expect: str) -> None:
    cfg = tmp_path / "shturman.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=expect):
        load_settings(cfg)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml")


def test_a_bad_value_from_the_environment_names_the_variable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`SHTURMAN_LANGUAGE=de` over a file that says `ru`: the variable is to blame, not the
    file's line."""
    cfg = tmp_path / "shturman.yaml"
    cfg.write_text("language: ru\n", encoding="utf-8")
    monkeypatch.setenv("SHTURMAN_LANGUAGE", "de")
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg)
    said = str(caught.value)
    assert "environment variable SHTURMAN_LANGUAGE: field 'language'" in said
    assert "shturman.yaml:1" not in said
