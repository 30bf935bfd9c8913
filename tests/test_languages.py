"""Each line in one language per the setting; Russian counted nouns in the right form."""

from __future__ import annotations

import pytest

from shturman.agent.analyzer import analyze
from shturman.agent.autocorrect import deterministic
from shturman.agent.plan import Action
from shturman.domain.events import ApprovalDecided
from shturman.domain.models import Server
from shturman.domain.plurals import counted
from shturman.interfaces.i18n import approval_line
from shturman.policy import Policy
from shturman.tools import ToolResult

CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


def _has_cyrillic(text: str) -> bool:
    return bool(CYRILLIC & set(text.lower()))


@pytest.mark.parametrize(("n", "ru", "en"), [
    (1, "1 простая команда", "1 simple command"),
    (2, "2 простые команды", "2 simple commands"),
    (4, "4 простые команды", "4 simple commands"),
    (5, "5 простых команд", "5 simple commands"),
    (11, "11 простых команд", "11 simple commands"),
    (12, "12 простых команд", "12 simple commands"),
    (21, "21 простая команда", "21 simple commands"),
    (22, "22 простые команды", "22 simple commands"),
    (0, "0 простых команд", "0 simple commands"),
])
def test_counted_nouns(n: int, ru: str, en: str) -> None:
    forms = ("простая команда", "простые команды", "простых команд")
    assert counted(n, "ru", forms, ("simple command", "simple commands")) == ru
    assert counted(n, "en", forms, ("simple command", "simple commands")) == en


def test_policy_explain_counts_in_russian() -> None:
    policy = Policy.load()
    assert "Разбор: 1 простая команда" in policy.explain("df -h", lang="ru")
    assert "Разбор: 2 простые команды" in policy.explain("df -h && uptime", lang="ru")
    assert "Parsed: 1 simple command" in policy.explain("df -h", lang="en")


@pytest.mark.parametrize("event", [
    {"outcome": "pre_approved", "approver": "mode:autonomous",
     "note": "autonomous mode pre-approves known, bounded changes"},
    {"outcome": "denied", "approver": "mode:readonly",
     "note": "readonly mode runs only read-only commands"},
    {"outcome": "unavailable", "approver": "none",
     "note": "no approver available: denied (fail closed)"},
    {"outcome": "unavailable", "approver": "cli", "note": "no terminal: denied (fail closed)"},
    {"outcome": "timed_out", "approver": "cli", "note": "no answer in time: denied"},
    {"outcome": "approved", "approver": "cli:--yes", "note": "approved in advance with --yes"},
    {"outcome": "approved", "approver": "cli:operator", "note": ""},
    {"outcome": "approved", "approver": "telegram:42", "note": "some note only in English"},
])
def test_approval_line_is_in_one_language(event: dict[str, str]) -> None:
    decided = ApprovalDecided(approval_id="a1", server="vm1", command="systemctl restart x",
                              **event)
    ru = approval_line(decided, "ru")
    en = approval_line(decided, "en")
    assert ru.startswith("одобрение: ") and not any(w in ru for w in (
        "approved", "denied", "mode runs", "no terminal", "pre-approves"))
    assert en.startswith("approval: ") and not _has_cyrillic(en)


def test_repair_progress_line_follows_the_language() -> None:
    restart = Action(tool="restart_service", server="vm1", args={"service": "nginx"})
    failed = ToolResult("restart_service", "vm1", False, "failed")
    ru = deterministic(restart, failed, "ru")
    en = deterministic(restart, failed, "en")
    assert ru is not None and en is not None
    assert _has_cyrillic(ru.description) and "сервис не запустился" in ru.description
    assert not _has_cyrillic(en.description)


@pytest.mark.parametrize("text", ["сколько места на диске на vm1", "перезагрузи vm1",
                                  "перезапусти nginx на vm1", "привет", "на db9 место",
                                  "разберись, почему /api медленный"])
def test_analyze_reason_follows_the_language(text: str) -> None:
    servers = [Server(name="vm1", host="10.0.0.1", services=("nginx",))]
    ru = analyze(text, servers, lang="ru").reason
    en = analyze(text, servers, lang="en").reason
    assert _has_cyrillic(ru), ru
    assert not _has_cyrillic(en.replace(text, "")), en
