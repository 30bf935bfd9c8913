"""Every Prometheus metric of Shturman, in one place. Labels never carry a command, IP or user."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "shturman_commands_total", "Commands executed, by outcome.", ["outcome"], registry=REGISTRY
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
