"""A rebuildable cache file is corrupt and the service dies reading it at start.

A write cut off half-way (a kill, a full disk) leaves a truncated JSON cache; the daemon
loads it at start-up and dies with a parse error (``json.decoder.JSONDecodeError: Expecting
value …``) — again on every restart. The cache is the file the log names just before the
error (``loading cache /var/cache/app/index.json``) or a ``*CACHE*`` variable of the unit's
environment; it counts as a cache only by its place or name (a ``cache`` directory, a
``*CACHE*`` variable), never a config or data file. It is read and checked here; only when it
really does not parse is it moved aside (``FILE.corrupt``, kept as evidence) so the service
rebuilds it.
"""

from __future__ import annotations

import json
import re
import shlex

from shturman.agent.remedies.evidence import Evidence, paths_in
from shturman.tools import ToolContext

# a reader's parse error: Python's json, simplejson, Node's JSON.parse, Go's encoding/json
PARSE_ERROR_RE = re.compile(
    r"JSONDecodeError|json\.decoder|Expecting (?:value|property name|',' delimiter)|"
    r"Unterminated string|Unexpected end of JSON input|SyntaxError: Unexpected token|"
    r"unexpected end of JSON|invalid character .* looking for", re.IGNORECASE)
CACHE_PART_RE = re.compile(r"(?:^|/)[\w.-]*cache[\w.-]*/", re.IGNORECASE)
CHECKABLE = (".json",)
MAX_CACHE_BYTES = 512 * 1024  # read back whole over the channel (its cap is 1 MiB) to be checked
LINES_BEFORE = 12  # how far before the error the log may name the file it was reading


def cache_candidates(ev: Evidence) -> list[str]:
    """Cache files the failing start was reading: named by a log line shortly before a parse
    error, or by a ``*CACHE*`` variable, and cache-like by their path."""
    lines = ev.logs.splitlines()
    named: list[str] = []
    for i, line in enumerate(lines):
        if PARSE_ERROR_RE.search(line):
            for before in lines[max(0, i - LINES_BEFORE):i + 1]:
                named += paths_in(before)
    named += [v for k, v in ev.environment if "CACHE" in k.upper() and v.startswith("/")]
    if not any(PARSE_ERROR_RE.search(line) for line in lines):
        return []
    return [p for p in dict.fromkeys(named)
            if p.endswith(CHECKABLE) and _cache_like(ev, p)]


def _cache_like(ev: Evidence, path: str) -> bool:
    return bool(CACHE_PART_RE.search(path.rsplit("/", 1)[0] + "/")) or any(
        "CACHE" in k.upper() and v == path for k, v in ev.environment)


def parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


async def discard_corrupt_cache(ctx: ToolContext, ev: Evidence) -> str | None:
    fixed = []
    for path in cache_candidates(ev)[:3]:
        q = shlex.quote(path)
        size = await ctx.sh(ev.server, f"stat -c %s {q}")
        if size.outcome != "ok" or not size.stdout.strip().isdigit():
            continue  # gone already: the service rebuilds it
        if int(size.stdout.strip()) > MAX_CACHE_BYTES:
            continue  # too big to check here: not moved on a guess
        text = await ctx.sh(ev.server, f"cat {q}")
        if text.outcome != "ok" or parses(text.stdout):
            continue  # it parses: the error was about something else
        aside = f"{path}.corrupt"
        moved = await ctx.sh(ev.server, f"mv -f {q} {shlex.quote(aside)}")
        if moved.outcome == "ok":
            fixed.append(ctx.say(
                f"кэш {path} повреждён (не разбирается как JSON, {size.stdout.strip()} байт), "
                f"{ev.service} падает при его чтении: отложен как {aside}, сервис пересоздаст "
                "его при запуске",
                f"cache {path} is corrupt (not valid JSON, {size.stdout.strip()} bytes) and "
                f"{ev.service} dies reading it: moved aside as {aside}, the service rebuilds it "
                "at start"))
    return "; ".join(fixed) or None
