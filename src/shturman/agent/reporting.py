"""What happened in a run, and the report the user reads (templated, in their language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shturman.agent.execution import ActionOutcome
from shturman.agent.intents import Ask, AskKind, Understanding
from shturman.agent.plan import Action
from shturman.agent.templates import render
from shturman.domain.errors import ShturmanError
from shturman.domain.models import RunMode, RunStatus
from shturman.domain.texts import say
from shturman.tools import ToolResult

if TYPE_CHECKING:
    from shturman.agent.loop import Outcome, Planner, Task



@dataclass
class Report:
    lang: str
    task: str
    outcomes: list[ActionOutcome] = field(default_factory=list)
    verifications: list[tuple[str, str, bool]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    remedies: list[str] = field(default_factory=list)
    explicit: bool = False  # the user wrote the command out (intent run_command)
    unprovable: list[str] = field(default_factory=list)  # changes no probe can confirm

    def text(self, key: str, **values: Any) -> str:
        return say(f"report.{key}", self.lang, **values)

    # --- recording ------------------------------------------------------------------
    def add(self, outcome: ActionOutcome) -> None:
        self.outcomes.append(outcome)
        if outcome.repair is not None:
            self.remedies.extend(outcome.repair.remedies)

    def refuse(self, action: Action, why: str, result: ToolResult | None = None) -> None:
        commands = result.commands if result else ()
        reasons = [r for c in commands for r in c.why(self.lang)]
        if result is not None and result.blocked:
            why = self.text("blocked")
        elif result is not None and result.refused:
            why = self.text("denied")
        self.refused.append(f"{action.describe()} — {why}"
                            + (f": {'; '.join(reasons)}" if reasons else ""))

    def verify(self, probe: Action, summary: str, ok: bool) -> None:
        self.verifications.append((probe.describe(), summary, ok))

    # --- judging --------------------------------------------------------------------
    @property
    def changed(self) -> bool:
        return any(o.changed for o in self.outcomes)

    @property
    def verified(self) -> bool:
        return bool(self.verifications) and all(ok for _p, _s, ok in self.verifications)

    def status(self, mode: RunMode) -> RunStatus:
        if self.failed_steps and mode is not RunMode.DRY_RUN:
            return RunStatus.FAILED
        if self.unprovable and all(ok for _p, _s, ok in self.verifications):
            return RunStatus.ESCALATED  # it ran; whether it did what was meant, nobody proved
        if self.changed and not self.verified:
            return RunStatus.FAILED
        if mode is RunMode.DRY_RUN and any("blocked" in r for r in self.refused):
            return RunStatus.FAILED
        return RunStatus.SUCCEEDED

    # --- texts ----------------------------------------------------------------------
    def unknown_servers(self, names: str, known: list[str]) -> str:
        return self.text("unknown", names=names, known=", ".join(known))

    def question(self, ask: Ask) -> str:
        key = "ask_service" if ask.what is AskKind.SERVICE else "ask_servers"
        part = next((w for w in self.task.split() if any(
            w.lower() in c for c in ask.candidates)), "")
        return self.text(key, part=part, candidates=", ".join(ask.candidates))

    def nothing_to_do(self) -> str:
        return self.text("nothing")

    def no_model(self) -> str:
        return self.text("no_model")

    def limit_reached(self, why: str) -> str:
        return self.text("limit", why=why) + "\n" + self.plain_text()

    def model_failed(self, why: str) -> str:
        return self.text("model_failed", why=why) + "\n" + self.plain_text()

    def escalation(self, error_report: str) -> str:
        return self.text("escalated", report=error_report)

    def intent_text(self, u: Understanding) -> str:
        if u.intent is None:
            return self.plain_text()
        results = []
        for o in self.outcomes:
            r = o.result
            detail = (_repair_detail(o, self.lang) if o.repair is not None
                      else _detail(r, self.lang))
            results.append({"ok": r.ok, "server": r.server, "summary": r.summary,
                            "detail": detail})
        args = ", ".join(f"{k}={v}" for k, v in u.args.as_json().items())
        notes = [self.text("unprovable", what="; ".join(self.unprovable))] if self.unprovable \
            else []
        return render("report_intent.j2", lang=self.lang, intent=u.intent.value, args=args,
                      title=say(f"intent.{u.intent.value}", self.lang),
                      notes=notes,
                      servers=list(u.servers), results=results, remedies=self.remedies,
                      changed=self.changed, verified=self.verified,
                      verification="; ".join(s for _p, s, ok in self.verifications if ok),
                      refused=self.refused)

    def plain_text(self) -> str:
        lines = [f"{'✓' if o.ok else '✗'} {o.action.describe()} — {o.result.summary}"
                 for o in self.outcomes]
        lines += [f"{'✓' if ok else '✗'} {p}: {s}" for p, s, ok in self.verifications]
        lines += [f"⛔ {r}" for r in self.refused]
        return "\n".join(lines)

    def error_report(self) -> str:
        lines = [f"Failed steps: {', '.join(self.failed_steps)}"]
        for o in self.outcomes:
            if o.ok:
                continue
            for action, result in o.attempts:
                lines.append(f"- {action.describe()}: {result.summary}")
                lines.append(_frame(result.output(limit=1500)))
        lines += [f"- refused: {r}" for r in self.refused]
        lines += [f"- verification failed: {p}: {s}" for p, s, ok in self.verifications
                  if not ok]
        return "\n".join(lines)

    def commands(self) -> tuple[str, ...]:
        return tuple(c.command for o in self.outcomes for _a, r in o.attempts
                     for c in r.commands if c.outcome not in ("blocked", "denied"))

    # --- finishing ------------------------------------------------------------------
    def finish(self, status: RunStatus, u: Understanding, servers: tuple[str, ...],
               body: str) -> Outcome:
        from shturman.agent.loop import Outcome

        verified = self.changed and self.verified
        head = self.text("status", status=status.value, verified=self.text(
            "verified") if verified else self.text("not_verified") if self.changed else "")
        return Outcome(status, u.route.value, u.intent.value if u.intent else None, servers,
                       f"{body}\n{head}".strip(), verified, self.changed, self.commands())

    async def finalize(self, outcome: Outcome, planner: Planner, task: Task) -> Outcome:
        """Let the model word the report; the status line stays the code's."""
        try:
            words = await planner.report({
                "task": task.text, "status": outcome.status.value,
                "verification": "; ".join(f"{p}: {s} ({'ok' if ok else 'FAILED'})"
                                          for p, s, ok in self.verifications) or "none",
                "actions": [f"{o.action.describe()} → {o.result.summary}"
                            for o in self.outcomes],
                "lang": self.lang,
            })
        except ShturmanError:
            return outcome
        status_line = outcome.report.rsplit("\n", 1)[-1]
        outcome.report = f"{words.strip()}\n\n{self.plain_text()}\n{status_line}"
        return outcome


