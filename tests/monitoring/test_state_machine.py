"""The state machine per check (pure): ok → failing → down → recovered → ok, alerts on
transitions only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shturman.domain.monitoring import CheckResult, CheckState, CheckStatus, advance

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OK, FAILING, DOWN, RECOVERED = (CheckState.OK, CheckState.FAILING, CheckState.DOWN,
                                CheckState.RECOVERED)


def play(outcomes: str, *, down_after: int = 3, alert_failing: bool = False
         ) -> tuple[list[CheckStatus], list[CheckState | None]]:
    """``outcomes``: '+' a success, '-' a failure, one result a minute."""
    status: CheckStatus | None = None
    states, alerts = [], []
    for i, mark in enumerate(outcomes):
        result = CheckResult("vm1", "service:nginx", mark == "+", f"#{i}",
                             T0 + timedelta(minutes=i))
        transition = advance(status, result, down_after=down_after,
                             alert_failing=alert_failing)
        status = transition.status
        states.append(status)
        alerts.append(transition.alert)
    return states, alerts


@pytest.mark.parametrize(("outcomes", "down_after", "expected", "alerts"), [
    ("+", 3, [OK], [None]),
    ("-", 3, [FAILING], [None]),
    ("+++", 3, [OK, OK, OK], [None, None, None]),
    ("---", 3, [FAILING, FAILING, DOWN], [None, None, DOWN]),
    ("-----", 3, [FAILING, FAILING, DOWN, DOWN, DOWN], [None, None, DOWN, None, None]),
    ("---++", 3, [FAILING, FAILING, DOWN, RECOVERED, OK], [None, None, DOWN, RECOVERED, None]),
    ("-+", 3, [FAILING, RECOVERED], [None, None]),  # a flap nobody was told of stays quiet
    ("--+-", 3, [FAILING, FAILING, RECOVERED, FAILING], [None] * 4),
    ("---+---", 3, [FAILING, FAILING, DOWN, RECOVERED, FAILING, FAILING, DOWN],
     [None, None, DOWN, RECOVERED, None, None, DOWN]),
    ("-", 1, [DOWN], [DOWN]),
    ("-+-+", 1, [DOWN, RECOVERED, DOWN, RECOVERED], [DOWN, RECOVERED, DOWN, RECOVERED]),
    ("--", 2, [FAILING, DOWN], [None, DOWN]),
    ("+-+-+-", 2, [OK, FAILING, RECOVERED, FAILING, RECOVERED, FAILING], [None] * 6),
])
def test_transitions(outcomes: str, down_after: int, expected: list[CheckState],
                     alerts: list[CheckState | None]) -> None:
    states, said = play(outcomes, down_after=down_after)
    assert [s.state for s in states] == expected
    assert said == alerts


def test_first_failure_alert_when_asked() -> None:
    _, said = play("---++-", alert_failing=True)
    assert said == [FAILING, None, DOWN, RECOVERED, None, FAILING]


def test_failing_alert_makes_its_recovery_announced() -> None:
    _, said = play("-+", alert_failing=True)
    assert said == [FAILING, RECOVERED]


def test_consecutive_failures_and_incidents_are_counted() -> None:
    states, _ = play("---+--+++-")
    assert [s.failures for s in states] == [1, 2, 3, 0, 1, 2, 0, 0, 0, 1]
    assert [s.incident for s in states] == [1, 1, 1, 1, 2, 2, 2, 2, 2, 3]
    assert [s.worst for s in states][:4] == [FAILING, FAILING, DOWN, DOWN]
    assert states[4].worst is FAILING  # a new incident starts over


def test_since_is_when_the_state_was_entered() -> None:
    states, _ = play("++---+")
    minute = [(s.since - T0) // timedelta(minutes=1) for s in states]
    assert minute == [0, 0, 2, 2, 4, 5]
    assert states[-1].detail == "#5" and states[-1].updated_at == T0 + timedelta(minutes=5)


def test_a_new_incident_forgets_the_last_run() -> None:
    states, _ = play("---")
    from dataclasses import replace

    stored = replace(states[-1], run_id="run-1")
    after = advance(stored, CheckResult("vm1", "service:nginx", False, "", T0), down_after=3)
    assert after.status.run_id == "run-1" and after.alert is None  # still the same incident
    back = advance(after.status, CheckResult("vm1", "service:nginx", True, "", T0))
    again = advance(back.status, CheckResult("vm1", "service:nginx", False, "", T0))
    assert again.status.run_id is None and again.status.incident == stored.incident + 1


def test_health_json_has_exactly_the_contract_keys() -> None:
    states, _ = play("-")
    assert set(states[0].as_json()) == {"server", "check", "state", "since", "detail"}
    assert states[0].as_json()["state"] == "failing"
