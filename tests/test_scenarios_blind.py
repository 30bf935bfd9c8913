"""The blind fault scenarios (``bench.scenarios.blind``), end to end through `shturman`, no model.

Hosts laid out unlike the ones the runbook was written against (other units, ports, config
and log locations, another app). One harness run, then one assertion per scenario: its
correct outcome — fixed by the checker's standard with `shturman run` exiting 0, or, for a
fault nobody can fix, nothing changed, a non-zero exit and no claimed success. Needs root.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterator

import pytest
from bench.scenarios import Outcome, run_scenarios
from bench.scenarios.blind import BLIND_NAME_PREFIX, BLIND_SCENARIOS, BLIND_USER_PREFIX

from tests.hostlab.lab import HostLabError, user_pids


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    if os.geteuid() != 0:
        pytest.fail("the fault scenarios need root (lab users, sshd)", pytrace=False)
    env_model = {k: os.environ.pop(k) for k in list(os.environ)
                 if k.startswith("SHTURMAN_LLM__")}  # the no-model runbook is what is measured
    try:
        results = run_scenarios(None, BLIND_SCENARIOS, user_prefix=BLIND_USER_PREFIX,
                                name_prefix=BLIND_NAME_PREFIX)
    except HostLabError as exc:
        pytest.fail(f"host lab cannot start: {exc}", pytrace=False)
    finally:
        os.environ.update(env_model)
    yield {o.scenario: o for o in results}


@pytest.mark.parametrize("name", [s.name for s in BLIND_SCENARIOS])
def test_blind_scenario_outcome(outcomes: dict[str, Outcome], name: str) -> None:
    o = outcomes[name]
    report = (f"{name} on {o.server}: expect_fixed={o.expect_fixed}, fixed={o.fixed}, "
              f"shturman exit {o.exit_code}, run status {o.run_status}\n"
              f"request: {o.request}\nchecker: {o.detail}\n"
              f"shturman output (tail):\n{o.output_tail}")
    assert o.correct, report
    if o.expect_fixed:
        assert o.run_status == "succeeded", report
    else:
        assert o.run_status != "succeeded", report


def test_blind_nothing_left_behind(outcomes: dict[str, Outcome]) -> None:
    for i in range(1, len(BLIND_SCENARIOS) + 1):
        try:
            uid = pwd.getpwnam(f"{BLIND_USER_PREFIX}{i}").pw_uid
        except KeyError:
            continue
        assert not user_pids(uid), f"processes of {BLIND_USER_PREFIX}{i} survived the harness"
