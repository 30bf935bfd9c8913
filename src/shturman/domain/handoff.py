"""The wire between the CLI and a running `shturman serve`: where the socket is and how big a
line may be. Newline-delimited JSON over a Unix socket in SHTURMAN_HOME (mode 0600).

Client → daemon, one request line: ``{"op": "exec"|"run"|"plan", "lang": "ru"|"en", …}``.
Daemon → client, then, one or more lines, each ``{"type": …}``:

- ``results`` (exec: ``rows``, ``pinned``) or ``decided`` (plan: ``answers``): the answer, last;
- ``event`` (run: one run event, as ``RunEvent.as_json``), ``pinned`` (a host key pinned now);
- ``approval`` (run: a command needs a person; the client answers with one line
  ``{"id", "outcome": "approved"|"denied"|…}``); ``finished`` (run: the last line);
- ``fallback``: the daemon will not do this one (it needs a person's answer before anything
  runs): the client does the work in-process; ``error``: ``message`` (a sentence) and ``code``.

A client that disconnects mid-request cancels it (commands are interrupted and recorded so).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the exec hand-off needs only the socket's path: keep its import light
    from shturman.domain.approval import ApprovalRequest
    from shturman.domain.runs import RunEvent

SOCKET_NAME = "shturman.sock"
LINE_LIMIT = 64 * 1024 * 1024  # a reply line carries capped outputs of many servers


def socket_path(home: Path | str) -> Path:
    return Path(home) / SOCKET_NAME


def event_to_wire(event: RunEvent) -> dict[str, Any]:
    return {"run_id": event.run_id, "seq": event.seq, "at": event.at.isoformat(),
            "type": event.type, "data": event.data}


def event_from_wire(data: dict[str, Any]) -> RunEvent:
    from datetime import datetime

    from shturman.domain.runs import RunEvent

    return RunEvent(str(data["run_id"]), int(data["seq"]), datetime.fromisoformat(data["at"]),
                    str(data["type"]), dict(data.get("data") or {}))


def approval_to_wire(request: ApprovalRequest) -> dict[str, Any]:
    """What a person is asked to approve, with every reason (both languages)."""
    v = request.verdict
    return {
        "server": request.server, "command": request.command, "actor": request.actor,
        "run_id": request.run_id, "diff": request.diff, "decision": v.decision.value,
        "approval_id": request.approval_id,
        "commands": list(v.commands),
        "reasons": [{"rule_id": r.rule_id, "decision": r.decision.value, "en": r.en, "ru": r.ru,
                     "command": r.command, "autonomy": r.autonomy.value} for r in v.reasons],
    }


def approval_from_wire(data: dict[str, Any]) -> ApprovalRequest:
    from dataclasses import replace

    from shturman.domain.approval import ApprovalRequest
    from shturman.domain.models import Decision
    from shturman.domain.verdict import Autonomy, Reason, Verdict

    reasons = tuple(Reason(str(r["rule_id"]), Decision(r["decision"]), str(r["en"]),
                           str(r["ru"]), str(r.get("command", "")),
                           Autonomy(r.get("autonomy", Autonomy.HUMAN.value)))
                    for r in data.get("reasons", []))
    command = str(data["command"])
    verdict = Verdict(Decision(data["decision"]), reasons,
                      tuple(str(c) for c in data.get("commands", [])), command)
    request = ApprovalRequest(str(data["server"]), command, verdict, str(data.get("actor", "")),
                              data.get("run_id"), str(data.get("diff", "")))
    if data.get("approval_id"):
        request = replace(request, approval_id=str(data["approval_id"]))
    return request
