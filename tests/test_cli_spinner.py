"""`shturman run` shows a spinner with elapsed time for a running command on a terminal only."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from shturman.domain.runs import RunEvent
from shturman.interfaces.cli import render, runtime
from shturman.interfaces.cli.render import Elapsed, EventPrinter

SHTURMAN = str(Path(sys.executable).parent / "shturman")


def _event(kind: str, **data: Any) -> RunEvent:
    return RunEvent("r-1", 0, datetime.now(UTC), kind, data)


def test_spinner_runs_while_a_command_runs(monkeypatch: Any) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(runtime, "err", console)
    monkeypatch.setattr(render, "err", console)
    printer = EventPrinter("en", as_json=False)
    assert printer._spinner  # a terminal
    printer.show(_event("command_started", server="vm1", command="sleep 5"))
    assert printer._status is not None
    printer.show(_event("command_finished", server="vm1", command="sleep 5", outcome="ok",
                        decision="allow", exit_code=0))
    assert printer._status is None
    printer.show(_event("command_started", server="vm1", command="sleep 5"))
    printer.close()
    assert printer._status is None
    assert "vm1: sleep 5 · " in str(Elapsed("vm1: sleep 5").__rich__())


def test_no_spinner_in_json_or_without_a_terminal(monkeypatch: Any) -> None:
    console = Console(file=io.StringIO(), force_terminal=False)
    monkeypatch.setattr(render, "err", console)
    assert not EventPrinter("en", as_json=False)._spinner
    monkeypatch.setattr(render, "err", Console(file=io.StringIO(), force_terminal=True))
    printer = EventPrinter("en", as_json=True)
    assert not printer._spinner
    printer.show(_event("command_started", server="vm1", command="sleep 5"))
    assert printer._status is None


def test_run_piped_has_no_spinner_frames(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    cfg = tmp_path / "shturman.yaml"
    cfg.write_text("servers: []\n", encoding="utf-8")
    env.update(SHTURMAN_HOME=str(tmp_path / "home"), SHTURMAN_CONFIG=str(cfg))
    for args in (["run", "-s", "local", "покажи аптайм"],
                 ["run", "--json", "-s", "local", "покажи аптайм"]):
        r = subprocess.run([SHTURMAN, *args], env=env, capture_output=True, text=True,
                           timeout=120, check=False)
        assert r.returncode == 0, r.stderr
        assert not any(frame in r.stderr + r.stdout for frame in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
        assert " s\n" not in r.stderr  # no elapsed-time line left behind
    assert json.loads(r.stdout.splitlines()[-1])["type"] == "run_finished"
