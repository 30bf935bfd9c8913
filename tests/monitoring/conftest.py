"""Monitoring tests: the real stack (policy, guarded executor, SQLite store, real sshd hosts)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from shturman.app import Container, build
from shturman.config import load_settings
from tests.hostlab.lab import HostLab, free_port

Factory = Callable[..., Any]


def write_config(path: Path, lab: HostLab | None, *, autofix: str = "off",
                 webhook: str | None = None, down_after: int = 3, dead_port: int | None = None,
                 http: str = "") -> Path:
    lines = ["language: ru", "servers:"]
    if lab is not None:
        h = lab.hosts[0]
        lines += ["  - name: vm1", f"    host: {h.host}", f"    port: {h.port}",
                  f"    user: {h.user}", f"    key_path: {lab.client_key}",
                  "    services: [webapp]"]
        if dead_port is not None:  # nobody listens there
            lines += ["  - name: gone", "    host: 127.0.0.1", f"    port: {dead_port}",
                      f"    user: {h.user}", f"    key_path: {lab.client_key}"]
    if len(lines) == 2:
        lines[-1] = "servers: []"
    lines += ["monitoring:", f"  down_after: {down_after}", "  load_per_core: 1000",
              "  memory_percent: 99.9", "  disk_percent: 99.9", f"  autofix: {autofix}"]
    if webhook:
        lines += [f"  webhook_url: {webhook}", "  webhook_timeout: 5"]
    if http:
        lines += ["  servers:", "    vm1:", "      http:", f"        - url: {http}",
                  "          expect_status: 200", "          timeout: 5"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
async def monitored(home: Path, tmp_path: Path) -> AsyncIterator[Factory]:
    made: list[Container] = []

    async def factory(lab: HostLab | None = None, **options: Any) -> Container:
        overrides = options.pop("overrides", {})
        cfg = write_config(tmp_path / "shturman.yaml", lab, **options)
        c = await build(load_settings(cfg, home=home, **overrides))
        made.append(c)
        return c

    yield factory
    for c in made:
        await c.monitoring.drain()
        await c.close()


@pytest.fixture
def dead_port() -> int:
    return free_port()


@pytest.fixture
def webapp_running(hostlab: HostLab) -> None:
    """The listed service is up when the test starts (the lab installs it stopped)."""
    started = hostlab.hosts[0].systemctl("start", "webapp")
    assert started.returncode == 0, started.stderr


@pytest.fixture
async def from_config(home: Path, tmp_path: Path) -> AsyncIterator[Factory]:
    """A container from a settings mapping (written as the YAML config; the same home each
    time, so states carry over like a restart); drained and closed after the test."""
    made: list[Container] = []

    async def factory(data: dict[str, Any]) -> Container:
        path = tmp_path / "shturman.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        c = await build(load_settings(path, home=home))
        made.append(c)
        return c

    yield factory
    for c in made:
        await c.monitoring.drain()
        await c.close()
