"""Agent tests run the real stack: policy, guarded executor, SQLite store, real hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from shturman.app import Container, build
from shturman.config import load_settings
from tests.hostlab.lab import HostLab


def write_config(path: Path, lab: HostLab | None, *, extra: str = "") -> Path:
    lines = ["language: ru", "servers:"]
    if lab is not None:
        for i, h in enumerate(lab.hosts):
            lines += [f"  - name: {h.name}", f"    host: {h.host}", f"    port: {h.port}",
                      f"    user: {h.user}", f"    key_path: {lab.client_key}",
                      "    services: [webapp]" if i == 0 else "    services: []"]
    else:
        lines[-1] = "servers: []"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


Factory = Callable[..., Any]


@pytest.fixture
async def make_container(home: Path, tmp_path: Path) -> AsyncIterator[Factory]:
    made: list[Container] = []

    async def factory(lab: HostLab | None = None, model: Any = None, **overrides: Any
                      ) -> Container:
        cfg = write_config(tmp_path / "shturman.yaml", lab)
        settings = load_settings(cfg, home=home, **overrides)
        c = await build(settings, model=model)
        made.append(c)
        return c

    yield factory
    for c in made:
        await c.close()
