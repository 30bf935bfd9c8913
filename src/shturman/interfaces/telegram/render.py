"""A run's events as lines of ONE Telegram message (HTML), one function per event kind.

Each function takes its typed event (``domain.events``) and returns the lines it adds (escaped: text
from a user, a server or a model is never read as markup). :class:`ProgressView` puts them
together within Telegram's 4096-character limit: the head (request, plan) and the newest
lines are kept, the middle is elided, the final report goes last.
"""

from __future__ import annotations

import html
from typing import assert_never

from shturman.domain.events import (
    ApprovalDecided,
    ApprovalRequested,
    Autocorrected,
    CommandFinished,
    CommandProposed,
    CommandStarted,
    Escalated,
    Event,
    HostKeyPinned,
    PlanMade,
    PolicyDecided,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    Unrecognised,
    Verified,
)
from shturman.domain.runs import RunEvent
from shturman.interfaces.i18n import approval_line, t

Lines = list[str]

LIMIT = 4096  # Telegram's maximum message length
_OUTPUT_LINES = 3  # lines of a command's output shown under it
_SHOWN_OUTPUT = 400  # characters of output shown under a command
_FILE_OVER = (1500, 25)  # an output longer than this (characters, lines) → the run's file


def e(value: object) -> str:
    return html.escape(str(value), quote=False)


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 2] + " …"


def first_line(command: object, width: int = 120) -> str:
    lines = str(command).splitlines() or [""]
    text = lines[0] + (" …" if len(lines) > 1 else "")
    return text if len(text) <= width else text[: width - 1] + "…"


def run_started(ev: RunStarted, lang: str) -> Lines:
    servers = ", ".join(ev.servers) or "—"
    return [f"▶ <b>{e(clip(ev.text, 300))}</b>",
            f"<i>{e(t('tg.progress.started', lang, mode=ev.mode, servers=servers))}</i>"]


def plan(ev: PlanMade, lang: str) -> Lines:
    lines = []
    if ev.summary:
        lines.append(f"<b>{e(t('run.plan', lang))}:</b> {e(clip(ev.summary, 600))}")
    if ev.ask and ev.ask.get("question"):
        lines.append(f"❓ {e(ev.ask['question'])}")
    return lines


def step_started(ev: StepStarted, lang: str) -> Lines:
    return [f"• <b>{e(ev.title)}</b>"] if ev.title else []


def step_finished(ev: StepFinished, lang: str) -> Lines:
    return [] if ev.ok else [f"✗ {e(ev.error or t('tg.progress.step_failed', lang))}"]


def policy_decision(ev: PolicyDecided, lang: str) -> Lines:
    if ev.decision == "allow":
        return []
    mark = "⛔" if ev.decision == "block" else "⚠"
    word = t(f"tg.decision.{ev.decision}", lang) if ev.decision in ("block", "confirm") \
        else ev.decision
    reasons = (ev.reasons_ru or ev.reasons) if lang == "ru" else ev.reasons
    return [f"{mark} {e(word)} · {e(ev.server)}: <code>{e(first_line(ev.command))}</code>",
            f"   <i>{e('; '.join(reasons))}</i>"]


def approval_requested(ev: ApprovalRequested, lang: str) -> Lines:
    return [f"⏳ {e(t('tg.progress.waiting_approval', lang, id=ev.approval_id))}"]


def approval_decided(ev: ApprovalDecided, lang: str) -> Lines:
    return [f"   <i>{e(approval_line(ev, lang))}</i>"]


def command_finished(ev: CommandFinished, lang: str) -> Lines:
    mark = "✓" if ev.outcome == "ok" else "✗"
    status = ev.outcome if ev.exit_code is None or ev.outcome == "ok" else (
        f"{ev.outcome}, exit {ev.exit_code}")
    lines = [f"{mark} {e(ev.server)}: <code>{e(first_line(ev.command))}</code> → {e(status)}"]
    text = ev.stdout if ev.outcome == "ok" else (ev.stderr or ev.error or ev.stdout)
    tail = [line for line in text.strip().splitlines() if line.strip()][-_OUTPUT_LINES:]
    if tail:
        shown = "\n".join(line[:160] for line in tail)[-_SHOWN_OUTPUT:]
        lines.append(f"<pre>{e(shown)}</pre>")
    return lines


def autocorrection(ev: Autocorrected, lang: str) -> Lines:
    retry = f" → <code>{e(first_line(ev.retry))}</code>" if ev.retry else ""
    return [f"↻ {e(ev.description)}{retry}"]


def escalated(ev: Escalated, lang: str) -> Lines:
    return [f"⚠ <b>{e(t('tg.progress.escalated', lang))}</b>: {e(ev.reason)}"]


def verification(ev: Verified, lang: str) -> Lines:
    mark = "✅" if ev.ok else "❌"
    return [f"{mark} {e(t('tg.progress.verified', lang))} {e(ev.probe)}: {e(ev.summary)}"]


