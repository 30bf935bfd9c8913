"""What the three fault-scenario suites share: one no-model harness run, a failure report, and
the check that no lab user's process outlived the harness."""

from __future__ import annotations

import os
import pwd
from typing import Any

import pytest
from bench.scenarios import Outcome, run_scenarios
from bench.scenarios.run import lab_user_prefix

from tests.hostlab.lab import HostLabError, user_pids


def run_without_model(*args: Any, needs: str = "lab users, sshd", **kwargs: Any
                      ) -> dict[str, Outcome]:
    """``run_scenarios(*args, **kwargs)`` with every ``SHTURMAN_LLM__*`` variable hidden: the
    no-model runbook is what is measured. Fails the module clearly without root or a lab."""
    if os.geteuid() != 0:
        pytest.fail(f"the fault scenarios need root ({needs})", pytrace=False)
    env_model = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("SHTURMAN_LLM__")}
    try:
        results = run_scenarios(*args, **kwargs)
    except HostLabError as exc:
        pytest.fail(f"host lab cannot start: {exc}", pytrace=False)
    finally:
        os.environ.update(env_model)
    return {o.scenario: o for o in results}


def report(o: Outcome) -> str:
    return (f"{o.scenario} on {o.server}: expect_fixed={o.expect_fixed}, fixed={o.fixed}, "
            f"correct={o.correct}, shturman exit {o.exit_code}, run status {o.run_status}\n"
            f"request: {o.request}\nchecker: {o.detail}\n"
            f"shturman output (tail):\n{o.output_tail}")


def survivors(user_prefix: str, count: int) -> list[str]:
    """Lab users ``PREFIX1..count`` that still have processes (``PREFIX`` as the harness
    names them: behind ``HOSTLAB_USER_PREFIX`` when that is set)."""
    user_prefix = lab_user_prefix(user_prefix)
    left = []
    for i in range(1, count + 1):
        try:
            uid = pwd.getpwnam(f"{user_prefix}{i}").pw_uid
        except KeyError:
            continue
        if user_pids(uid):
            left.append(f"{user_prefix}{i}")
    return left
