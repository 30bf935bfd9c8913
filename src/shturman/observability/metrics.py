"""Every Prometheus metric of Shturman, in one place. Labels never carry a command, IP or user.

Where each is counted (docs/monitoring.md, "Metrics"):

- ``shturman_tasks_total{status}``, ``shturman_task_duration_seconds``, ``shturman_runs_total``:
  a run finishing (``services/runs.py`` → :func:`count_run`);
- ``shturman_commands_total{status}``, ``shturman_command_seconds``: a command the
  GuardedExecutor ran (``hosts/guarded.py`` → :func:`count_command`);
- ``shturman_errors_total{source}``: a command that errored or timed out (``command``), a run
  that failed or escalated (``run``), an error line the log check found (``log``);
- ``shturman_active_connections``: open SSH connections of every pool in this process
  (``hosts/ssh.py`` → :func:`track_connections`);
- ``shturman_health_check_status{server, check}``: 0 ok, 1 failing, 2 down — each check's
  state after its latest result (``services/monitoring`` → :func:`observe_checks`);
- ``shturman_llm_tokens_total{direction}``: model usage (``llm/usage.py``);
- ``shturman_approvals_total{decision}``: an approval answered (``services/approvals.py``);
- ``shturman_approvals_waiting``: commands waiting for an answer now (:func:`awaiting_approval`);
- ``shturman_push_total{outcome}``: a Web Push delivery (``services/push.py``).

``/metrics`` of the web app serves :data:`REGISTRY` in the Prometheus text format.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Iterable, Sized
from contextlib import asynccontextmanager
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "shturman_commands_total", "Commands executed, by status (the command's outcome).",
    ["status"], registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "shturman_command_seconds", "Wall time of executed commands.", registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
POLICY_DECISIONS = Counter(
    "shturman_policy_decisions_total", "Policy verdicts, by decision.", ["decision"],
    registry=REGISTRY,
)
RUNS = Counter("shturman_runs_total", "Finished runs, by status.", ["status"], registry=REGISTRY)
TASKS = Counter(
    "shturman_tasks_total", "Finished tasks (runs), by status.", ["status"], registry=REGISTRY
)
TASK_SECONDS = Histogram(
    "shturman_task_duration_seconds", "Wall time of finished tasks (runs).", registry=REGISTRY,
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
ERRORS = Counter(
    "shturman_errors_total", "Errors: commands errored or timed out, runs failed or "
    "escalated, error lines found in servers' logs.", ["source"], registry=REGISTRY,
)
ACTIVE_CONNECTIONS = Gauge(
    "shturman_active_connections", "Open SSH connections of this process.", registry=REGISTRY
)
HEALTH_CHECK_STATUS = Gauge(
    "shturman_health_check_status", "Each check's state: 0 ok, 1 failing, 2 down.",
    ["server", "check"], registry=REGISTRY,
)
APPROVALS = Counter(
    "shturman_approvals_total", "Approvals answered, by decision.", ["decision"],
    registry=REGISTRY,
)
APPROVALS_WAITING = Gauge(
    "shturman_approvals_waiting", "Commands of this process waiting for an approval now.",
    registry=REGISTRY,
)
LLM_REQUESTS = Counter(
    "shturman_llm_requests_total", "Model requests, by result.", ["result"], registry=REGISTRY
)
LLM_TOKENS = Counter(
    "shturman_llm_tokens_total", "Model tokens, by direction.", ["direction"], registry=REGISTRY
)
JOB_ATTEMPTS = Counter(
    "shturman_job_attempts_total", "Ended job attempts, by outcome.", ["outcome"],
    registry=REGISTRY,
)
JOB_WAIT_SECONDS = Histogram(
    "shturman_job_wait_seconds", "Time from submit to a job's first start.", registry=REGISTRY
)
PUSHES = Counter(
    "shturman_push_total", "Web Push deliveries, by outcome (sent, gone, failed).", ["outcome"],
    registry=REGISTRY,
)

_FAILED_COMMANDS = frozenset({"error", "timeout"})
_FAILED_RUNS = frozenset({"failed", "escalated"})
_STATE_CODES = {"ok": 0, "recovered": 0, "failing": 1, "down": 2}


def count_command(status: str, seconds: float) -> None:
    """A command the GuardedExecutor ran, by its outcome (``ok``, ``failed``, ``error``…)."""
    COMMANDS.labels(status=status).inc()
    COMMAND_SECONDS.observe(seconds)
    if status in _FAILED_COMMANDS:
        ERRORS.labels(source="command").inc()


def count_run(status: str, seconds: float) -> None:
    """A run (task) that finished with ``status`` after ``seconds``."""
    RUNS.labels(status=status).inc()
    TASKS.labels(status=status).inc()
    TASK_SECONDS.observe(max(0.0, seconds))
    if status in _FAILED_RUNS:
        ERRORS.labels(source="run").inc()


class _Stated(Protocol):
    @property
    def server(self) -> str: ...

    @property
    def check(self) -> str: ...

    @property
    def state(self) -> str: ...


def check_label(check: str) -> str:
    """The ``check`` label of a check's name: an HTTP check's URL is not a label (it may
    carry an address), the kind stands for it."""
    kind, _, _target = check.partition(":")
    return kind if kind == "http" else check


def observe_checks(server: str, statuses: Iterable[_Stated]) -> None:
    """Each check's state after a round; several checks under one label: the worst."""
    worst: dict[str, int] = {}
    for status in statuses:
        label = check_label(status.check)
        worst[label] = max(worst.get(label, 0), _STATE_CODES.get(str(status.state), 0))
    for label, code in worst.items():
        HEALTH_CHECK_STATUS.labels(server=server, check=label).set(code)


@asynccontextmanager
async def awaiting_approval() -> AsyncIterator[None]:
    """While a command waits for a human's answer (``services/approvals.py``)."""
    APPROVALS_WAITING.inc()
    try:
        yield
    finally:
        APPROVALS_WAITING.dec()


_pool_conns: weakref.WeakKeyDictionary[object, Sized] = weakref.WeakKeyDictionary()


def track_connections(pool: object, connections: Sized) -> None:
    """Count ``len(connections)`` of ``pool`` in ``shturman_active_connections`` while the
    pool lives (read when the metrics are collected)."""
    _pool_conns[pool] = connections


def _open_connections() -> float:
    return float(sum(len(conns) for conns in list(_pool_conns.values())))


ACTIVE_CONNECTIONS.set_function(_open_connections)