def host_key_pinned(ev: HostKeyPinned, lang: str) -> Lines:
    return [f"🔑 {e(t('server.pinned', lang, name=ev.server, fingerprint=ev.fingerprint))}"]


def run_finished(ev: RunFinished, lang: str) -> Lines:
    return [status_line(ev.status, ev.verified, ev.changed, lang)]


def status_line(status: str, verified: bool, changed: bool, lang: str) -> str:
    mark = {"succeeded": "✅", "failed": "❌", "escalated": "⚠", "cancelled": "⏹",
            "interrupted": "⏹"}.get(status, "•")
    key = f"tg.run_status.{status}"
    word = t(key, lang) if key in _STATUS_KEYS else status
    extra = f" · {t('tg.run_status.verified', lang)}" if verified and changed else ""
    return f"{mark} <b>{e(word)}</b>{e(extra)}"


_STATUS_KEYS = {f"tg.run_status.{s}" for s in ("succeeded", "failed", "escalated", "cancelled",
                                               "interrupted", "running", "queued")}


def lines_of(ev: Event | Unrecognised, lang: str) -> Lines:
    """The lines one event adds to the progress message."""
    match ev:
        case RunStarted():
            return run_started(ev, lang)
        case PlanMade():
            return plan(ev, lang)
        case StepStarted():
            return step_started(ev, lang)
        case StepFinished():
            return step_finished(ev, lang)
        case PolicyDecided():
            return policy_decision(ev, lang)
        case ApprovalRequested():
            return approval_requested(ev, lang)
        case ApprovalDecided():
            return approval_decided(ev, lang)
        case CommandFinished():
            return command_finished(ev, lang)
        case Autocorrected():
            return autocorrection(ev, lang)
        case Escalated():
            return escalated(ev, lang)
        case Verified():
            return verification(ev, lang)
        case HostKeyPinned():
            return host_key_pinned(ev, lang)
        case RunFinished():
            return run_finished(ev, lang)
        case CommandProposed() | CommandStarted() | Unrecognised():
            return []  # a started command is the current activity (ProgressView.add)
        case _:
            assert_never(ev)


class ProgressView:
    """The text of one run's progress message, rebuilt from the events seen so far."""

    def __init__(self, lang: str, title: str) -> None:
        self.lang = lang
        self.head: Lines = [title]
        self.body: Lines = []
        self.activity = ""
        self.report = ""
        self.outputs: list[str] = []  # every command with its output (for the file)
        self.elided_output = False
        self._started = False

    def add(self, event: RunEvent) -> None:
        ev = event.payload
        match ev:
            case RunStarted() if not self._started:
                self._started = True
                self.head = run_started(ev, self.lang)
                self.activity = ""
                return
            case PlanMade() if not self.body:
                self.head.extend(plan(ev, self.lang))
                return
            case CommandStarted():
                command = e(first_line(ev.command))
                self.activity = f"⏳ {e(ev.server)}: <code>{command}</code>"
            case CommandFinished():
                self.activity = ""
                self._keep_output(ev)
            case RunFinished():
                self.activity = ""
                self.report = ev.report
        self.body.extend(lines_of(ev, self.lang))

    def waiting(self, key: str, **values: object) -> None:
        """Before the run starts: queued, starting …"""
        self.activity = f"⏳ {e(t(key, self.lang, **values))}"

    def stopped(self, key: str, **values: object) -> None:
        """It ended without `run_finished` (cancelled, failed before it began …)."""
        self.activity = ""
        self.body.append(f"⏹ {e(t(key, self.lang, **values))}")

    def _keep_output(self, ev: CommandFinished) -> None:
        err = ev.stderr or ev.error
        self.outputs.append(f"$ {ev.server}: {ev.command}\n[{ev.outcome}, exit {ev.exit_code}]\n"
                            f"{ev.stdout}" + (f"\n--- stderr ---\n{err}" if err else ""))
        chars, lines = _FILE_OVER
        if len(ev.stdout) > chars or len(ev.stdout.strip().splitlines()) > lines:
            self.elided_output = True

    def text(self) -> str:
        """The message: head, as many of the newest lines as fit, activity, report."""
        report = clip(self.report, 1800)
        tail = [self.activity] if self.activity else []
        if report:
            tail.append(e(report))
        fixed = "\n".join(self.head + tail)
        room = LIMIT - len(fixed) - 40
        body: Lines = []
        used = 0
        for line in reversed(self.body):
            if used + len(line) + 1 > room:
                body.insert(0, "…")
                break
            body.insert(0, line)
            used += len(line) + 1
        text = "\n".join(self.head + body + tail)
        if len(text) > LIMIT:  # a very long head: keep the request line and the end
            text = "\n".join([self.head[0], "…", *tail])
        return text

    def output_file(self) -> str:
        return "\n\n".join(self.outputs)
