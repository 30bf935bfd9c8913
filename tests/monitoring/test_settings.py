"""The `monitoring:` section: defaults, YAML's bare `off`, per-server settings, schedules."""

from __future__ import annotations

from pathlib import Path

import pytest

from shturman.config import load_settings
from shturman.domain.errors import ConfigError
from shturman.domain.models import Server, local_server
from shturman.domain.monitoring import Autofix

YAML = """\
servers:
  - {name: web, host: 10.0.0.1, services: [nginx]}
  - {name: db, host: 10.0.0.2}
  - {name: lab, host: 10.0.0.3}
monitoring:
  autofix: off
  interval: 30
  servers:
    web: {autofix: safe, interval: 10, http: [{url: "https://web.example/healthz"}]}
    db: {autofix: all}
    lab: {enabled: false}
"""


def test_defaults() -> None:
    m = load_settings().monitoring
    assert (m.enabled, m.interval, m.down_after, m.autofix) == (True, 60.0, 3, "off")
    assert (m.disk_percent, m.memory_percent, m.load_per_core) == (90.0, 90.0, 2.0)
    assert m.webhook_url is None and m.retention_days == 14.0


def test_per_server_settings_and_schedules(tmp_path: Path, home: Path) -> None:
    from shturman.services.monitoring import MonitoringService, schedules

    path = tmp_path / "shturman.yaml"
    path.write_text(YAML, encoding="utf-8")
    settings = load_settings(path, home=home)
    m = settings.monitoring
    assert m.autofix == "off"  # YAML's bare off (false) is the word
    assert m.servers["web"].http[0].expect_status == 200
    service = MonitoringService(m, None, None, None, None,  # type: ignore[arg-type]
                                lambda: None)  # type: ignore[arg-type,return-value]
    assert [service.autofix(n) for n in ("web", "db", "lab", "other")] == [
        Autofix.SAFE, Autofix.ALL, Autofix.OFF, Autofix.OFF]
    servers: list[Server] = [local_server(), *(s.to_domain() for s in settings.servers)]
    planned = {s.name: s for s in schedules(servers, service, m)}
    # lab is not watched; web lists services, so its logs are read for errors too
    assert set(planned) == {"check:local", "check:web", "check:db", "logs:web"}
    assert planned["check:web"].every == 10 and planned["check:db"].every == 30
    web = planned["check:web"].spec
    assert (web.kind, web.payload, web.server) == ("check", {"server": "web"}, "web")
    probe = service.probe(settings.servers[0].to_domain())
    assert [h.url for h in probe.http] == ["https://web.example/healthz"]


@pytest.mark.parametrize("bad", ["monitoring: {autofix: sometimes}",
                                 "monitoring: {interval: 1}",
                                 "monitoring: {webhook_url: 'not a url'}",
                                 "monitoring: {servers: {x: {http: [{url: 'ftp://x'}]}}}"])
def test_invalid_settings_name_the_field(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "shturman.yaml"
    path.write_text(bad + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="monitoring"):
        load_settings(path)
