"""An ``EnvironmentFile=`` is gone and the service says a variable it needs is not set.

A package upgrade often moves the admin's file aside (``FILE.rpmsave``, ``FILE.dpkg-old``) or
leaves the package's version beside it (``FILE.rpmnew``, ``FILE.dpkg-dist``); with the ``-``
prefix systemd starts the service without it, and the daemon dies for want of a variable. The
copy that sets the variables the log names is restored (a `confirm` step carrying its text as
a diff); a copy that does not set them is not evidence and is left alone.
"""

from __future__ import annotations

import re
import shlex

from shturman.agent.remedies.evidence import Evidence, expand_specifiers, parse_env_file
from shturman.domain.events import Autocorrected
from shturman.tools import ToolContext

# "required environment variable FOO is not set", "FOO not set", "$FOO is empty",
# "missing environment variable FOO", "environment variable 'FOO' is required"
UNSET_RE = re.compile(
    r"\$?\b(?P<a>[A-Z][A-Z0-9_]{2,})['\"]? (?:is )?(?:not set|unset|not defined|empty|required)"
    r"|(?:missing|undefined|unset) (?:required )?(?:environment )?variable[: ]+['\"]?\$?"
    r"(?P<b>[A-Z][A-Z0-9_]{2,})")
ENV_COPIES = (".rpmsave", ".rpmnew", ".dpkg-old", ".dpkg-dist", ".dpkg-bak", ".bak", ".orig",
              ".save", ".old", "~")


def unset_variables(logs: str) -> list[str]:
    """Variables the service's log says it needs and did not get."""
    return list(dict.fromkeys(m.group("a") or m.group("b") for m in UNSET_RE.finditer(logs)))


async def restore_environment_file(ctx: ToolContext, ev: Evidence) -> str | None:
    wanted = unset_variables(ev.logs)
    if not wanted:
        return None
    restored = []
    for value in ev.unit_values("EnvironmentFile"):
        path = expand_specifiers(value.lstrip("-"), ev.service)
        if not path.startswith("/"):
            continue
        if (await ctx.sh(ev.server, f"test -e {shlex.quote(path)}")).exit_code != 1:
            continue  # present (or the test failed): not this cause
        said = await _restore_copy(ctx, ev, path, wanted)
        if said:
            restored.append(said)
    return "; ".join(restored) or None


async def _restore_copy(ctx: ToolContext, ev: Evidence, path: str, wanted: list[str]
                        ) -> str | None:
    names = " ".join(shlex.quote(path + suffix) for suffix in ENV_COPIES)
    listing = await ctx.sh(ev.server, f"ls -1t -- {names}")
    for copy in (line.strip() for line in listing.stdout.splitlines()):
        if not copy.startswith(path):
            continue
        text = await ctx.sh(ev.server, f"cat {shlex.quote(copy)}")
        found = parse_env_file(text.stdout) if text.outcome == "ok" else {}
        sets = [v for v in wanted if found.get(v)]
        if not sets:
            continue
        diff = "".join([f"--- {path}\n+++ {copy}\n",
                        f"@@ -0,0 +1,{len(text.stdout.splitlines())} @@\n",
                        *(f"+{line}\n" for line in text.stdout.splitlines())])
        if ctx.events is not None:
            await ctx.events(Autocorrected(
                server=ev.server, remedy="environment_file_diff",
                description=ctx.say(f"{path} нет, а {copy} задаёт {', '.join(sets)}:",
                                    f"{path} is missing and {copy} sets {', '.join(sets)}:"),
                diff=diff[-4000:]))
        # nothing to snapshot: the target does not exist and the copy is left as it is
        done = await ctx.sh(ev.server, f"cp -a {shlex.quote(copy)} {shlex.quote(path)}",
                            diff=diff)
        if done.outcome == "ok":
            return ctx.say(
                f"файла окружения {path} не было ({ev.service} требует {', '.join(sets)}): "
                f"восстановлен из {copy}",
                f"environment file {path} was missing ({ev.service} needs "
                f"{', '.join(sets)}): restored it from {copy}")
    return None
