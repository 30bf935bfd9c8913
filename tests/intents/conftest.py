"""The fixed inventory and the labelled requests of the intent engine's tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from shturman.domain.models import Server, local_server

CASES_FILE = Path(__file__).with_name("cases.yaml")
# written before reading the engine, phrased as operators write; see its header
BLIND_CASES_FILE = Path(__file__).with_name("cases_blind.yaml")


def inventory() -> tuple[Server, ...]:
    return (
        local_server(),
        Server(name="vm1", host="10.0.0.1", services=("nginx", "grok-voice")),
        Server(
            name="vm2",
            host="10.0.0.2",
            services=("nginx", "redis", "admin-api"),
            aliases=("прод", "production"),
            tags=("web",),
        ),
        Server(
            name="db1", host="10.0.0.3", services=("postgresql",), aliases=("база",), tags=("db",)
        ),
    )


@dataclass(frozen=True)
class Case:
    text: str
    route: str
    intent: str | None
    servers: tuple[str, ...] | None
    args: dict[str, str | int | bool]  # bool: only_if_down
    unresolved: tuple[str, ...] = ()
    ask: tuple[str, ...] | None = None  # candidates the engine must ask about, when labelled
    lines: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for item in raw:
        servers = item.get("servers")
        cases.append(
            Case(
                text=str(item["text"]),
                route=item["route"],
                intent=item.get("intent"),
                servers=tuple(servers) if servers is not None else None,
                args=dict(item.get("args") or {}),
                unresolved=tuple(item.get("unresolved") or ()),
                lines=item.get("lines"),
                ask=tuple(item["ask"]) if item.get("ask") is not None else None,
            )
        )
    return cases


@pytest.fixture(scope="session")
def servers() -> tuple[Server, ...]:
    return inventory()
