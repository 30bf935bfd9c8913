"""A run's events as the page shows them: one :class:`EventView` per stored event.

Matched exhaustively on the typed event (``domain.events``), like the terminal renderer; the
templates only lay the views out. Every field is plain text: Jinja escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal, assert_never

from shturman.domain.events import (
    ApprovalDecided,
    ApprovalRequested,
    Autocorrected,
    CommandFinished,
    CommandProposed,
    CommandStarted,
    Escalated,
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

Tone = Literal["info", "ok", "warn", "bad", "quiet"]


@dataclass(frozen=True, slots=True)
class EventView:
    seq: int
    at: str  # HH:MM:SS UTC
    kind: str
    tone: Tone
    title: str
    lines: tuple[str, ...] = ()
    stdout: str = ""
    stderr: str = ""
    diff: str = ""
    report: str = ""
    approval_id: str = ""
    status: str = ""  # run_finished: the run's final status


def view(event: RunEvent, lang: str) -> EventView:
    v = partial(EventView, event.seq, event.at.strftime("%H:%M:%S"), event.type)
    match event.payload:
        case RunStarted(text=text, mode=mode, servers=servers, route=route):
            return v(tone="info", title=t("web.ev.started", lang, text=text),
                             lines=(t("web.ev.started_detail", lang, mode=mode, route=route,
                                      servers=", ".join(servers) or "—"),))
        case PlanMade(summary=summary, steps=steps, ask=ask):
            lines = tuple(str(s.get("title") or s.get("tool") or "") for s in steps)
            if ask:
                lines += (str(ask.get("question") or ask.get("text") or ""),)
            return v(tone="info", title=t("web.ev.plan", lang),
                             lines=((summary,) if summary else ()) + lines)
        case StepStarted(id=step, title=title):
            return v(tone="quiet",
                             title=t("web.ev.step", lang, step=title or step))
        case StepFinished(id=step, ok=ok, error=error):
            return v(tone="ok" if ok else "bad",
                             title=t("web.ev.step_ok" if ok else "web.ev.step_failed", lang,
                                     step=step), lines=(error,) if error else ())
        case CommandProposed(server=server, command=command):
            return v(tone="quiet", title=f"{server}: {command}")
        case PolicyDecided(server=server, command=command, decision=decision) as d:
            reasons = (d.reasons_ru or d.reasons) if lang == "ru" else d.reasons
            tone: Tone = "quiet" if decision == "allow" else (
                "warn" if decision == "confirm" else "bad")
            return v(tone=tone, title=t("web.ev.policy", lang,
                             decision=decision, server=server, command=command),
                             lines=tuple(reasons))
        case ApprovalRequested(approval_id=approval_id, server=server, command=command) as d:
            return v(tone="warn", title=t("web.ev.approval_requested", lang,
                             server=server, command=command), lines=tuple(d.reasons),
                             diff=d.diff, approval_id=approval_id)
        case ApprovalDecided() as d:
            return v(tone="ok" if d.outcome in ("approved", "pre_approved")
                             else "warn", title=approval_line(d, lang),
                             approval_id=d.approval_id)
        case CommandStarted(server=server, command=command):
            return v(tone="info", title=f"$ {server}: {command}")
        case CommandFinished(server=server, command=command, outcome=outcome) as d:
            return v(tone="ok" if outcome == "ok" else "bad",
                             title=t("web.ev.finished", lang, server=server, command=command,
                                     outcome=outcome, code="—" if d.exit_code is None
                                     else d.exit_code),
                             lines=(d.error,) if d.error else (), stdout=d.stdout,
                             stderr=d.stderr)
        case Autocorrected(server=server, description=description, retry=retry, diff=diff):
            return v(tone="warn", title=f"↻ {server}: {description}",
                             lines=(retry,) if retry else (), diff=diff)
        case Escalated(reason=reason, report=report):
            return v(tone="bad", title=t("web.ev.escalated", lang,
                             reason=reason), report=report)
        case Verified(server=server, probe=probe, ok=ok, summary=summary):
            return v(tone="ok" if ok else "bad",
                             title=("✓ " if ok else "✗ ") + f"{server}: {probe}",
                             lines=(summary,) if summary else ())
        case HostKeyPinned(server=server, fingerprint=fingerprint):
            return v(tone="info",
                             title=t("server.pinned", lang, name=server,
                                     fingerprint=fingerprint))
        case RunFinished(status=status, verified=verified, report=report):
            return v(tone="ok" if status == "succeeded" else "bad",
                             title=t("web.ev.run_finished", lang, status=status) + (
                                 " ✓" if verified else ""), report=report, status=status)
        case Unrecognised(name=name):
            return v(tone="quiet", title=name)
        case other:
            assert_never(other)
