"""How `exec` results look: one row per server on the terminal or as a JSON line. No typer
here: the fast path (`fastpath.py`) prints a daemon's answer through this module too."""

from __future__ import annotations

import json
from typing import Any

from shturman.interfaces.cli.console import err, escape, out
from shturman.interfaces.i18n import host_detail, t


def show_pins(pinned: list[tuple[str, str]], lang: str) -> None:
    """Host keys pinned on first contact, on standard error."""
    for name, fp in pinned:
        err.print(t("server.pinned", lang, name=name, fingerprint=fp))


def finish(rows: list[dict[str, Any]], lang: str, as_json: bool) -> int:
    for row in rows:
        print_row(row, lang, as_json)
    ok = sum(row["outcome"] == "ok" for row in rows)
    if not as_json and len(rows) > 1:
        err.print(t("exec.summary", lang, ok=ok, total=len(rows)))
    if ok == len(rows):
        return 0
    # docs/cli.md: 4 = a server could not be reached or logged into (as `server test`, `run`)
    unreachable = any(row["outcome"] == "error" and "decision" not in row for row in rows)
    return 4 if unreachable else 1


def print_row(row: dict[str, Any], lang: str, as_json: bool) -> None:
    if as_json:
        shown = {k: v for k, v in row.items() if k != "reasons_ru"}
        print(json.dumps(shown, ensure_ascii=False), flush=True)
        return
    server = row["server"]
    outcome = row["outcome"]
    if outcome == "error" and row.get("exit_code") is None and "decision" not in row:
        said = host_detail(row["error"], lang)
        err.print(f"[bold]── {escape(server)}[/] [red]✗ {escape(said)}[/]")
        return
    if outcome == "blocked":
        reasons = "; ".join(row["reasons_ru"] if lang == "ru" else row["reasons"])
        err.print(f"[bold]── {escape(server)}[/] [red]{t('exec.blocked', lang)}[/]: "
                  f"{escape(reasons)}")
        return
    if outcome == "denied":
        err.print(f"[bold]── {escape(server)}[/] [yellow]{t('exec.denied', lang)}[/]: "
                  f"{escape(row['error'])}")
        return
    mark = "[green]✓[/]" if outcome == "ok" else "[red]✗[/]"
    code = row["exit_code"]
    status = f"exit {code}" if code is not None else outcome
    err.print(f"[bold]── {escape(server)}[/] {mark} {escape(status)}, {row['duration']:.2f}s")
    if row["stdout"]:
        out.print(row["stdout"].rstrip("\n"), markup=False, highlight=False)
    if row["stderr"]:
        err.print(row["stderr"].rstrip("\n"), markup=False, highlight=False)
    if row["error"] and outcome != "ok":
        err.print(f"[red]{escape(row['error'])}[/]")
