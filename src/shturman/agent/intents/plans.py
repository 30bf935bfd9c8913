"""The deterministic plan of each intent: which tools run, with which arguments, per server.

One table; a `Slot` in it is filled from the request (the service, port, container named, the
command written out, "only if it is down", or the number of log lines asked for). The slots an
intent's plan uses are the arguments it needs; an unset slot leaves its argument out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from shturman.agent.intents.understanding import ArgValue, IntentArgs, IntentName, ToolCall

ERROR_SCAN_COMMAND = "journalctl -p err -n 200 --no-pager"
REBOOT_COMMAND = "reboot"


class Slot(StrEnum):
    SERVICE = "service"
    PORT = "port"
    CONTAINER = "container"
    COMMAND = "command"
    ONLY_IF_DOWN = "only_if_down"
    LINES = "lines"


@dataclass(frozen=True, slots=True)
class Step:
    tool: str
    args: tuple[tuple[str, ArgValue | Slot], ...] = ()


def _step(tool: str, **args: ArgValue | Slot) -> Step:
    return Step(tool, tuple(args.items()))


I = IntentName  # noqa: E741
S = Slot

PLANS: Mapping[IntentName, tuple[Step, ...]] = MappingProxyType(
    {
        I.DISK_USAGE: (_step("system_health", part="disk"),),
        I.MEMORY_USAGE: (_step("system_health", part="memory"),),
        I.CPU_LOAD: (
            _step("system_health", part="load"),
            _step("system_health", part="processes"),  # who eats it
        ),
        I.UPTIME: (_step("system_health", part="uptime"),),
        I.PROCESS_LIST: (_step("system_health", part="processes"),),
        I.HEALTH_OVERVIEW: (_step("system_health", part="all"), _step("service_states")),
        I.SERVICE_STATUS: (_step("check_service", service=S.SERVICE),),
        I.SERVICE_LOGS: (_step("read_logs", service=S.SERVICE, lines=S.LINES),),
        I.SERVICE_START: (
            _step("start_service", service=S.SERVICE, only_if_down=S.ONLY_IF_DOWN),
            _step("verify_fix", service=S.SERVICE),
        ),
        I.SERVICE_STOP: (_step("stop_service", service=S.SERVICE),),
        I.SERVICE_RESTART: (
            _step("restart_service", service=S.SERVICE),
            _step("verify_fix", service=S.SERVICE),
        ),
        I.SERVICE_REPAIR: (
            _step("repair_service", service=S.SERVICE),
            _step("verify_fix", service=S.SERVICE),
        ),
        I.OPEN_PORTS: (_step("check_port"),),
        I.PORT_OWNER: (_step("check_port", port=S.PORT),),
        I.DOCKER_PS: (_step("docker_ps"),),
        I.DOCKER_LOGS: (_step("docker_logs", container=S.CONTAINER, lines=S.LINES),),
        I.DOCKER_RESTART: (_step("docker_restart", container=S.CONTAINER),),
        I.ERROR_SCAN: (_step("run_command", command=ERROR_SCAN_COMMAND),),
        I.REBOOT_HOST: (_step("run_command", command=REBOOT_COMMAND),),
        I.RUN_COMMAND: (_step("run_command", command=S.COMMAND),),
    }
)


def needed_slots(intent: IntentName) -> frozenset[Slot]:
    return frozenset(
        value for step in PLANS[intent] for _, value in step.args if isinstance(value, Slot)
    )


def intent_args(intent: IntentName, found: IntentArgs) -> IntentArgs:
    """Only the arguments the intent's plan uses, of those found in the request."""
    needed = needed_slots(intent)
    return IntentArgs(
        service=found.service if Slot.SERVICE in needed else None,
        port=found.port if Slot.PORT in needed else None,
        container=found.container if Slot.CONTAINER in needed else None,
        command=found.command if Slot.COMMAND in needed else None,
        only_if_down=found.only_if_down and Slot.ONLY_IF_DOWN in needed,
    )


def plan(
    intent: IntentName, servers: Sequence[str], args: IntentArgs, lines: int
) -> tuple[ToolCall, ...]:
    """The tool calls, server by server, in the table's order."""
    values: dict[Slot, ArgValue | None] = {
        Slot.SERVICE: args.service,
        Slot.PORT: args.port,
        Slot.CONTAINER: args.container,
        Slot.COMMAND: args.command,
        Slot.ONLY_IF_DOWN: True if args.only_if_down else None,
        Slot.LINES: lines,
    }
    calls: list[ToolCall] = []
    for server in servers:
        for step in PLANS[intent]:
            filled: list[tuple[str, ArgValue]] = []
            for name, value in step.args:
                actual = values[value] if isinstance(value, Slot) else value
                if actual is not None:
                    filled.append((name, actual))
            calls.append(ToolCall(step.tool, server, dict(filled)))
    return tuple(calls)
