"""The third blind fault set (``bench.scenarios.blind3``), end to end through `shturman`, no model.

A Debian-style host unlike the ones the runbook was written against (``/etc/default`` files,
TOML and ``/etc/<app>.d`` key=value config, ``/run/<app>`` from tmpfiles.d, logs only in a
file, a template unit, ``Requires=``, a prefork daemon, an nginx ``sites-enabled`` symlink).

This is a RATCHET, not an all-pass gate: the set was written blind and measured before any
fix. ``PASS_AT_LEAST`` is the number of scenarios with their correct outcome in that first
measured run (6 of 11 on 2026-12-02, no model): fixed by the checker's standard with
`shturman run` exiting 0, or, for a fault nobody can fix, nothing changed, a non-zero exit and
no claimed success. Raise it when the engine improves; never lower it to make a run pass.
Then fixed against (no longer blind): requests whose text tells the outage's history («после
апгрейда …», "after a config change") are repairs, not new jobs — 8 of 11. Then, by class
(tests in tests/agent/test_runbook_layouts.py): a fix request naming the unit as ``NAME.service``
beside the program behind it is a repair of the unit; ExecStart's `$VARS` are expanded from
EnvironmentFile= and the log files its configs name are read; an nginx site symlink's backup is
looked for next to its target and the checker runs with the unit's own -p/-c/-e/-g; a missing
runtime directory is recreated as tmpfiles.d declares it — 11 of 11.

Two things are asserted for every scenario regardless of the count, because no version may
regress on them: a run that claims success (exit 0 / status ``succeeded``) must have been
judged fixed from outside, and a fault nobody can fix must leave the host untouched. Needs
root.
"""

from __future__ import annotations

import pwd

import pytest
from bench.scenarios import Outcome, table
from bench.scenarios.blind3 import BLIND3_NAME_PREFIX, BLIND3_SCENARIOS, BLIND3_USER_PREFIX

from tests.hostlab.lab import user_pids
from tests.scenario_outcomes import report, run_without_model, survivors

# first blind run (no model): 6 of 11 correct; after the routing fix: 8 of 11; after the
# runbook fixes: 11 of 11 (docstring)
PASS_AT_LEAST = 11


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    return run_without_model(None, BLIND3_SCENARIOS, user_prefix=BLIND3_USER_PREFIX,
                             name_prefix=BLIND3_NAME_PREFIX)


def test_blind3_correct_count_ratchet(outcomes: dict[str, Outcome]) -> None:
    print("\n" + table(list(outcomes.values())))  # shown with -s / -rP: the measured figures
    correct = [n for n, o in outcomes.items() if o.correct]
    wrong = [outcomes[n] for n in outcomes if n not in correct]
    assert len(correct) >= PASS_AT_LEAST, (
        f"{len(correct)} of {len(outcomes)} blind3 scenarios correct, ratchet is "
        f"{PASS_AT_LEAST}\n\n" + "\n\n".join(report(o) for o in wrong))


@pytest.mark.parametrize("name", [s.name for s in BLIND3_SCENARIOS])
def test_blind3_no_false_success(outcomes: dict[str, Outcome], name: str) -> None:
    """Whatever the engine could or could not do: it never claims a success the host denies."""
    o = outcomes[name]
    if o.exit_code == 0 or o.run_status == "succeeded":
        assert o.fixed and o.expect_fixed, report(o)


@pytest.mark.parametrize("name", [s.name for s in BLIND3_SCENARIOS if not s.expect_fixed])
def test_blind3_unfixable_left_untouched(outcomes: dict[str, Outcome], name: str) -> None:
    o = outcomes[name]
    assert "host root changed:" not in o.detail, report(o)


def test_blind3_nothing_left_behind(outcomes: dict[str, Outcome]) -> None:
    assert survivors(BLIND3_USER_PREFIX, len(BLIND3_SCENARIOS)) == [], (
        "processes survived the harness")
    try:
        stranger = pwd.getpwnam("shb3x").pw_uid
    except KeyError:
        return
    assert not user_pids(stranger), "the other user's http.server survived the harness"
