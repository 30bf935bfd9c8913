"""How the service died, as its manager and the kernel tell it: killed for want of memory
(the OOM killer), or restarted so often that the manager gave up (a crash loop).

Neither is something a remedy can fix by editing a file: the runbook restarts the service
ONCE (after ``systemctl reset-failed`` for a crash loop, which a manager that hit its start
limit requires), verifies, and reports the evidence with advice; a second OOM kill in the same
run, or a loop that goes on, is escalated with the log lines and nothing else is touched.

The evidence: the manager's own lines in the unit's journal ("A process of this unit has been
killed by the OOM killer", "Failed with result 'oom-kill'", "status=9/KILL", "Start request
repeated too quickly", "restart counter is at N"), its unit properties (``Result``,
``NRestarts``, ``ExecMainStatus`` from ``systemctl show``), and the kernel's "Out of memory:
Killed process PID (NAME)" for the unit's own program.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from shturman.agent.remedies.evidence import Evidence, interesting_lines
from shturman.hosts.facts import ServiceManager
from shturman.tools import ToolContext

OOM_LINE_RE = re.compile(r"killed by the OOM killer|Failed with result '?oom-kill|"
                         r"Out of memory: Killed process|\boom[-_]kill(?:ed)?\b|"
                         r"Memory cgroup out of memory", re.IGNORECASE)
KERNEL_OOM_RE = re.compile(r"Out of memory: Killed process (\d+) \(([^)]+)\)|"
                           r"Memory cgroup out of memory: Killed process (\d+) \(([^)]+)\)")
SIGKILL_RE = re.compile(r"status=9/KILL|code=killed, status=9|signal=KILL", re.IGNORECASE)
LOOP_RE = re.compile(r"Start request repeated too quickly|start-limit-hit|"
                     r"restart counter is at (\d+)", re.IGNORECASE)
LOOP_RESTARTS = 3  # NRestarts at or above this: a loop, not one crash
PROPERTIES = ("Result", "NRestarts", "ExecMainStatus", "ExecMainCode")


@dataclass(frozen=True, slots=True)
class CrashState:
    oom: tuple[str, ...] = ()  # the lines that say the OOM killer took it
    oom_events: int = 0  # how many OOM kills those lines record
    loop: tuple[str, ...] = ()  # the lines that say it is in a crash loop
    restarts: int | None = None  # NRestarts, or the journal's "restart counter"
    result: str = ""  # the unit's Result= (oom-kill, start-limit-hit, exit-code…)

    @property
    def out_of_memory(self) -> bool:
        return bool(self.oom) or self.result == "oom-kill"

    @property
    def crash_loop(self) -> bool:
        return bool(self.loop) or self.result == "start-limit-hit" or (
            self.restarts is not None and self.restarts >= LOOP_RESTARTS)


def parse_properties(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key in PROPERTIES:
            found[key] = value.strip()
    return found


def kernel_kills(text: str, names: set[str]) -> list[str]:
    """The kernel's OOM kills of a process named like the unit's program (the kernel shows
    the first 15 characters of its name)."""
    lines = []
    for line in text.splitlines():
        match = KERNEL_OOM_RE.search(line)
        if match and (match.group(2) or match.group(4) or "")[:15] in names:
            lines.append(line.strip())
    return lines


async def crash_state(ctx: ToolContext, ev: Evidence) -> CrashState:
    logs = ev.logs.splitlines()
    oom = [line.strip() for line in logs if OOM_LINE_RE.search(line)]
    loop = [line.strip() for line in logs if LOOP_RE.search(line)]
    counters = [int(m.group(1)) for line in loop if (m := LOOP_RE.search(line)) and m.group(1)]
    props: dict[str, str] = {}
    mgr = await ctx.manager(ev.server)
    if mgr in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3):
        shown = await ctx.sh(ev.server, "systemctl show " + " ".join(
            f"-p {p}" for p in PROPERTIES) + f" {shlex.quote(ev.service)}")
        props = parse_properties(shown.stdout) if shown.outcome == "ok" else {}
    killed = props.get("ExecMainStatus") == "9" or any(SIGKILL_RE.search(x) for x in logs)
    if killed and mgr is ServiceManager.SYSTEMD:
        names = {a.rsplit("/", 1)[-1][:15] for a in ev.argv[:2] if a and not a.startswith("-")}
        kernel = await ctx.sh(ev.server, "journalctl -k -n 300 --no-pager")
        if kernel.outcome == "ok":
            oom += [x for x in kernel_kills(kernel.stdout, names) if x not in oom]
    restarts = props.get("NRestarts", "")
    count = int(restarts) if restarts.isdigit() else (max(counters) if counters else None)
    events = max(sum(1 for x in oom if re.search(r"OOM killer|Killed process", x, re.I)),
                 sum(1 for x in oom if re.search(r"result '?oom-kill", x, re.I)))
    return CrashState(tuple(oom), events or (1 if oom else 0), tuple(loop), count,
                      props.get("Result", ""))


def oom_note(ctx: ToolContext, ev: Evidence, state: CrashState) -> str:
    shown = "; ".join(state.oom[-3:]) or f"Result={state.result}"
    return ctx.say(
        f"{ev.service} убит из-за нехватки памяти (OOM): «{shown[:400]}». Перезапускаю один "
        "раз. Совет: посмотрите, что съедает память (утечка, рост нагрузки), задайте "
        f"MemoryMax=/MemoryHigh= в юните {ev.service} или добавьте памяти/swap",
        f"{ev.service} was killed for want of memory (OOM): \"{shown[:400]}\". Restarting it "
        "once. Advice: find what eats the memory (a leak, more load), set MemoryMax=/"
        f"MemoryHigh= in the {ev.service} unit, or add memory/swap")


def oom_again(ctx: ToolContext, ev: Evidence, state: CrashState) -> str:
    shown = "; ".join(state.oom[-2:])
    return ctx.say(
        f"после перезапуска {ev.service} снова убит из-за нехватки памяти (OOM, "
        f"{state.oom_events} раз в журнале): «{shown[:300]}». Повторный перезапуск не "
        "поможет — нужен человек: найдите причину роста памяти или дайте сервису больше "
        "памяти (MemoryMax=)",
        f"after the restart {ev.service} was killed for want of memory again (OOM, "
        f"{state.oom_events} times in its journal): \"{shown[:300]}\". Another restart will "
        "not help — a person is needed: find why its memory grows or give it more "
        "(MemoryMax=)")


def loop_note(ctx: ToolContext, ev: Evidence, state: CrashState) -> str:
    count = f", {state.restarts}" if state.restarts is not None else ""
    why = "; ".join(interesting_lines(ev.logs, 4))
    return ctx.say(
        f"{ev.service} в цикле падений (перезапусков{count or ': много'}"
        f"{', ' + state.result if state.result else ''}); сбрасываю состояние "
        f"(systemctl reset-failed) и перезапускаю один раз. Строки журнала: {why[:600]}",
        f"{ev.service} is in a crash loop (restarts{count or ': many'}"
        f"{', ' + state.result if state.result else ''}); resetting its failed state "
        f"(systemctl reset-failed) and restarting it once. Log lines: {why[:600]}")


def loop_again(ctx: ToolContext, ev: Evidence) -> str:
    return ctx.say(
        f"{ev.service} в цикле падений: после сброса и одного перезапуска он снова падает; "
        "больше ничего не трогаю — нужен человек",
        f"{ev.service} is in a crash loop: after a reset and one restart it fails again; "
        "touching nothing else — a person is needed")


async def reset_failed(ctx: ToolContext, ev: Evidence) -> bool:
    """``systemctl reset-failed UNIT`` where the manager has it. False only when the
    command was refused (blocked or not approved): then nothing else may run."""
    mgr = await ctx.manager(ev.server)
    if mgr not in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3):
        return True
    done = await ctx.sh(ev.server, f"systemctl reset-failed {shlex.quote(ev.service)}")
    return not done.refused
