"""Errors in logs as a symptom: read what a server's services logged since the previous log
check, find the error lines, reduce each to a signature, and tell which signatures are new.

What is read, per server (``monitoring.servers.NAME``):

- the journal of each listed service (``log_services``, default the server's ``services``):
  systemd's ``journalctl -u UNIT --show-cursor --after-cursor=…`` — exact, the cursor is the
  journal's own; other managers (and journal shims that print no cursor) give their last
  lines, and the new ones are those after the last three lines seen before;
- each configured log file (``log_files: {PATH: SERVICE}``): from the byte offset the
  previous check stopped at (`stat` gives the size and inode; a smaller size or another inode
  means the file was rotated: read it from the start).

The first check of a source only sets its cursor: old errors are history, not news. The
cursor and the signatures already acted on (with when) are one JSON document kept beside the
check states (:class:`LogCursor`); nothing here writes it.

A signature is the line with its timestamp, journal prefix, numbers, ids, addresses and
paths' digits stripped, lower-cased: the same fault logged twice with another pid, request id
or time is one signature.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shturman.hosts.facts import ServiceManager
from shturman.hosts.servicemgr import service_command
from shturman.tools.base import ToolContext

# what makes a line an error line (case-insensitive); ``monitoring.logs.patterns`` adds more
ERROR_PATTERNS = (
    r"\w*error\b", r"\w*errors\b", r"\bcrit(?:ical)?\b", r"\bfatal\b", r"\bpanic\b",
    r"\bemerg(?:ency)?\b", r"^traceback \(most recent call last\)", r"\w*exception\b",
    r"\bsegfault\b", r"segmentation fault", r"out of memory", r"\boom\b", r"oom[-_ ]kill",
    r"killed process \d+", r"core dumped", r"address already in use",
    r"no such file or directory", r"cannot allocate memory",
)
# lines that look like errors and are not (``monitoring.logs.ignore`` adds more)
NOISE_PATTERNS = (
    r"\b(?:0|no) errors?\b", r"\berrors?[=:]\s*0\b", r"\bwithout errors?\b",
    r"error_log\b", r"\berror[_-]?(?:page|document)\b", r"-- no entries --",
)
JOURNAL_TAIL = 3  # lines remembered to find where a cursor-less read stopped
SIGNATURES_KEPT = 500
LINE_CAP = 400  # characters of a line kept in a result, an alert or a webhook

_CURSOR = re.compile(r"^-- cursor: (\S.*)$")
_TIMESTAMP = re.compile(
    r"^\s*(?:\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"\]?|[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2})\s+")
# the journal's ``HOST IDENTIFIER[PID]: `` (or ``HOST kernel: ``): only with the pid (or as
# the kernel), so a message like ``ERROR OSError: …`` or ``app[311]: KeyError: …`` keeps its
# error word
_JOURNAL_PREFIX = re.compile(r"^[^\s:\[\]]+ (?:[\w@.\-/]+\[\d+\]|kernel): ")
_VOLATILE = (
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<id>"),
    (re.compile(r"\b0x[0-9a-f]+\b"), "<hex>"),
    (re.compile(r"\b[0-9a-f]*\d[0-9a-f]*[a-f][0-9a-f]*\b|\b[0-9a-f]*[a-f][0-9a-f]*\d[0-9a-f]*\b"),
     "<hex>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\d+(?:\.\d+)?"), "#"),
    (re.compile(r"\s+"), " "),
)


@dataclass(frozen=True, slots=True)
class LogSource:
    """One thing to read: a service's journal (``path`` empty) or a log file. ``service``:
    what a diagnosis run repairs when this source logs a new error ("" for nothing)."""

    service: str
    path: str = ""

    @property
    def key(self) -> str:
        return f"file:{self.path}" if self.path else f"journal:{self.service}"


@dataclass(frozen=True, slots=True)
class LogError:
    """One error line: where it came from, the line (redacted, capped) and its signature."""

    source: LogSource
    line: str
    pattern: str  # the normalised line
    signature: str  # a short hash of ``pattern``


@dataclass
class LogCursor:
    """Where each source was read up to, and when each signature last started something."""

    sources: dict[str, dict[str, str | int]] = field(default_factory=dict)
    signatures: dict[str, str] = field(default_factory=dict)  # signature → ISO time

    @classmethod
    def parse(cls, text: str | None) -> LogCursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        sources = data.get("sources")
        signatures = data.get("signatures")
        return cls({str(k): dict(v) for k, v in sources.items() if isinstance(v, dict)}
                   if isinstance(sources, dict) else {},
                   {str(k): str(v) for k, v in signatures.items()}
                   if isinstance(signatures, dict) else {})

    def dump(self) -> str:
        newest = sorted(self.signatures.items(), key=lambda kv: kv[1])[-SIGNATURES_KEPT:]
        return json.dumps({"sources": self.sources, "signatures": dict(newest)},
                          ensure_ascii=False, sort_keys=True)

    def fresh(self, signature: str, at: datetime, cooldown: float) -> bool:
        """Not acted on within ``cooldown`` seconds before ``at``."""
        last = self.signatures.get(signature)
        if last is None:
            return True
        try:
            return datetime.fromisoformat(last) <= at - timedelta(seconds=cooldown)
        except ValueError:
            return True

    def acted(self, signature: str, at: datetime) -> None:
        self.signatures[signature] = at.isoformat()


class ErrorMatcher:
    """Which lines are error lines: any of the error patterns, none of the noise ones."""

    def __init__(self, extra: Sequence[str] = (), ignore: Sequence[str] = ()) -> None:
        self._errors = re.compile("|".join(f"(?:{p})" for p in (*ERROR_PATTERNS, *extra)),
                                  re.IGNORECASE)
        self._noise = re.compile("|".join(f"(?:{p})" for p in (*NOISE_PATTERNS, *ignore)),
                                 re.IGNORECASE)

    def is_error(self, line: str) -> bool:
        text = strip_prefix(line)
        return bool(self._errors.search(text)) and not self._noise.search(text)

    def errors(self, source: LogSource, lines: Sequence[str]) -> list[LogError]:
        found = []
        for line in lines:
            if line.strip() and self.is_error(line):
                pattern = normalise(line)
                found.append(LogError(source, line.strip()[:LINE_CAP], pattern,
                                      signature_of(pattern)))
        return found


def strip_prefix(line: str) -> str:
    """The message of a log line: without a leading timestamp (and, after one, the journal's
    ``HOST UNIT[PID]:``)."""
    stripped = _TIMESTAMP.sub("", line, count=1)
    if stripped != line:
        stripped = _JOURNAL_PREFIX.sub("", stripped, count=1)
    return stripped.strip()


def normalise(line: str) -> str:
    text = strip_prefix(line).lower()
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text.strip()[:200]


def signature_of(pattern: str) -> str:
    return hashlib.sha256(pattern.encode()).hexdigest()[:16]


def _digest(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class SourceRead:
    """What one read of a source gave: the new lines (none on a first read), the cursor
    entry to keep, and why it could not be read (``problem``), if so."""

    lines: list[str]
    entry: dict[str, str | int]
    problem: str = ""
    first: bool = False


class LogReader:
    """Reads the sources through a read-only :class:`ToolContext` (the GuardedExecutor path
    every check takes)."""

    def __init__(self, max_lines: int = 2000, max_bytes: int = 1_000_000) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes

    async def read(self, ctx: ToolContext, server: str, source: LogSource,
                   entry: dict[str, str | int] | None) -> SourceRead:
        if source.path:
            return await self._file(ctx, server, source.path, entry)
        return await self._journal(ctx, server, source.service, entry)

    async def _journal(self, ctx: ToolContext, server: str, service: str,
                       entry: dict[str, str | int] | None) -> SourceRead:
        manager = await ctx.manager(server)
        cursor = str(entry.get("cursor", "")) if entry else ""
        if manager in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3, ServiceManager.NONE):
            unit = service if "." in service else f"{service}.service"
            command = (f"journalctl -u {shlex.quote(unit)} -n {self.max_lines} --no-pager "
                       f"-o short-iso --show-cursor")
            if cursor:
                command += " " + shlex.quote(f"--after-cursor={cursor}")
        else:
            command = service_command(manager, "logs", service, self.max_lines)
        record = await ctx.sh(server, command)
        if record.outcome != "ok":
            return SourceRead([], dict(entry or {}), _why(record.outcome, record.stderr,
                                                          record.reasons))
        lines = [ln for ln in record.stdout.splitlines() if ln.strip()]
        found = next((m.group(1) for m in map(_CURSOR.match, reversed(lines)) if m), "")
        lines = [ln for ln in lines if not ln.startswith("-- ")]
        if found:  # the journal's own cursor: everything printed is new
            kept: dict[str, str | int] = {"cursor": found}
            return SourceRead([] if entry is None else lines, kept, first=entry is None)
        if cursor and not lines:  # nothing after the cursor
            return SourceRead([], dict(entry or {}))
        tail = "|".join(_digest(ln) for ln in lines[-JOURNAL_TAIL:])
        kept = {"tail": tail} if tail else dict(entry or {})
        if entry is None:
            return SourceRead([], kept, first=True)
        return SourceRead(_after(lines, str(entry.get("tail", ""))), kept)

    async def _file(self, ctx: ToolContext, server: str, path: str,
                    entry: dict[str, str | int] | None) -> SourceRead:
        quoted = shlex.quote(path)
        stat = await ctx.sh(server, f"stat -L -c '%s %i' {quoted}")
        parts = stat.stdout.split()
        if stat.outcome != "ok" or len(parts) != 2 or not all(p.isdigit() for p in parts):
            return SourceRead([], dict(entry or {}), _why(stat.outcome, stat.stderr,
                                                          stat.reasons))
        size, inode = int(parts[0]), parts[1]
        kept: dict[str, str | int] = {"offset": size, "inode": inode}
        if entry is None:
            return SourceRead([], kept, first=True)
        offset = int(entry.get("offset", 0))
        if str(entry.get("inode", "")) != inode or size < offset:
            offset = 0  # rotated or truncated: the new file from its start
        if size == offset:
            return SourceRead([], kept)
        start = max(offset, size - self.max_bytes)
        read = await ctx.sh(server, f"tail -c +{start + 1} {quoted} | head -c {size - start}")
        if read.outcome != "ok":
            return SourceRead([], dict(entry), _why(read.outcome, read.stderr, read.reasons))
        lines = read.stdout.splitlines()
        if start > offset and lines:
            lines = lines[1:]  # started mid-line: skip the fragment
        return SourceRead(lines, kept)


def _after(lines: list[str], tail: str) -> list[str]:
    """The lines after the last place the remembered ``tail`` (digests of the last lines
    seen) appears; all of them when it is nowhere (the log moved on past the window)."""
    if not tail:
        return lines
    wanted = tail.split("|")
    digests = [_digest(ln) for ln in lines]
    n = len(wanted)
    for end in range(len(lines), n - 1, -1):
        if digests[end - n:end] == wanted:
            return lines[end:]
    return lines


def _why(outcome: str, stderr: str, reasons: Sequence[str]) -> str:
    text = "; ".join(reasons[:2]) or next(
        (ln for ln in reversed(stderr.splitlines()) if ln.strip()), "")
    return f"{outcome}: {text}"[:300] if text else outcome
