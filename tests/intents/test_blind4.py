"""The fourth blind request set: 369 requests written on 2026-12-03 by an author who read none of
the engine's code, cases or docs (see the header of `cases_blind4.yaml`), scored with this
harness (`_mismatches` over `load_cases`) before any change: 333/369, measured on 2026-12-03.
`llm` was never claimed as an intent. Most misses were routine requests left to the model: the
request inside a longer message («слушай, …, а admin вообще живой? просто глянь статус»), polite
and slang verbs («Пришлите, пожалуйста, …», «положи редис»), time windows on logs, "engine x",
«команда для vm2: `cmd`», start or restart against repair, questions about the assistant itself.

Then fixed by class, not by sentence: a message's clauses are read and the one routine order in
it is planned alone, the story around it lending only its servers (and its subject when the
order names none; `agent/intents/context.py`); «после того как я поменял конфиг» (a past
event) is story too; polite and slang verbs; «за последние 30 минут» is a window, not 30 lines; «так и не стартанул,
запусти» starts, «опять завис, перезапустите» restarts; "bring X up" starts; a port named
"занят … кто его держит" asks its owner even when a service is the victim; "команда для X:"
writes out a command; questions about the assistant are `none`; a named unit, a symptom and
«почини» repair that unit; a word after a server noun across a sentence end is no server name;
and the unit name a user types (`sshd`, `httpd`) is kept unless the inventory lists the
service on the target under its own spelling (two `cases_blind.yaml` labels that had been
fitted to the old `ssh` rewrite were relabelled back). Result: 367/369. It is no longer blind.
Left: «что съело всю память» (`cases.yaml` labels «что сожрало всю память» `process_list`, and
naming the eater is the better answer), and a purpose clause («нам надо, чтобы admin-api не
отвечал, пока мы мигрируем, стопни его»: «чтобы» keeps a message with the model, because «нужно,
чтобы nginx отдавал gzip, перезапусти его» asks for a change).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from shturman.agent.intents import understand
from shturman.domain.models import Server
from tests.intents.conftest import inventory, load_cases
from tests.intents.test_cases import _mismatches

BLIND4 = load_cases(Path(__file__).with_name("cases_blind4.yaml"))
PASS_AT_LEAST = 367


def test_blind4_pass_rate() -> None:
    servers = inventory()
    failed = [case.text for case in BLIND4 if _mismatches(case, servers)]
    assert len(BLIND4) - len(failed) >= PASS_AT_LEAST, failed


def test_blind4_shape() -> None:
    routes = Counter(case.route for case in BLIND4)
    texts = [case.text for case in BLIND4]
    assert len(BLIND4) >= 360
    assert routes["llm"] >= 40 and routes["none"] >= 25
    assert len(set(texts)) == len(texts)
    assert sum(case.intent == "run_command" for case in BLIND4) >= 15


def test_blind4_never_claims_open_ended_work() -> None:
    servers = inventory()
    claimed = [
        case.text
        for case in BLIND4
        if case.route != "intent" and understand(case.text, servers).route.value == "intent"
    ]
    assert claimed == []


def _read(text: str, servers: tuple[Server, ...]) -> tuple[str, str | None, dict[str, object]]:
    got = understand(text, servers)
    return got.route.value, got.intent.value if got.intent else None, dict(got.args.as_json())


def test_the_story_around_a_request_does_not_overreach() -> None:
    servers = inventory()
    expected = {
        # the order alone is routine; the story lends its server
        "на vm1 что-то лишнее может висеть, глянь какие порты слушаются": ("intent", "open_ports"),
        "vm2 is not responding, reboot it": ("intent", "reboot_host"),
        # another order, a task, "why", "then" or "so that" in the story: the model's
        "почему nginx падает, глянь логи": ("llm", None),
        "обнови пакеты, перезагрузи db1": ("llm", None),
        "удали старые логи, глянь диск на vm1": ("llm", None),
        "нужно, чтобы nginx отдавал gzip, перезапусти его": ("llm", None),
        "посчитай, сколько запросов в минуту обрабатывает admin-api": ("llm", None),
        "nginx crashed after the update, restart it": ("llm", None),
        # a past event is story; a future one is a task to do first
        "после того как мы обновили ядро, перезагрузи db1": ("intent", "reboot_host"),
        "после того как обновишь пакеты, перезагрузи db1": ("llm", None),
        # "you" with a modal is a request, not a question about the assistant
        "ты можешь обновить пакеты?": ("llm", None),
        "can you set up backups?": ("llm", None),
        # «почини» with a symptom repairs the named unit; without one it stays open-ended
        "gate-proxy на box12 отдаёт 502 Bad Gateway, почини": ("intent", "service_repair"),
        "fix the reverse-proxy config on vm1": ("llm", None),
        "хочу, чтобы admin-api логировал в json, поправь конфиг": ("llm", None),
    }
    got = {text: _read(text, servers)[:2] for text in expected}
    assert got == expected


def test_a_time_window_is_not_a_line_count() -> None:
    servers = inventory()
    windowed = understand("логи nginx за последние 30 минут", servers)
    counted = understand("логи nginx последние 30 строк", servers)
    assert {step.args.get("lines") for step in windowed.steps} == {100}
    assert {step.args.get("lines") for step in counted.steps} == {30}


def test_the_unit_name_follows_the_inventory_then_the_user() -> None:
    servers = (
        *inventory(),
        Server(name="rh1", host="10.0.0.9", services=("sshd", "httpd")),
        Server(name="deb1", host="10.0.0.8", services=("ssh",)),
    )
    expected = {
        "restart sshd on deb1": "ssh",  # the inventory lists Debian's name there
        "restart ssh on rh1": "sshd",  # and Red Hat's here
        "restart apache on rh1": "httpd",
        "restart sshd on db1": "sshd",  # not listed: the user's unit name is kept
        "перезапусти ссх на db1": "ssh",  # an informal spelling: the vocabulary's name
        "systemctl status redis-server": "redis",  # vm2 lists `redis`
    }
    got = {text: _read(text, servers)[2].get("service") for text in expected}
    assert got == expected
