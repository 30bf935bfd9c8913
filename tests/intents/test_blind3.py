"""The third blind request set (issue 8): 310 requests written on 2026-12-02 by an author who
read none of the engine's code or cases, measured once as a black box before any change:
296/310 (95.5%); every server set was right, `llm` and `none` were never confused, the 14
misses are verbs and phrasings («гасни», «перегрузи … пж», "bounce", "bring X up",
«в целом», «команда для …: CMD»). This harness also compares the names left unresolved, which
the black-box run did not: 295/310 here (one more: "exporter" reported as an unknown name in an
open-ended request). Then fixed against by class — "bounce"/«переподними» restart, «гаси»/
«гасни»/«отключи» stop, "doing overall" is the health overview — to 301/310: it is no longer
blind. The gate is a ratchet at that level; the open-ended gate is absolute. Raised to 304 on
2026-12-03 by the blind-4 fixes ("bring X up" starts, «команда для X: CMD», `sshd` kept).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from shturman.agent.intents import understand
from tests.intents.conftest import inventory, load_cases
from tests.intents.test_cases import _mismatches

BLIND3 = load_cases(Path(__file__).with_name("cases_blind3.yaml"))
PASS_AT_LEAST = 304


def test_blind3_pass_rate() -> None:
    servers = inventory()
    failed = [case.text for case in BLIND3 if _mismatches(case, servers)]
    assert len(BLIND3) - len(failed) >= PASS_AT_LEAST, failed


def test_blind3_shape() -> None:
    routes = Counter(case.route for case in BLIND3)
    texts = [case.text for case in BLIND3]
    assert len(BLIND3) >= 300
    assert routes["llm"] >= 40 and routes["none"] >= 20
    assert len(set(texts)) == len(texts)
    assert sum(case.intent == "run_command" for case in BLIND3) >= 40


def test_blind3_never_claims_open_ended_work() -> None:
    servers = inventory()
    claimed = [
        case.text
        for case in BLIND3
        if case.route != "intent" and understand(case.text, servers).route.value == "intent"
    ]
    assert claimed == []


def test_the_fixed_verbs_do_not_overreach() -> None:
    servers = inventory()
    expected = {
        "отключи автозапуск nginx на vm1": None,  # unit enablement is open-ended work
        "disable nginx on vm1": None,
        "overall disk usage on vm1": "disk_usage",  # a named resource beats "overall"
        "bounce nginx on vm1": "service_restart",
        "отключи nginx на vm1": "service_stop",
    }
    got = {}
    for text in expected:
        u = understand(text, servers)
        got[text] = u.intent.value if u.intent else None
    assert got == expected
