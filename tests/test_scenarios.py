"""Every fault scenario, end to end through the real `shturman` CLI, with no model.

One harness run (all scenarios, each on its own fresh lab host, users ``shscen1..N``); then one
assertion per scenario: the fault is fixed by the checker's own standard and `shturman run`
exited 0. Needs root (users, sshd, a tmpfs mount), like the host lab.
"""

from __future__ import annotations

import pytest
from bench.scenarios import SCENARIOS, Outcome
from bench.scenarios.catalog import stale_mounts
from bench.scenarios.run import USER_PREFIX, lab_user_prefix

from tests.scenario_outcomes import report, run_without_model, survivors


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    return run_without_model(needs="lab users, sshd, tmpfs mounts")


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_scenario_fixed(outcomes: dict[str, Outcome], name: str) -> None:
    o = outcomes[name]
    assert o.fixed and o.exit_code == 0, report(o)
    assert o.run_status == "succeeded"


def test_nothing_left_behind(outcomes: dict[str, Outcome]) -> None:
    assert not stale_mounts(f"/homes/{lab_user_prefix(USER_PREFIX)}"), "a scenario tmpfs is still mounted"
    assert survivors(USER_PREFIX, len(SCENARIOS)) == [], "processes survived the harness"
