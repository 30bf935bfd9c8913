"""What a run says as it goes: one frozen dataclass per event kind.

The agent, the tools and the enforcement point emit these; the store keeps each as its kind
plus a JSON object of its fields (:func:`as_data`), and every reader — the terminal, `runs
follow`, the daemon's socket, the bot, the web app — gets them back typed (:func:`parse`) and
matches on the class. Field names are the stored JSON keys: adding a field with a default is
compatible with stored runs; renaming one is not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar


class EventType(StrEnum):
    RUN_STARTED = "run_started"
    PLAN = "plan"
    STEP_STARTED = "step_started"
    COMMAND_PROPOSED = "command_proposed"
    POLICY_DECISION = "policy_decision"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_DECIDED = "approval_decided"
    COMMAND_STARTED = "command_started"
    COMMAND_OUTPUT = "command_output"
    COMMAND_FINISHED = "command_finished"
    AUTOCORRECTION = "autocorrection"
    STEP_FINISHED = "step_finished"
    ESCALATED = "escalated"
    VERIFICATION = "verification"
    HOST_KEY_PINNED = "host_key_pinned"
    RUN_FINISHED = "run_finished"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted:
    kind: ClassVar[EventType] = EventType.RUN_STARTED
    text: str
    mode: str
    servers: tuple[str, ...] = ()
    route: str = ""
    intent: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanMade:
    """The plan before anything changes. ``ask`` is the question the engine asks instead of
    guessing (several services match, no server named…)."""

    kind: ClassVar[EventType] = EventType.PLAN
    route: str
    intent: str | None = None
    summary: str = ""
    steps: tuple[dict[str, Any], ...] = ()
    ask: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepStarted:
    kind: ClassVar[EventType] = EventType.STEP_STARTED
    id: str
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepFinished:
    kind: ClassVar[EventType] = EventType.STEP_FINISHED
    id: str
    ok: bool
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandProposed:
    kind: ClassVar[EventType] = EventType.COMMAND_PROPOSED
    server: str
    command: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyDecided:
    kind: ClassVar[EventType] = EventType.POLICY_DECISION
    server: str
    command: str
    decision: str
    reasons: tuple[str, ...] = ()
    reasons_ru: tuple[str, ...] = ()
    preapprovable: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRequested:
    """A person must answer ``approval_id`` (any channel: the approvals service)."""

    kind: ClassVar[EventType] = EventType.APPROVAL_REQUESTED
    approval_id: str
    server: str
    command: str
    reasons: tuple[str, ...] = ()
    diff: str = ""
    preapprovable: bool = False
    needs_human: tuple[str, ...] = ()
    needs_human_ru: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalDecided:
    kind: ClassVar[EventType] = EventType.APPROVAL_DECIDED
    approval_id: str
    server: str
    command: str
    outcome: str
    approver: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandStarted:
    kind: ClassVar[EventType] = EventType.COMMAND_STARTED
    server: str
    command: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandFinished:
    """Outputs are tails (the whole output stays in the audit store)."""

    kind: ClassVar[EventType] = EventType.COMMAND_FINISHED
    server: str
    command: str
    decision: str
    outcome: str
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Autocorrected:
    kind: ClassVar[EventType] = EventType.AUTOCORRECTION
    server: str
    remedy: str
    description: str
    retry: str = ""
    diff: str = ""  # what a restore would change (a config put back from its backup)


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalated:
    kind: ClassVar[EventType] = EventType.ESCALATED
    reason: str
    report: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Verified:
    kind: ClassVar[EventType] = EventType.VERIFICATION
    server: str
    probe: str
    ok: bool
    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HostKeyPinned:
    """First contact with a server: its host key was pinned (trust on first use)."""

    kind: ClassVar[EventType] = EventType.HOST_KEY_PINNED
    server: str
    fingerprint: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFinished:
    kind: ClassVar[EventType] = EventType.RUN_FINISHED
    status: str
    verified: bool = False
    changed: bool = False
    report: str = ""
    route: str = ""
    intent: str | None = None
    servers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unrecognised:
    """A stored kind this version does not know (written by a newer one): shown as nothing."""

    name: str
    data: Mapping[str, Any]


Event = (RunStarted | PlanMade | StepStarted | StepFinished | CommandProposed | PolicyDecided
         | ApprovalRequested | ApprovalDecided | CommandStarted | CommandFinished
         | Autocorrected | Escalated | Verified | HostKeyPinned | RunFinished)

EventSink = Callable[[Event], Awaitable[None]]

KINDS: dict[str, type[Event]] = {cls.kind.value: cls for cls in (
    RunStarted, PlanMade, StepStarted, StepFinished, CommandProposed, PolicyDecided,
    ApprovalRequested, ApprovalDecided, CommandStarted, CommandFinished, Autocorrected,
    Escalated, Verified, HostKeyPinned, RunFinished)}


def kind_of(event: Event) -> str:
    return event.kind.value


def as_data(event: Event) -> dict[str, Any]:
    """The stored JSON object: the fields by name, tuples as lists."""
    return {f.name: _plain(getattr(event, f.name)) for f in fields(event)}


def parse(kind: str, data: Mapping[str, Any]) -> Event | Unrecognised:
    """Back from the store. Unknown keys are ignored (a newer writer); a missing required field
    or an unknown kind gives :class:`Unrecognised` rather than an error mid-stream."""
    cls = KINDS.get(kind)
    if cls is None:
        return Unrecognised(kind, dict(data))
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in data:
            value = data[f.name]
            values[f.name] = tuple(value) if isinstance(value, list) and str(
                f.type).startswith("tuple") else value
    try:
        return cls(**values)
    except TypeError:
        return Unrecognised(kind, dict(data))


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


__all__ = [
    "KINDS",
    "ApprovalDecided",
    "ApprovalRequested",
    "Autocorrected",
    "CommandFinished",
    "CommandProposed",
    "CommandStarted",
    "Escalated",
    "Event",
    "EventSink",
    "EventType",
    "HostKeyPinned",
    "PlanMade",
    "PolicyDecided",
    "RunFinished",
    "RunStarted",
    "StepFinished",
    "StepStarted",
    "Unrecognised",
    "Verified",
    "as_data",
    "kind_of",
    "parse",
]
