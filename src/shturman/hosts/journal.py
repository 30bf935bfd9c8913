"""Reading a service's logs when the journal will not say: why it would not, where else to look.

Parsers over recorded command output (``journalctl``, ``systemctl cat``, ``ls``), tested from
fixtures; ``tools.services.read_logs`` runs the commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# A Python traceback whose frames are the log tool's own (systemctl3.py, a journalctl shim):
# the tool failed. A traceback in the service's own lines (a Python app crashing) is evidence.
TRACEBACK_RE = re.compile(r"^\s*Traceback \(most recent call last\):", re.MULTILINE)
TOOL_FRAME_RE = re.compile(r"^\s*File \"[^\"]*(?:systemctl|journalctl)[^\"]*\", line \d+",
                           re.MULTILINE)
NOT_INSTALLED_RE = re.compile(r"journalctl: (?:command )?not found|No such file or directory.*"
                              r"journalctl|journalctl.*(?:No such file|not found)",
                              re.IGNORECASE)
NO_JOURNAL_RE = re.compile(r"No journal files were found|Failed to open journal|"
                           r"has not been booted with systemd|Failed to connect to bus|"
                           r"cannot open '[^']*journal[^']*' for reading|"
                           r"only -u UNIT is supported", re.IGNORECASE)
PERMISSION_RE = re.compile(r"permission denied|not seeing messages from other users|"
                           r"insufficient permissions|Operation not permitted|"
                           r"Users in groups .* can see all messages", re.IGNORECASE)
NO_ENTRIES_RE = re.compile(r"^\s*-- No entries --\s*$")
UNIT_MISSING_RE = re.compile(r"No files found for|Unit \S+ (?:could not be found|not found)|"
                             r"\bnot-found\b|No such unit", re.IGNORECASE)
# StandardOutput=append:/var/log/app.log, StandardError=file:/var/log/app.err
UNIT_LOG_RE = re.compile(r"^\s*Standard(?:Output|Error)\s*=\s*(?:append|file|truncate):(\S+)",
                         re.MULTILINE)


class JournalTrouble(StrEnum):
    NOT_INSTALLED = "not_installed"
    NO_JOURNAL = "no_journal"
    PERMISSION = "permission"
    TOOL_CRASHED = "tool_crashed"
    EMPTY = "empty"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class JournalRead:
    """What one journal read gave: the lines, or the trouble (and its one-line detail)."""

    trouble: JournalTrouble | None
    detail: str = ""


def has_tool_traceback(text: str) -> bool:
    """A traceback of the log tool itself (its frames are in systemctl*/journalctl*)."""
    return bool(TRACEBACK_RE.search(text) and TOOL_FRAME_RE.search(text))


def judge_journal(exit_code: int | None, stdout: str, stderr: str) -> JournalRead:
    """Did ``journalctl -u UNIT`` give the service's lines? Exit codes lie (systemctl3's shim
    exits 0 when its file is missing), so the words decide."""
    text = f"{stdout}\n{stderr}"
    if exit_code == 127 or NOT_INSTALLED_RE.search(text):
        return JournalRead(JournalTrouble.NOT_INSTALLED)
    if has_tool_traceback(text):
        last = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return JournalRead(JournalTrouble.TOOL_CRASHED, last[-1][:160] if last else "")
    if PERMISSION_RE.search(text) and not stdout.strip():
        return JournalRead(JournalTrouble.PERMISSION)
    if NO_JOURNAL_RE.search(text) and not _real_lines(stdout):
        return JournalRead(JournalTrouble.NO_JOURNAL)
    if _real_lines(stdout):  # systemctl3's `log` exits non-zero for a failed unit, with lines
        return JournalRead(None)
    if exit_code not in (0, None):
        lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        return JournalRead(JournalTrouble.FAILED, lines[-1][:160] if lines else f"exit {exit_code}")
    return JournalRead(JournalTrouble.EMPTY)


def _real_lines(stdout: str) -> list[str]:
    return [ln for ln in stdout.splitlines() if ln.strip() and not NO_ENTRIES_RE.match(ln)]


def unit_missing(exit_code: int | None, stdout: str, stderr: str) -> bool:
    """``systemctl cat|status UNIT`` said the unit does not exist."""
    return exit_code not in (0, None) and bool(UNIT_MISSING_RE.search(f"{stdout}\n{stderr}"))


def unit_log_files(unit_text: str) -> list[str]:
    """Files the unit sends its output to (``StandardOutput=append:/file``), in order."""
    found: list[str] = []
    for match in UNIT_LOG_RE.finditer(unit_text):
        if match.group(1) not in found:
            found.append(match.group(1))
    return found


def listed_files(ls_output: str) -> list[str]:
    """Paths from ``ls -1d /var/log/NAME*`` output: plain log files first, rotated ones
    (``.1``, ``.gz``) never; directories are listed as ``DIR/`` and skipped."""
    paths = [ln.strip() for ln in ls_output.splitlines() if ln.strip().startswith("/")]
    return [p for p in paths if not p.endswith("/") and not re.search(r"\.(?:\d+|gz|xz|bz2)$", p)]
