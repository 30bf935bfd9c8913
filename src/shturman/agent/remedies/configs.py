"""A config is broken after an edit: the service's own checker (or its log line) names the file
and line; a previous version is found next to it (or, for a symlink such as nginx's
``sites-enabled/NAME``, next to the file it points to), its diff shown, and it is restored (a
`confirm` step carrying that diff; the broken file is kept aside). The checker runs with the
options the unit itself starts the program with (``nginx -p … -c …``)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from shturman.agent.remedies.evidence import CONFIG_SUFFIXES, Evidence, Finding
from shturman.domain.events import Autocorrected
from shturman.hosts.facts import (
    ConfigFault,
    backup_candidates,
    backup_globs,
    is_plain_copy,
    parse_config_fault,
)
from shturman.tools import ToolContext


@dataclass(frozen=True, slots=True)
class Checker:
    command: str
    fault: ConfigFault | None
    passed: bool


@dataclass(frozen=True, slots=True)
class CheckerSpec:
    """How a program checks its own config: the check flag, and the options of its command
    line that the check must repeat (they say where the config and its prefix are)."""

    flag: str
    carried: tuple[str, ...]
    needs: str | None = None  # an option without which no check is built


CHECKERS: dict[str, CheckerSpec] = {
    "nginx": CheckerSpec("-t", ("-p", "-c", "-g", "-e")),
    "openresty": CheckerSpec("-t", ("-p", "-c", "-g", "-e")),
    "sshd": CheckerSpec("-t", ("-f", "-o")),
    "haproxy": CheckerSpec("-c", ("-f", "-C"), needs="-f"),
}
APACHE = ("apache2", "httpd", "apachectl", "apache2ctl")
MAX_CANDIDATES = 4


def checker_commands(ev: Evidence) -> list[str]:
    """The service's own config checker(s), built from its unit's ExecStartPre/ExecStart
    (`$VARS` expanded) with the options those command lines give (real programs only)."""
    commands = []
    for argv in ev.commands:
        if not argv:
            continue
        exe, name = argv[0], argv[0].rsplit("/", 1)[-1]
        spec = CHECKERS.get(name)
        if spec is not None and (spec.needs is None or _options(argv, (spec.needs,))):
            carried = _options(argv, spec.carried)
            commands.append(" ".join([shlex.quote(exe), spec.flag,
                                      *(shlex.quote(a) for a in carried)]))
        elif name in APACHE:
            commands.append("apachectl configtest")
        elif name == "named":
            conf = _options(argv, ("-c",))
            commands.append(" ".join(["named-checkconf", *map(shlex.quote, conf[1:])]))
    return list(dict.fromkeys(commands))


def _options(argv: list[str], flags: tuple[str, ...]) -> list[str]:
    """The options ``flags`` (each with its value) as ``argv`` gives them, in its order."""
    found: list[str] = []
    for i, arg in enumerate(argv[1:-1], start=1):
        if arg in flags:
            found += [arg, argv[i + 1]]
    return found


async def run_checkers(ctx: ToolContext, ev: Evidence) -> list[Checker]:
    found = []
    for command in checker_commands(ev):
        record = await ctx.sh(ev.server, command)
        if record.refused or record.exit_code in (126, 127):
            continue
        out = record.stdout + "\n" + record.stderr
        found.append(Checker(command, parse_config_fault(out), record.outcome == "ok"))
    return found


async def restore_config_backup(ctx: ToolContext, ev: Evidence) -> str | Finding | None:
    """Find the broken config (checker first, then the log line that names it), restore the
    newest different previous version, re-run the checker. A broken config with no previous
    version is a finding: guessing the intended value is not a repair."""
    checkers = await run_checkers(ctx, ev)
    faults = [c.fault for c in checkers if not c.passed and c.fault]
    if not checkers or all(c.passed for c in checkers):
        logged = parse_config_fault(ev.logs)
        faults += [logged] if logged and _is_config(ev, logged.path) else []
        if checkers and all(c.passed for c in checkers):
            faults = []  # the service's own checker says the config is fine
    unrestorable: list[ConfigFault] = []
    rejected: list[str] = []
    for fault in dict.fromkeys(faults):
        real = await real_path(ctx, ev.server, fault.path)
        candidates = await _previous_versions(ctx, ev.server, real, fault.path)
        if not candidates:
            unrestorable.append(fault)
            continue
        backup = None
        for candidate in candidates:
            if await candidate_passes(ctx, ev, real, fault.path, candidate) is False:
                rejected.append(candidate)  # broken too: never proposed for restore
                continue
            backup = candidate
            break
        if backup is None:
            where = f"{fault.path}:{fault.line}" if fault.line else fault.path
            return Finding(ctx.say(
                f"конфиг {where} сломан ({fault.message[:200]}); его прежние версии "
                f"({', '.join(rejected[:4])}) тоже не проходят проверку конфига — "
                "восстанавливать их не буду",
                f"config {where} is broken ({fault.message[:200]}); its previous versions "
                f"({', '.join(rejected[:4])}) fail the config check too — not restoring "
                "them"))
        said = await _restore(ctx, ev, fault, real, backup, rejected)
        if said:
            return said
    if unrestorable:
        fault = unrestorable[0]
        where = f"{fault.path}:{fault.line}" if fault.line else fault.path
        return Finding(ctx.say(
            f"конфиг {where} сломан ({fault.message[:200]}), а его прежней версии нет "
            "(FILE.bak, FILE~, .orig, .dpkg-old… рядом с ним): угадывать правку не буду",
            f"config {where} is broken ({fault.message[:200]}) and no previous version of it "
            "exists (FILE.bak, FILE~, .orig, .dpkg-old… next to it): not guessing the edit"))
    return None


def _is_config(ev: Evidence, path: str) -> bool:
    return path in ev.configs or path.endswith(CONFIG_SUFFIXES) or "/etc/" in path or any(
        path.startswith(a) for a in ev.argv[1:] if a.startswith("/"))


async def real_path(ctx: ToolContext, server: str, path: str) -> str:
    """``path`` with its symlinks resolved (``sites-enabled/x`` → ``sites-available/x``)."""
    resolved = await ctx.sh(server, f"readlink -f {shlex.quote(path)}")
    real = resolved.stdout.strip()
    return real if resolved.outcome == "ok" and real.startswith("/") else path


async def _previous_versions(ctx: ToolContext, server: str, path: str, named: str
                             ) -> list[str]:
    """The existing backups of ``path`` (the real file) that differ from it, newest first:
    next to the file, and next to the name it was reported by when that is a symlink
    (Shturman's own backups `PATH.shturman-*.bak` included)."""
    candidates = backup_candidates(path) + [c for c in backup_candidates(named) if named != path]
    names = " ".join(shlex.quote(c) for c in dict.fromkeys(candidates))
    own = f"{shlex.quote(path)}.shturman-*.bak"
    dated = " ".join(shlex.quote(path) + g.removeprefix(path) for g in backup_globs(path))
    listing = await ctx.sh(server, f"ls -1dt -- {names} {own} {dated}")
    found: list[str] = []
    for candidate in listing.stdout.splitlines():
        candidate = candidate.strip()
        if not candidate or candidate in (path, named) or (
                candidate.startswith(path) and not is_plain_copy(candidate, path)):
            continue
        same = await ctx.sh(server, f"cmp -s {shlex.quote(candidate)} {shlex.quote(path)}")
        if same.exit_code == 1:  # 0 = identical, 2 = missing or unreadable
            found.append(candidate)
        if len(found) >= MAX_CANDIDATES:
            break
    return found


def candidate_checks(ev: Evidence, real: str, named: str, candidate: str) -> list[str]:
    """The service's own checker run against ``candidate`` instead of the broken file:
    its path swapped in where the checker names the file (``-c``/``-f``), or ``nginx -t -c
    CANDIDATE`` for nginx's main config when the unit gives no ``-c``. Empty when the checker
    cannot be pointed at another file (an included file, a checker without a file option)."""
    checks = []
    for command in checker_commands(ev):
        words = command.split(" ")
        quoted = {shlex.quote(real), shlex.quote(named)}
        if any(w in quoted for w in words[1:]):
            checks.append(" ".join(shlex.quote(candidate) if w in quoted else w
                                   for w in words))
        elif (words[0].rsplit("/", 1)[-1].strip("'") in ("nginx", "openresty")
              and "-c" not in words and real.rsplit("/", 1)[-1] == "nginx.conf"):
            checks.append(f"{command} -c {shlex.quote(candidate)}")
    return checks


async def candidate_passes(ctx: ToolContext, ev: Evidence, real: str, named: str,
                           candidate: str) -> bool | None:
    """Does the previous version pass the service's checker? None: it cannot be checked
    (no checker for this file, or the check could not run)."""
    verdict: bool | None = None
    for command in candidate_checks(ev, real, named, candidate):
        record = await ctx.sh(ev.server, command)
        if record.refused or record.exit_code in (126, 127) or record.outcome == "error":
            continue
        if record.outcome != "ok":
            return False
        verdict = True
    return verdict


async def _restore(ctx: ToolContext, ev: Evidence, fault: ConfigFault, real: str, backup: str,
                   rejected: list[str] | None = None) -> str | None:
    """Put ``backup`` over the real file (a symlink stays a symlink), the broken copy kept
    next to the real file."""
    q, qb = shlex.quote(real), shlex.quote(backup)
    diff = await ctx.sh(ev.server, f"diff -u {qb} {q}")
    where = f"{fault.path}:{fault.line}" if fault.line else fault.path
    if real != fault.path:
        where += f" (→ {real})"
    if ctx.events is not None:
        await ctx.events(Autocorrected(
            server=ev.server, remedy="config_diff",
            description=ctx.say(f"{where} сломан ({fault.message[:200]}); отличие от "
                                f"{backup}:", f"{where} is broken ({fault.message[:200]}); "
                                f"its difference from {backup}:"),
            diff=diff.stdout[-4000:]))
    aside = shlex.quote(real + ".broken")
    restored = await ctx.sh(ev.server, f"cp -a {q} {aside} && cp -a {qb} {q}",
                            diff=diff.stdout, touches=(real,))
    if restored.outcome != "ok":
        return None
    recheck = [c for c in await run_checkers(ctx, ev) if not c.passed]
    tail = ctx.say("; проверка конфига проходит", "; the config check passes") if (
        checker_commands(ev) and not recheck) else ""
    if recheck:
        tail = ctx.say(f"; проверка всё ещё не проходит: {recheck[0].command}",
                       f"; the check still fails: {recheck[0].command}")
    if rejected:
        tail += ctx.say(f"; не восстановлены, так как тоже не проходят проверку: "
                        f"{', '.join(rejected[:4])}", f"; not restored because they fail the "
                        f"check too: {', '.join(rejected[:4])}")
    return ctx.say(f"конфиг {where} был сломан: восстановлен из {backup} (сломанный сохранён "
                   f"как {real}.broken){tail}",
                   f"config {where} was broken: restored {backup} (broken copy kept as "
                   f"{real}.broken){tail}")
