"""The fifth blind request set and the held-out set written with it.

`cases_blind5.yaml` (378 requests) and `cases_final_blind.yaml` (266) were written on
2026-12-03 by an author who read none of the engine's code, cases or docs (see their headers).
Scored with this harness before any change: blind5 359/378, held-out 254/266.

blind5's misses were then fixed by class, not by sentence: «без рестарта» and «сколько уже
крутится» ask the uptime (one read it as a host reboot); «в целом» asks the overview; «цп»,
«пофикси», "busy"/"holds", «прямо сейчас», «ночью», number words and «я»/«кто-то» are known
words; «сколько памяти съедено» asks the amount, not the eater; a leak is an investigation and
«…, найди что именно» after it is the job, not a look; «набери/введи/сделай `cmd`» runs a
command set as code (never an unquoted one); small talk («разобрался сам», «ты крут») is
`none`; a Russian order in the middle of an unpunctuated sentence («сервер 2 тормозит
посмотри загрузку цп») starts the request, and the story lends «сервер 2»; «…, пока я правлю
задания» says when, not what; an English task noun in the story ("stuck on an old kernel") is
no second order, unless it is the change just made ("crashed after the update"); a schedule
(«раз в час …») is never a story. After: blind5 376/378 (no longer blind). The two left are
labels that contradict `cases.yaml` («какой процесс грузит проц» is `process_list` there, `cpu_load`
here). The held-out set, never read, after the same changes: 255/266.
"""

from __future__ import annotations

from pathlib import Path

from shturman.agent.intents import understand
from shturman.domain.models import Server
from tests.intents.conftest import inventory, load_cases
from tests.intents.test_cases import _mismatches

HERE = Path(__file__).parent
BLIND5 = load_cases(HERE / "cases_blind5.yaml")
HELD_OUT = load_cases(HERE / "cases_final_blind.yaml")
PASS_AT_LEAST = {"blind5": 376, "held_out": 255}


def test_blind5_pass_rate() -> None:
    servers = inventory()
    failed = [case.text for case in BLIND5 if _mismatches(case, servers)]
    assert len(BLIND5) - len(failed) >= PASS_AT_LEAST["blind5"], failed


def test_held_out_pass_rate() -> None:
    """Aggregate only: the held-out entries are never printed (nobody fixes against them)."""
    servers = inventory()
    passed = sum(1 for case in HELD_OUT if not _mismatches(case, servers))
    assert passed >= PASS_AT_LEAST["held_out"], f"{passed}/{len(HELD_OUT)}"


def test_open_ended_work_is_not_claimed() -> None:
    """blind5: none; the held-out set: one, measured blind (a ratchet, never raised)."""
    servers = inventory()
    for cases, most in ((BLIND5, 0), (HELD_OUT, 1)):
        claimed = sum(1 for case in cases if case.route != "intent"
                      and understand(case.text, servers).route.value == "intent")
        assert claimed <= most


def _read(text: str, servers: tuple[Server, ...]) -> tuple[str, str | None]:
    got = understand(text, servers)
    return got.route.value, got.intent.value if got.intent else None


def test_the_new_classes_do_not_overreach() -> None:
    servers = inventory()
    expected = {
        # a question about restarts is not a restart
        "сколько работает db1 без перезапуска": ("intent", "uptime"),
        "перезапусти nginx без рестарта базы": ("intent", "service_restart"),
        # code after a typing verb runs; a bare task after it does not
        "введи `df -h` на vm1": ("intent", "run_command"),
        "сделай бэкап базы": ("llm", None),
        "сделай: бэкап базы": ("llm", None),
        # a story before an order, with no punctuation
        "вторая машина тормозит глянь проц": ("intent", "cpu_load"),
        "каждый час проверяй диск": ("llm", None),
        "раз в день смотри логи nginx": ("llm", None),
        # finding the cause of a symptom is the model's; reading an amount is not
        "память утекает на vm1, найди кто": ("llm", None),
        "память утекает на vm1, глянь сколько занято": ("intent", "memory_usage"),
        "сколько памяти съедено на vm2": ("intent", "memory_usage"),
        "что съело память на vm2": ("intent", "process_list"),
        # a time clause, then two orders: still the model's
        "стопни nginx пока я правлю конфиг и потом запусти": ("llm", None),
        "nginx crashed after the update, restart it": ("llm", None),
        "reboot vm1, it is stuck on an old kernel": ("intent", "reboot_host"),
        "ой всё разобрался сам": ("none", None),
        # a unit name after a logs word is that unit's logs; a server after it is not a unit
        "логи foo-worker на vm1": ("intent", "service_logs"),
        "logs of foo-worker on vm1": ("intent", "service_logs"),
        "логи vm1": ("intent", "error_scan"),
    }
    got = {text: _read(text, servers) for text in expected}
    assert got == expected


def test_the_fault_sets_phrasings_reach_the_runbook() -> None:
    """The requests of the blind5 fault set (`bench/scenarios/blind5.py`) that the engine left
    to the model: each names a broken unit (or "the site" on a server with one web front) and
    asks for a fix in words the engine did not know; their neighbours stay with the model."""
    servers = (
        Server(name="local", host="127.0.0.1"),
        Server(name="sbx2", host="127.0.0.2",
               services=("billing", "ledger", "catalog", "storefront", "tiles", "nginx")),
        Server(name="sbx3", host="127.0.0.3", services=("nginx", "apache2", "app")),
    )
    expected = {
        "после деплоя не стартует billing на sbx2, разберись": ("intent", "service_repair"),
        "ledger on sbx2 stopped after I changed a setting, please fix it":
            ("intent", "service_repair"),
        "catalog on sbx2 serves the old version and its service is failed, fix it":
            ("intent", "service_repair"),
        "сайт на sbx2 не открывается, отдаёт 502. Почини": ("intent", "service_repair"),
        "tiles on sbx2 didn't come back after the reboot, can you fix it?":
            ("intent", "service_repair"),
        # neighbours: why, another object of the work, a task, two fronts, no server
        "разберись почему billing не стартует": ("llm", None),
        "разберись с зависшими транзакциями в billing": ("llm", None),
        "billing не стартует, разберись и настрой автозапуск": ("llm", None),
        "сайт на sbx3 отдаёт 502, почини": ("llm", None),
        "сайт отдаёт 502, почини": ("llm", None),
        "обнови сайт на sbx2": ("llm", None),
    }
    got = {text: _read(text, servers) for text in expected}
    assert got == expected
    site = understand("сайт на sbx2 не открывается, отдаёт 502. Почини", servers)
    assert site.args.service == "nginx" and site.servers == ("sbx2",)
