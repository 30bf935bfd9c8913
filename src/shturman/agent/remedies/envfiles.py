"""An ``EnvironmentFile=`` is gone and the service says a variable it needs is not set.

A package upgrade often moves the admin's file aside (``FILE.rpmsave``, ``FILE.dpkg-old``) or
leaves the package's version beside it (``FILE.rpmnew``, ``FILE.dpkg-dist``); with the ``-``
prefix systemd starts the service without it, and the daemon dies for want of a variable. The
copy that sets the variables the log names is restored (a `confirm` step carrying its text as
a diff); a copy that does not set them is not evidence and is left alone.

The file may be there with the variable commented out (``#DB_PATH=…`` left from debugging):
when the file sets the variable nowhere else and exactly one commented assignment with a
value exists, that line is uncommented (the agent's file write: a backup and the diff).
"""

from __future__ import annotations

import re
import shlex

from shturman.agent.remedies.evidence import Evidence, expand_specifiers, parse_env_file
from shturman.domain.events import Autocorrected
from shturman.tools import ToolContext
from shturman.tools.files import write_file

# "required environment variable FOO is not set", "FOO not set", "$FOO is empty",
# "missing environment variable FOO", "environment variable 'FOO' is required"
UNSET_RE = re.compile(
    r"\$?\b(?P<a>[A-Z][A-Z0-9_]{2,})['\"]? (?:is )?(?:not set|unset|not defined|empty|required)"
    r"|(?:missing|undefined|unset) (?:required )?(?:environment )?variable[: ]+['\"]?\$?"
    r"(?P<b>[A-Z][A-Z0-9_]{2,})")
# a commented-out assignment: `#DB=/x`, `# export DB="/x"`, `;DB=/x`
COMMENTED_RE = re.compile(r"^\s*[#;]+\s*(?:export\s+)?(?P<key>[A-Za-z_]\w*)=(?P<value>\S.*)$")
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
        present = (await ctx.sh(ev.server, f"test -e {shlex.quote(path)}")).exit_code
        if present == 0:
            said = await _uncomment(ctx, ev, path, wanted)
            if said:
                restored.append(said)
            continue
        if present != 1:
            continue  # the test itself failed: not known
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


def uncommented(text: str, wanted: list[str]) -> tuple[str, list[str]] | None:
    """``text`` with the one commented assignment of each wanted variable the file does not
    set uncommented, and the variables that got a value; None when there is nothing to do or
    a variable is commented out more than once (which value was meant is not known)."""
    lines = text.splitlines(keepends=True)
    active = parse_env_file(text)
    changed: list[str] = []
    for var in wanted:
        if active.get(var):
            continue  # set already: its absence is not this file's doing
        hits = [i for i, line in enumerate(lines)
                if (m := COMMENTED_RE.match(line)) and m.group("key") == var]
        if len(hits) != 1:
            continue
        line = lines[hits[0]]
        body = line.lstrip().lstrip("#;").lstrip()
        lines[hits[0]] = body if body.endswith("\n") or not line.endswith("\n") else body + "\n"
        if parse_env_file("".join(lines)).get(var):
            changed.append(var)
        else:
            lines[hits[0]] = line
    return ("".join(lines), changed) if changed else None


async def _uncomment(ctx: ToolContext, ev: Evidence, path: str, wanted: list[str]
                     ) -> str | None:
    current = await ctx.sh(ev.server, f"cat {shlex.quote(path)}")
    if current.outcome != "ok":
        return None
    fixed = uncommented(current.stdout, wanted)
    if fixed is None:
        return None
    text, names = fixed
    done = await write_file(ctx, ev.server, path, text)
    if not done.ok:
        return None
    backup = done.data.get("backup") or ""
    return ctx.say(
        f"в файле окружения {path} была закомментирована переменная {', '.join(names)}, "
        f"которую требует {ev.service}: строка раскомментирована (прежняя версия — {backup})",
        f"environment file {path} had {', '.join(names)} commented out, which {ev.service} "
        f"needs: uncommented it (previous version kept as {backup})")