def _repair_detail(outcome: ActionOutcome, lang: str) -> str:
    """For a repair: the state before and the error the logs gave, not every raw output."""
    repair = outcome.repair
    assert repair is not None
    ru = lang == "ru"
    lines = []
    before = next((r for r in repair.results if r.tool == "check_service"), None)
    if before is not None:
        state = before.data.get("state", "?")
        lines.append(f"{'было' if ru else 'before'}: {state}")
    logs = next((r for r in repair.results if r.tool == "read_logs"), None)
    if logs is not None:
        if logs.data.get("journal"):  # the journal could not say: why, and what was read
            lines.append(f"{'логи' if ru else 'logs'}: {logs.summary}")
        reason = _error_line(service_lines(logs))
        if reason:
            lines.append(f"{'в логах' if ru else 'logs say'}: {reason}")
    return "\n".join("  " + line for line in lines)


def service_lines(logs: ToolResult) -> str:
    """The service's own log lines: what the log commands printed, never their errors or a
    tool's traceback (systemctl3.py failing is not the service failing)."""
    from shturman.hosts.journal import has_tool_traceback

    texts = [c.stdout for c in logs.commands if c.outcome == "ok" and c.stdout.strip()]
    return "\n".join(t for t in texts if not has_tool_traceback(t))


def _error_line(text: str) -> str:
    import re

    pattern = re.compile(r"error|exception|failed|denied|refused|no such|not found|no space|"
                         r"in use|invalid|unexpected|cannot|can't", re.IGNORECASE)
    hits = [line.strip() for line in text.splitlines()
            if pattern.search(line) and not line.startswith("$ ")]
    return hits[-1][:200] if hits else ""


def _detail(result: ToolResult, lang: str) -> str:
    from shturman.domain.texts import half

    text = "\n".join(c.stdout.rstrip("\n") for c in result.commands if c.stdout.strip())
    # a refusal is said in the report's own "not done" section, in the user's language; a
    # connection error raised as "English / Русский" is quoted in that language only
    errors = [half(c.error, lang) for c in result.commands
              if c.error and not c.stdout.strip() and not c.refused]
    text = "\n".join([text, *errors]).strip("\n")  # "connection refused" says what happened
    lines = text.splitlines()
    if len(lines) > 25:
        lines = [*lines[:12], "…", *lines[-12:]]
    return "\n".join("  " + line for line in lines)


def _frame(text: str) -> str:
    from shturman.policy.redaction import frame_untrusted

    return frame_untrusted("command output", text)
