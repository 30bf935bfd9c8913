"""The blind fault scenarios (``bench.scenarios.blind``), end to end through `shturman`, no model.

Hosts laid out unlike the ones the runbook was written against (other units, ports, config
and log locations, another app). One harness run, then one assertion per scenario: its
correct outcome — fixed by the checker's standard with `shturman run` exiting 0, or, for a
fault nobody can fix, nothing changed, a non-zero exit and no claimed success. Needs root.
"""

from __future__ import annotations

import pytest
from bench.scenarios import Outcome
from bench.scenarios.blind import BLIND_NAME_PREFIX, BLIND_SCENARIOS, BLIND_USER_PREFIX

from tests.scenario_outcomes import report, run_without_model, survivors


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    return run_without_model(None, BLIND_SCENARIOS, user_prefix=BLIND_USER_PREFIX,
                             name_prefix=BLIND_NAME_PREFIX)


@pytest.mark.parametrize("name", [s.name for s in BLIND_SCENARIOS])
def test_blind_scenario_outcome(outcomes: dict[str, Outcome], name: str) -> None:
    o = outcomes[name]
    assert o.correct, report(o)
    if o.expect_fixed:
        assert o.run_status == "succeeded", report(o)
    else:
        assert o.run_status != "succeeded", report(o)


def test_blind_nothing_left_behind(outcomes: dict[str, Outcome]) -> None:
    assert survivors(BLIND_USER_PREFIX, len(BLIND_SCENARIOS)) == [], (
        "processes survived the harness")
