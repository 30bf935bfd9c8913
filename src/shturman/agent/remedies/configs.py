"""A config is broken after an edit: the service's own checker (or its log line) names the file
and line; a previous version is found next to it, its diff shown, and it is restored (a
`confirm` step carrying that diff; the broken file is kept aside)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from shturman.agent.remedies.evidence import CONFIG_SUFFIXES, Evidence, exec_argv, unit_values
from shturman.hosts.facts import ConfigFault, backup_candidates, parse_config_fault
from shturman.tools import ToolContext


@dataclass(frozen=True, slots=True)
class Checker:
    command: str
    fault: ConfigFault | None
    passed: bool


def checker_commands(ev: Evidence) -> list[str]:
    """The service's own config checker(s), built from its unit (real programs only)."""
    commands = []
    for value in unit_values(ev.unit, "ExecStartPre") + unit_values(ev.unit, "ExecStart"):
        argv = value.lstrip("-@+!:").split()
        if not argv:
            continue
        exe, name = argv[0], argv[0].rsplit("/", 1)[-1]
        conf = _option(argv, "-c") if name in ("nginx",) else _option(argv, "-f")
        if name == "nginx":
            commands.append(f"{exe} -t" + (f" -c {shlex.quote(conf)}" if conf else ""))
        elif name in ("apache2", "httpd", "apachectl", "apache2ctl"):
            commands.append("apachectl configtest")
        elif name == "sshd":
            commands.append(f"{exe} -t" + (f" -f {shlex.quote(conf)}" if conf else ""))
        elif name == "haproxy" and conf:
            commands.append(f"{exe} -c -f {shlex.quote(conf)}")
        elif name == "named":
            commands.append("named-checkconf")
    return list(dict.fromkeys(commands))


def _option(argv: list[str], flag: str) -> str | None:
    for i, arg in enumerate(argv[:-1]):
        if arg == flag:
            return argv[i + 1]
    return None


async def run_checkers(ctx: ToolContext, ev: Evidence) -> list[Checker]:
    found = []
    for command in checker_commands(ev):
        record = await ctx.sh(ev.server, command)
        if record.refused or record.exit_code in (126, 127):
            continue
        out = record.stdout + "\n" + record.stderr
        found.append(Checker(command, parse_config_fault(out), record.outcome == "ok"))
    return found


async def restore_config_backup(ctx: ToolContext, ev: Evidence) -> str | None:
    """Find the broken config (checker first, then the log line that names it), restore the
    newest different previous version, re-run the checker."""
    checkers = await run_checkers(ctx, ev)
    faults = [c.fault for c in checkers if not c.passed and c.fault]
    if not checkers or all(c.passed for c in checkers):
        logged = parse_config_fault(ev.logs)
        faults += [logged] if logged and _is_config(ev, logged.path) else []
        if checkers and all(c.passed for c in checkers):
            faults = []  # the service's own checker says the config is fine
    for fault in faults:
        backup = await _previous_version(ctx, ev.server, fault.path)
        if backup is None:
            continue
        said = await _restore(ctx, ev, fault, backup)
        if said:
            return said
    return None


def _is_config(ev: Evidence, path: str) -> bool:
    return path in ev.configs or path.endswith(CONFIG_SUFFIXES) or "/etc/" in path or any(
        path.startswith(a) for a in exec_argv(ev.unit)[1:] if a.startswith("/"))


async def _previous_version(ctx: ToolContext, server: str, path: str) -> str | None:
    """The newest existing backup of ``path`` that differs from it (Shturman's own backups
    `PATH.shturman-*.bak` included)."""
    names = " ".join(shlex.quote(c) for c in backup_candidates(path))
    own = f"{shlex.quote(path)}.shturman-*.bak"
    listing = await ctx.sh(server, f"ls -1t -- {names} {own}")
    for candidate in listing.stdout.splitlines():
        candidate = candidate.strip()
        if not candidate or candidate == path:
            continue
        same = await ctx.sh(server, f"cmp -s {shlex.quote(candidate)} {shlex.quote(path)}")
        if same.exit_code == 1:  # 0 = identical, 2 = missing or unreadable
            return candidate
    return None


async def _restore(ctx: ToolContext, ev: Evidence, fault: ConfigFault, backup: str
                   ) -> str | None:
    q, qb = shlex.quote(fault.path), shlex.quote(backup)
    diff = await ctx.sh(ev.server, f"diff -u {qb} {q}")
    where = f"{fault.path}:{fault.line}" if fault.line else fault.path
    if ctx.events is not None:
        await ctx.events("autocorrection", {
            "server": ev.server, "remedy": "config_diff",
            "description": ctx.say(f"{where} сломан ({fault.message[:200]}); отличие от "
                                   f"{backup}:", f"{where} is broken ({fault.message[:200]}); "
                                   f"its difference from {backup}:"),
            "diff": diff.stdout[-4000:]})
    aside = shlex.quote(fault.path + ".broken")
    restored = await ctx.sh(ev.server, f"cp -a {q} {aside} && cp -a {qb} {q}",
                            diff=diff.stdout)
    if restored.outcome != "ok":
        return None
    recheck = [c for c in await run_checkers(ctx, ev) if not c.passed]
    tail = ctx.say("; проверка конфига проходит", "; the config check passes") if (
        checker_commands(ev) and not recheck) else ""
    if recheck:
        tail = ctx.say(f"; проверка всё ещё не проходит: {recheck[0].command}",
                       f"; the check still fails: {recheck[0].command}")
    return ctx.say(f"конфиг {where} был сломан: восстановлен из {backup} (сломанный сохранён "
                   f"как {fault.path}.broken){tail}",
                   f"config {where} was broken: restored {backup} (broken copy kept as "
                   f"{fault.path}.broken){tail}")
