"""The fourth blind fault set (``bench.scenarios.blind4``), end to end through `shturman`, no model.

Vendor software installed by hand or from a vendor RPM, unlike the hosts the runbook was
written against: ``/opt/<vendor>/<app>`` trees with ``WorkingDirectory=`` and relative paths,
INI/YAML/JSON configs, logs only in ``/var/log/<vendor>/…``, ``/etc/sysconfig`` files, a
template unit with a second instance, ``ExecStartPre=-/bin/mkdir``, an nginx reverse proxy.

This is a RATCHET, not an all-pass gate. The set was written blind and measured before any
fix: 4 of 12 correct on 2026-12-03, no model (1 of 9 fixable faults fixed, 3 of 3 unfixable
ones correctly refused). Then fixed against (no longer blind), by class (tests in
tests/agent/test_runbook_vendor.py): relative ExecStart paths resolved against
WorkingDirectory=; the port and log file read from INI/YAML/JSON settings (``[log] file =``);
a template instance's unit read from its template; dated and numbered config backups
(``FILE.YYYYMMDD``, ``FILE.bak.N``); a relative path in a "Permission denied" line; a runtime
directory's missing parents created one level at a time; a missing EnvironmentFile= restored
from its ``.rpmsave``/``.dpkg-old`` copy when the log names a variable it sets; the rotated
copies of a log the service cannot write for want of space removed; and (with the routing
fix) a proxy's upstream started — 12 of 12. Raise ``PASS_AT_LEAST`` when the engine
improves; never lower it to make a run pass.

Two things are asserted for every scenario regardless of the count, because no version may
regress on them: a run that claims success (exit 0 / status ``succeeded``) must have been
judged fixed from outside, and a fault nobody can fix must leave the host untouched. Needs
root.
"""

from __future__ import annotations

import pytest
from bench.scenarios import Outcome, table
from bench.scenarios.blind4 import BLIND4_NAME_PREFIX, BLIND4_SCENARIOS, BLIND4_USER_PREFIX

from tests.scenario_outcomes import report, run_without_model, survivors

# first blind run (no model): 4 of 12 correct; after the runbook and routing fixes: 12 of 12
PASS_AT_LEAST = 12


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    return run_without_model(None, BLIND4_SCENARIOS, user_prefix=BLIND4_USER_PREFIX,
                             name_prefix=BLIND4_NAME_PREFIX)


def test_blind4_correct_count_ratchet(outcomes: dict[str, Outcome]) -> None:
    print("\n" + table(list(outcomes.values())))  # shown with -s / -rP: the measured figures
    correct = [n for n, o in outcomes.items() if o.correct]
    wrong = [outcomes[n] for n in outcomes if n not in correct]
    assert len(correct) >= PASS_AT_LEAST, (
        f"{len(correct)} of {len(outcomes)} blind4 scenarios correct, ratchet is "
        f"{PASS_AT_LEAST}\n\n" + "\n\n".join(report(o) for o in wrong))


@pytest.mark.parametrize("name", [s.name for s in BLIND4_SCENARIOS])
def test_blind4_no_false_success(outcomes: dict[str, Outcome], name: str) -> None:
    """Whatever the engine could or could not do: it never claims a success the host denies."""
    o = outcomes[name]
    if o.exit_code == 0 or o.run_status == "succeeded":
        assert o.fixed and o.expect_fixed, report(o)


@pytest.mark.parametrize("name", [s.name for s in BLIND4_SCENARIOS
                                  if not getattr(s, "expect_fixed", True)])
def test_blind4_unfixable_left_untouched(outcomes: dict[str, Outcome], name: str) -> None:
    o = outcomes[name]
    assert "host root changed:" not in o.detail, report(o)


def test_blind4_nothing_left_behind(outcomes: dict[str, Outcome]) -> None:
    assert survivors(BLIND4_USER_PREFIX, len(BLIND4_SCENARIOS)) == [], (
        "processes survived the harness")
