"""What the intent engine makes of a request: the route, the intent, targets, arguments, steps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Language = Literal["ru", "en"]
ArgValue = str | int  # bool is an int: only_if_down


class IntentName(StrEnum):
    """The fixed set of routine requests the engine claims without a model."""

    DISK_USAGE = "disk_usage"
    MEMORY_USAGE = "memory_usage"
    CPU_LOAD = "cpu_load"
    UPTIME = "uptime"
    SERVICE_STATUS = "service_status"
    SERVICE_LOGS = "service_logs"
    SERVICE_START = "service_start"
    SERVICE_STOP = "service_stop"
    SERVICE_RESTART = "service_restart"
    SERVICE_REPAIR = "service_repair"
    OPEN_PORTS = "open_ports"
    PORT_OWNER = "port_owner"
    DOCKER_PS = "docker_ps"
    DOCKER_LOGS = "docker_logs"
    DOCKER_RESTART = "docker_restart"
    HEALTH_OVERVIEW = "health_overview"
    ERROR_SCAN = "error_scan"
    REBOOT_HOST = "reboot_host"
    PROCESS_LIST = "process_list"
    RUN_COMMAND = "run_command"  # an explicit command the user wrote out: «выполни `df -h`»


class AskKind(StrEnum):
    """What the engine must ask before it can act."""

    SERVICE = "service"  # a part of a name matches several listed services
    SERVERS = "servers"  # a fleet phrase ("обе машины") the inventory does not decide


@dataclass(frozen=True, slots=True)
class Ask:
    """A question instead of a guess: which of `candidates` the user meant."""

    what: AskKind
    candidates: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"what": self.what.value, "candidates": list(self.candidates)}


class Route(StrEnum):
    """Who handles a request: the no-model engine, the model, or nobody."""

    INTENT = "intent"
    LLM = "llm"
    NONE = "none"


class ToolArgs(Mapping[str, ArgValue]):
    """An immutable, hashable, ordered mapping of tool arguments."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, ArgValue] | Iterable[tuple[str, ArgValue]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: tuple[tuple[str, ArgValue], ...] = tuple((str(k), v) for k, v in pairs)

    def __getitem__(self, key: str) -> ArgValue:
        for name, value in self._items:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"ToolArgs({dict(self._items)!r})"


@dataclass(frozen=True, slots=True)
class IntentArgs:
    """Arguments extracted from the request; only those the intent needs are set."""

    service: str | None = None
    port: int | None = None
    container: str | None = None
    command: str | None = None  # run_command: exactly the text the user wrote
    only_if_down: bool = False  # service_start: check first, start only when not active

    def as_json(self) -> dict[str, ArgValue]:
        out: dict[str, ArgValue] = {}
        if self.service is not None:
            out["service"] = self.service
        if self.port is not None:
            out["port"] = self.port
        if self.container is not None:
            out["container"] = self.container
        if self.command is not None:
            out["command"] = self.command
        if self.only_if_down:
            out["only_if_down"] = True
        return out


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One planned call of a tool on one server."""

    tool: str
    server: str
    args: Mapping[str, ArgValue] = field(default_factory=ToolArgs)

    def __post_init__(self) -> None:
        if not isinstance(self.args, ToolArgs):
            object.__setattr__(self, "args", ToolArgs(self.args))

    def as_json(self) -> dict[str, object]:
        return {"tool": self.tool, "server": self.server, "args": dict(self.args)}


@dataclass(frozen=True, slots=True)
class Understanding:
    """The engine's whole answer for one request (the `shturman plan --json` object)."""

    route: Route
    intent: IntentName | None
    servers: tuple[str, ...]
    args: IntentArgs
    steps: tuple[ToolCall, ...]
    language: Language
    unresolved: tuple[str, ...] = ()
    ask: Ask | None = None  # set when the engine needs an answer before it plans anything

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "route": self.route.value,
            "intent": self.intent.value if self.intent is not None else None,
            "servers": list(self.servers),
            "args": self.args.as_json(),
            "steps": [step.as_json() for step in self.steps],
            "language": self.language,
            "unresolved": list(self.unresolved),
        }
        if self.ask is not None:
            out["ask"] = self.ask.as_json()
        return out
