"""Deterministic remedies for failed actions, tried before asking a model.

Each remedy reads the failed result and returns (what it does, actions to run first, the
replacement action) — or None when it does not apply.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from shturman.agent.plan import Action
from shturman.tools import ToolResult

ALTERNATIVE_FLAGS: dict[str, str] = {
    # failing form → a form that works on older or busybox systems
    "ss -ltnp": "netstat -ltnp",
    "ss -tulpn": "netstat -tulpn",
    "free -h": "free -m",
    "df -h": "df -k",
    "ps aux --sort=-%cpu": "ps aux",
    "ps aux --sort=-%mem": "ps aux",
    "journalctl -p err -n 200 --no-pager": "tail -n 200 /var/log/syslog",
    "ip a": "ifconfig -a",
}
SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/local/bin", "/snap/bin")


@dataclass(frozen=True, slots=True)
class Remedy:
    """Run ``before``, then ``retry`` — or, when ``rewrite`` is set, the action it builds from
    the output of ``before`` (None: the remedy found nothing)."""

    id: str
    description: str
    before: tuple[Action, ...]
    retry: Action | None
    rewrite: Callable[[str], Action | None] | None = None


def deterministic(action: Action, result: ToolResult, lang: str = "en") -> Remedy | None:
    """The first remedy that applies; its description is in ``lang`` (``ru`` or English)."""

    def say(ru: str, en: str) -> str:
        return ru if lang == "ru" else en

    text = result.output()
    command = str(action.args.get("command", ""))
    if action.tool == "run_command" and re.search(
        r"Unable to locate package|has no installation candidate|404\s+Not Found", text
    ):
        update = Action(tool="run_command", server=action.server,
                        args={"command": "apt-get update"})
        return Remedy("apt_update", say("индекс пакетов устарел: apt-get update и повтор",
                                        "package index is stale: apt-get update, then retry"),
                      (update,), action)
    exit_codes = [c.exit_code for c in result.commands]
    if action.tool == "run_command" and (127 in exit_codes or "command not found" in text):
        binary = command.split()[0] if command.split() else ""
        if binary and re.fullmatch(r"[\w.+-]+", binary):
            rest = command[len(binary):]
            candidates = " ".join(shlex.quote(f"{d}/{binary}") for d in SBIN_DIRS)
            find = Action(tool="run_command", server=action.server,
                          args={"command": f"ls -1 {candidates}"})

            def rewrite(found: str) -> Action | None:
                paths = [line.strip() for line in found.splitlines()
                         if line.strip().startswith("/") and line.strip().endswith(binary)]
                if not paths:
                    return None
                return Action(tool="run_command", server=action.server,
                              args={"command": f"{paths[0]}{rest}"})

            return Remedy("binary_path", say(f"{binary} нет в PATH: ищу в каталогах sbin",
                                             f"{binary} is not on PATH: looking in sbin dirs"),
                          (find,), None, rewrite)
    if action.tool == "run_command" and re.search(
        r"unrecognized option|invalid option|unknown option|illegal option", text, re.I
    ):
        for failing, alternative in ALTERNATIVE_FLAGS.items():
            if command.strip().startswith(failing):
                return Remedy("alternative_flags",
                              say(f"`{failing}` здесь не поддерживается: использую "
                                  f"`{alternative}`",
                                  f"`{failing}` not supported here: using `{alternative}`"), (),
                              Action(tool="run_command", server=action.server,
                                     args={"command": command.replace(failing, alternative,
                                                                      1)}))
    if action.tool in ("start_service", "restart_service") and action.args.get("service"):
        return Remedy("service_repair",
                      say("сервис не запустился: читаю его логи, применяю известные "
                          "исправления и перезапускаю",
                          "the service failed to start: reading its logs and applying known "
                          "remedies, then restarting"), (),
                      Action(tool="repair_service", server=action.server,
                             args={"service": action.args["service"]}))
    return None
