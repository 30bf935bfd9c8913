"""Live terminal rendering of a run's event stream (or JSON lines).

Everything that comes from a user, a server or a model is escaped before Rich sees it, so text
like `[/nginx]` is shown as typed instead of being read as markup.
"""

from __future__ import annotations

import json
import time
from typing import Any, assert_never

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
from shturman.domain.texts import CATALOGUE
from shturman.interfaces.cli.runtime import err, escape, out
from shturman.interfaces.i18n import approval_line, host_detail, t


def _e(value: Any) -> str:
    return escape(str(value))


class Elapsed:
    """A status line that shows how long it has been running, re-rendered on every refresh."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()

    def __rich__(self) -> Any:
        from rich.text import Text

        return Text(f"{self.label} · {time.monotonic() - self.started:.0f} s", style="dim")


class EventPrinter:
    """Prints a run's events. On a terminal (never with --json or when stderr is not a tty), a
    running command shows a spinner with its elapsed time until its next event."""

    def __init__(self, lang: str, as_json: bool, spinner: bool | None = None) -> None:
        self._lang = lang
        self._json = as_json
        self._spinner = (not as_json and bool(err.is_terminal)) if spinner is None else spinner
        self._status: Any = None

    def show(self, event: Any) -> None:
        if self._json:
            print(json.dumps(event.as_json(), ensure_ascii=False), flush=True)
            return
        self._stop_spinner()
        self._print(event)
        if self._spinner and isinstance(d := event.payload, CommandStarted):
            self._status = err.status(Elapsed(f"{d.server}: {d.command.splitlines()[0]}"),
                                      spinner="dots")
            self._status.start()

    def close(self) -> None:
        self._stop_spinner()

    def _stop_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _print(self, event: Any) -> None:
        lang = self._lang
        match event.payload:
            case RunStarted(text=text, mode=mode, servers=servers, route=route):
                err.print(f"[bold]▶[/] {_e(text)}  [dim]({_e(mode)}; "
                          f"{_e(', '.join(servers) or '-')}; {_e(route)})[/]")
            case PlanMade(summary=summary, steps=steps):
                if summary:
                    err.print(f"[bold]{t('run.plan', lang)}:[/] {_e(summary)}")
                for step in steps:
                    err.print(f"  • {_e(step.get('title', ''))}")
            case PolicyDecided(decision=decision) as d if decision != "allow":
                color = "red" if decision == "block" else "yellow"
                reasons = d.reasons_ru or d.reasons if lang == "ru" else d.reasons
                err.print(f"    [{color}]{_e(decision)}[/] {_e(d.server)}: "
                          f"{_e(d.command.splitlines()[0])} [dim]({_e('; '.join(reasons))})[/]")
            case ApprovalDecided() as d:
                err.print(f"    [dim]{_e(approval_line(d, lang))}[/]")
            case CommandStarted(server=server, command=command):
                err.print(f"    [dim]$ {_e(server)}: {_e(command.splitlines()[0])}[/]")
            case CommandFinished(outcome=outcome) as d if outcome not in (
                    "ok", "blocked", "denied") and (d.decision != "allow" or outcome != "failed"):
                tail = (d.stderr or host_detail(d.error, lang)).strip().splitlines()[-3:]
                key = f"outcome.{outcome}"
                said = t(key, lang) if key in CATALOGUE else outcome
                code = f" (exit {d.exit_code})" if d.exit_code is not None else ""
                err.print(f"      [red]{_e(said)}{_e(code)}[/] [dim]{_e(' | '.join(tail))}[/]")
            case Autocorrected(description=description):
                err.print(f"  [cyan]↻ {_e(description)}[/]")
            case Verified(ok=ok, probe=probe, summary=summary):
                mark = "[green]✓[/]" if ok else "[red]✗[/]"
                err.print(f"  {mark} {_e(probe)}: {_e(summary)}")
            case Escalated(reason=reason):
                err.print(f"[bold red]⚠ {_e(reason)}[/]")
            case HostKeyPinned(server=server, fingerprint=fingerprint):
                err.print(t("server.pinned", lang, name=server, fingerprint=fingerprint),
                          markup=False)
            case RunFinished(report=report):
                out.print(report, markup=False, highlight=False)
            case (StepStarted() | StepFinished() | CommandProposed() | ApprovalRequested()
                  | PolicyDecided() | CommandFinished() | Unrecognised()):
                pass  # shown through the events around them (or not at all)
            case other:
                assert_never(other)
