"""Live terminal rendering of a run's event stream (or JSON lines).

Everything that comes from a user, a server or a model is escaped before Rich sees it, so text
like `[/nginx]` is shown as typed instead of being read as markup.
"""

from __future__ import annotations

import json
import time
from typing import Any

from shturman.interfaces.cli.runtime import err, escape, out
from shturman.interfaces.i18n import approval_line, t


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
        if self._spinner and event.type == "command_started":
            d = event.data
            self._status = err.status(Elapsed(f"{d['server']}: {d['command'].splitlines()[0]}"),
                                      spinner="dots")
            self._status.start()

    def close(self) -> None:
        self._stop_spinner()

    def _stop_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _print(self, event: Any) -> None:
        d = event.data
        kind = event.type
        if kind == "run_started":
            err.print(f"[bold]▶[/] {_e(d['text'])}  [dim]({_e(d['mode'])}; "
                      f"{_e(', '.join(d['servers']) or '-')}; {_e(d['route'])})[/]")
        elif kind == "plan":
            if d.get("summary"):
                err.print(f"[bold]{t('run.plan', self._lang)}:[/] {_e(d['summary'])}")
            for step in d.get("steps", []):
                err.print(f"  • {_e(step['title'])}")
        elif kind == "policy_decision" and d["decision"] != "allow":
            color = "red" if d["decision"] == "block" else "yellow"
            reasons = d.get("reasons_ru", d["reasons"]) if self._lang == "ru" else d["reasons"]
            err.print(f"    [{color}]{_e(d['decision'])}[/] {_e(d['server'])}: "
                      f"{_e(d['command'].splitlines()[0])} [dim]({_e('; '.join(reasons))})[/]")
        elif kind == "approval_decided":
            err.print(f"    [dim]{_e(approval_line(d, self._lang))}[/]")
        elif kind == "command_started":
            err.print(f"    [dim]$ {_e(d['server'])}: {_e(d['command'].splitlines()[0])}[/]")
        elif kind == "command_finished" and d["outcome"] not in ("ok", "blocked", "denied") and (
                d.get("decision") != "allow" or d["outcome"] != "failed"):
            tail = (d.get("stderr") or d.get("error") or "").strip().splitlines()[-3:]
            err.print(f"      [red]{_e(d['outcome'])} (exit {_e(d['exit_code'])})[/] "
                      f"[dim]{_e(' | '.join(tail))}[/]")
        elif kind == "autocorrection":
            err.print(f"  [cyan]↻ {_e(d['description'])}[/]")
        elif kind == "verification":
            mark = "[green]✓[/]" if d["ok"] else "[red]✗[/]"
            err.print(f"  {mark} {_e(d['probe'])}: {_e(d['summary'])}")
        elif kind == "escalated":
            err.print(f"[bold red]⚠ {_e(d['reason'])}[/]")
        elif kind == "run_finished":
            out.print(d["report"], markup=False, highlight=False)
