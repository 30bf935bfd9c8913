"""A file the service needs is gone: bring back its last version from Shturman's own config
backups (the git repository ``services/backups`` keeps, reached through the
:class:`~shturman.tools.history.ConfigHistory` port the composition root hands the agent).

The missing file comes from the evidence, never a layout: the config files the unit's command
line names (``--config FILE``, ``-c FILE``, a bare ``FILE.conf``) and the paths the service's
own log says do not exist. What will be written is shown first (an ``autocorrection`` event
carrying the diff), then written by ONE command that carries the same diff — a `confirm` step
judged by the policy like any other — and the service's own config checker runs on it.
"""

from __future__ import annotations

import shlex

from shturman.agent.remedies.evidence import Evidence, Finding, paths_in, relative_paths_in
from shturman.agent.remedies.runtime import runtime_dirs
from shturman.domain.events import Autocorrected
from shturman.tools import ToolContext

MAX_PATHS = 6


def wanted_files(ev: Evidence) -> list[str]:
    """Files the service needs, as its unit and its log name them: the configs first."""
    from shturman.agent.remedies.files import MISSING_RE

    found = list(ev.configs)
    for line in ev.logs.splitlines():
        if MISSING_RE.search(line):
            found += paths_in(line) + relative_paths_in(line, ev.workdir)
    runtime = set(runtime_dirs(ev))
    program = ev.argv[:1]
    return [p for p in dict.fromkeys(found)
            if p not in program and p.rstrip("/").rsplit("/", 1)[0] not in runtime
            and not p.endswith("/")][:MAX_PATHS]


async def restore_from_backup(ctx: ToolContext, ev: Evidence) -> str | Finding | None:
    """Each missing file the config backups hold: show its stored version, write it back
    (confirm, with the diff), run the checker. A refused write is a finding."""
    if ctx.history is None:
        return None
    restored: list[str] = []
    refused: list[str] = []
    for path in wanted_files(ev):
        present = await ctx.sh(ev.server, f"test -e {shlex.quote(path)}")
        if present.exit_code != 1:
            continue  # there (or the test itself failed): not this cause
        version = await ctx.history.last_version(ev.server, path)
        if version is None:
            continue
        lines = len(version.content.splitlines())
        if ctx.events is not None:
            await ctx.events(Autocorrected(
                server=ev.server, remedy="backup_restore_diff",
                description=ctx.say(
                    f"файла {path} нет; в резервных копиях конфигов он есть (коммит "
                    f"{version.commit[:12]}, {lines} строк) — будет восстановлено:",
                    f"{path} is missing; the config backups hold it (commit "
                    f"{version.commit[:12]}, {lines} lines) — this will be restored:"),
                diff=version.diff[-4000:]))
        done = await ctx.sh(ev.server, version.command, diff=version.diff,
                            touches=(path,) if version.exists else ())
        if done.outcome != "ok":
            refused.append(ctx.say(
                f"файл {path} можно восстановить из резервной копии {version.commit[:12]}, "
                f"но запись не выполнена ({done.outcome})",
                f"{path} can be restored from backup {version.commit[:12]}, but the write "
                f"did not run ({done.outcome})"))
            continue
        checked = await _checked(ctx, ev)
        restored.append(ctx.say(
            f"файл {path} пропал: восстановлен из резервной копии конфигов (коммит "
            f"{version.commit[:12]}){checked}",
            f"file {path} was missing: restored from the config backups (commit "
            f"{version.commit[:12]}){checked}"))
    if restored:
        return "; ".join(restored + refused)
    return Finding("; ".join(refused)) if refused else None


async def _checked(ctx: ToolContext, ev: Evidence) -> str:
    from shturman.agent.remedies.configs import run_checkers

    checks = await run_checkers(ctx, ev)
    if not checks:
        return ""
    failed = [c for c in checks if not c.passed]
    if failed:
        return ctx.say(f"; проверка конфига не проходит: {failed[0].command}",
                       f"; the config check fails: {failed[0].command}")
    return ctx.say(f"; проверка конфига проходит ({checks[0].command})",
                   f"; the config check passes ({checks[0].command})")
