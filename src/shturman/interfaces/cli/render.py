"""Live terminal rendering of a run's event stream (or JSON lines)."""

from __future__ import annotations

import json
from typing import Any

from shturman.interfaces.cli.runtime import err, out


class EventPrinter:
    def __init__(self, lang: str, as_json: bool) -> None:
        self._lang = lang
        self._json = as_json

    def show(self, event: Any) -> None:
        if self._json:
            print(json.dumps(event.as_json(), ensure_ascii=False), flush=True)
            return
        d = event.data
        kind = event.type
        if kind == "run_started":
            err.print(f"[bold]▶[/] {d['text']}  [dim]({d['mode']}; "
                      f"{', '.join(d['servers']) or '-'}; {d['route']})[/]")
        elif kind == "plan":
            if d.get("summary"):
                err.print(f"[bold]План/plan:[/] {d['summary']}")
            for step in d.get("steps", []):
                err.print(f"  • {step['title']}")
        elif kind == "policy_decision" and d["decision"] != "allow":
            color = "red" if d["decision"] == "block" else "yellow"
            reasons = d.get("reasons_ru", d["reasons"]) if self._lang == "ru" else d["reasons"]
            err.print(f"    [{color}]{d['decision']}[/] {d['server']}: ", end="")
            err.print(d["command"].splitlines()[0], markup=False, highlight=False, end=" ")
            err.print(f"[dim]({'; '.join(reasons)})[/]")
        elif kind == "approval_decided":
            err.print(f"    [dim]approval: {d['outcome']} ({d['approver']})"
                      f"{' — ' + d['note'] if d.get('note') else ''}[/]")
        elif kind == "command_started":
            err.print(f"    [dim]$ {d['server']}: [/]", end="")
            err.print(d["command"].splitlines()[0], markup=False, highlight=False, style="dim")
        elif kind == "command_finished" and d["outcome"] not in ("ok", "blocked", "denied") and (
                d.get("decision") != "allow" or d["outcome"] != "failed"):
            tail = (d.get("stderr") or d.get("error") or "").strip().splitlines()[-3:]
            err.print(f"      [red]{d['outcome']} (exit {d['exit_code']})[/] "
                      f"[dim]{' | '.join(tail)}[/]")
        elif kind == "autocorrection":
            err.print(f"  [cyan]↻ {d['description']}[/]")
        elif kind == "verification":
            mark = "[green]✓[/]" if d["ok"] else "[red]✗[/]"
            err.print(f"  {mark} {d['probe']}: {d['summary']}")
        elif kind == "escalated":
            err.print(f"[bold red]⚠ {d['reason']}[/]")
        elif kind == "run_finished":
            out.print(d["report"], markup=False, highlight=False)
