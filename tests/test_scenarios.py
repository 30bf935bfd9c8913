"""Every fault scenario, end to end through the real `shturman` CLI, with no model.

One harness run (all scenarios, each on its own fresh lab host, users ``shscen1..N``); then one
assertion per scenario: the fault is fixed by the checker's own standard and `shturman run`
exited 0. Needs root (users, sshd, a tmpfs mount), like the host lab.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterator

import pytest
from bench.scenarios import SCENARIOS, Outcome, run_scenarios
from bench.scenarios.catalog import stale_mounts
from bench.scenarios.run import USER_PREFIX

from tests.hostlab.lab import HostLabError, user_pids


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    if os.geteuid() != 0:
        pytest.fail("the fault scenarios need root (lab users, sshd, tmpfs mounts)",
                    pytrace=False)
    env_model = {k: os.environ.pop(k) for k in list(os.environ)
                 if k.startswith("SHTURMAN_LLM__")}  # this suite is the no-model baseline
    try:
        results = run_scenarios()
    except HostLabError as exc:
        pytest.fail(f"host lab cannot start: {exc}", pytrace=False)
    finally:
        os.environ.update(env_model)
    yield {o.scenario: o for o in results}


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_scenario_fixed(outcomes: dict[str, Outcome], name: str) -> None:
    o = outcomes[name]
    assert o.fixed and o.exit_code == 0, (
        f"{name} on {o.server}: fixed={o.fixed}, shturman exit {o.exit_code}, "
        f"run status {o.run_status}\nrequest: {o.request}\nchecker: {o.detail}\n"
        f"shturman output (tail):\n{o.output_tail}"
    )
    assert o.run_status == "succeeded"


def test_nothing_left_behind(outcomes: dict[str, Outcome]) -> None:
    assert not stale_mounts(f"/homes/{USER_PREFIX}"), "a scenario tmpfs is still mounted"
    for i in range(1, len(SCENARIOS) + 1):
        try:
            uid = pwd.getpwnam(f"{USER_PREFIX}{i}").pw_uid
        except KeyError:
            continue
        assert not user_pids(uid), f"processes of {USER_PREFIX}{i} survived the harness"
