"""The fifth blind fault set (``bench.scenarios.blind5``), end to end through `shturman`, no model.

Deploy-style hosts, unlike the ones the runbook was written against: ``/srv/<app>/releases/
<timestamp>`` with a ``current`` symlink that ``WorkingDirectory=``/``ExecStart=`` go through,
``shared/`` kept across releases, settings only in a systemd drop-in (``override.conf``, which
the lab's ``systemctl cat`` does not print) and the ``/etc/default/<app>`` file it names, some
apps on unix sockets behind a Debian-layout nginx, journal-only logs or file logs beside
logrotate's ``.N.gz`` copies.

This is a RATCHET, not an all-pass gate. The set was written blind and first run, unchanged,
on 2026-12-03: 5 of 12 correct, no model (3 of 10 fixable faults fixed, 2 of 2 unfixable ones
correctly refused). Five of the seven misses never reached the runbook: the router sent them
to the model ("…, разберись" with no fix verb; "stopped after I changed a setting"; "didn't
come back after the reboot"; «сайт … отдаёт 502» naming no service) or read "the old version"
as a server named ``old`` — src/shturman/agent/intents/**, outside this fix. Then fixed
against (no longer blind), by class (tests in tests/agent/test_runbook_releases.py): the
unit's drop-ins read wherever ``systemctl cat`` leaves them out (``systemctl status`` names
them) with systemd's reset semantics (an empty ``ExecStart=`` clears the list, the last
``WorkingDirectory=``/``User=`` wins); a variable the log says is not set, commented out in the
EnvironmentFile, uncommented (one commented assignment only, the file write with a backup
and a diff); a rebuildable cache (a ``cache`` directory or a ``*CACHE*`` variable) the log
names before a JSON parse error, checked and moved aside as ``.corrupt``; a ``current``-style
symlink to a removed or incomplete release pointed at the newest whole release (``ln -sfn``,
which policy leaves to a person), or, with none, a finding that a redeploy is needed —
7 of 12 (5 of 10 fixed, 2 of 2 refused). The five routing misses stay misses here; asked as
«почини <service> на <server>», the runbook fixed 4 of those 5 in one diagnostic run (the
dangling ``current`` needs a person to approve ``ln``, and autonomous mode may not). Then the
router and the rest (tests/intents/test_blind5.py, tests/agent/test_remedy_upstreams.py):
«разберись» on a unit that is down is a repair, as is a unit that "stopped" with a fix
request, "didn't come back", «после деплоя»; «сайт на X … почини» is the one web front listed
on X; a proxy's unreachable upstream (its log names the unix socket or loopback port) is
repaired first, with the whole runbook; a URL's tail or a request path is no missing file;
``ln -sfn`` of a release link is pre-approvable (``fs.relink``) — 12 of 12. Raise
``PASS_AT_LEAST`` when the engine improves; never lower it to make a run pass.

Two things are asserted for every scenario regardless of the count, because no version may
regress on them: a run that claims success (exit 0 / status ``succeeded``) must have been
judged fixed from outside, and a fault nobody can fix must leave the host untouched. Needs
root.
"""

from __future__ import annotations

import pytest
from bench.scenarios import Outcome, table
from bench.scenarios.blind5 import BLIND5_NAME_PREFIX, BLIND5_SCENARIOS, BLIND5_USER_PREFIX

from tests.scenario_outcomes import report, run_without_model, survivors

# first blind run (no model): 5 of 12 correct; runbook fixes: 7; with routing and upstreams: 12
PASS_AT_LEAST = 12


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    return run_without_model(None, BLIND5_SCENARIOS, user_prefix=BLIND5_USER_PREFIX,
                             name_prefix=BLIND5_NAME_PREFIX)


def test_blind5_correct_count_ratchet(outcomes: dict[str, Outcome]) -> None:
    print("\n" + table(list(outcomes.values())))  # shown with -s / -rP: the measured figures
    correct = [n for n, o in outcomes.items() if o.correct]
    wrong = [outcomes[n] for n in outcomes if n not in correct]
    assert len(correct) >= PASS_AT_LEAST, (
        f"{len(correct)} of {len(outcomes)} blind5 scenarios correct, ratchet is "
        f"{PASS_AT_LEAST}\n\n" + "\n\n".join(report(o) for o in wrong))


@pytest.mark.parametrize("name", [s.name for s in BLIND5_SCENARIOS])
def test_blind5_no_false_success(outcomes: dict[str, Outcome], name: str) -> None:
    """Whatever the engine could or could not do: it never claims a success the host denies."""
    o = outcomes[name]
    if o.exit_code == 0 or o.run_status == "succeeded":
        assert o.fixed and o.expect_fixed, report(o)


@pytest.mark.parametrize("name", [s.name for s in BLIND5_SCENARIOS
                                  if not getattr(s, "expect_fixed", True)])
def test_blind5_unfixable_left_untouched(outcomes: dict[str, Outcome], name: str) -> None:
    o = outcomes[name]
    assert "host root changed:" not in o.detail, report(o)


def test_blind5_nothing_left_behind(outcomes: dict[str, Outcome]) -> None:
    assert survivors(BLIND5_USER_PREFIX, len(BLIND5_SCENARIOS)) == [], (
        "processes survived the harness")
