"""Processes for the cross-process tests: a run waiting in the approval inbox (`Waiter`),
and the `shturman` CLI, both on the same SHTURMAN_HOME and database (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SHTURMAN = str(Path(sys.executable).parent / "shturman")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Env:
    vars: dict[str, str]

    def sh(self, *args: str, stdin: str | None = None, timeout: float = 60,
           **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SHTURMAN, *args], env={**self.vars, **extra}, input=stdin,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def json(self, *args: str) -> Any:
        r = self.sh(*args)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def waiter(self, command: str, **extra: str) -> Waiter:
        return Waiter(subprocess.Popen(
            [sys.executable, "-m", "tests.daemon.waiter", command], cwd=ROOT,
            env={**self.vars, **extra}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True))


@dataclass
class Waiter:
    """A process running one task; its events arrive as JSON lines on stdout."""

    proc: subprocess.Popen[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        def pump() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self._lines.put(line)
            self._lines.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def until(self, kind: str, timeout: float = 60) -> dict[str, Any]:
        """Read events until one of ``kind`` (returned)."""
        for seen in self.events:
            if seen["type"] == kind:
                return seen
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {kind} event within {timeout} s: {self.events}"
                                     ) from None
            if line is None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"the process ended before {kind}: {self.events} {err}")
            event = json.loads(line)
            self.events.append(event)
            if event["type"] == kind:
                return event

    def finish(self, timeout: float = 60) -> int:
        self.until("run_finished", timeout)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def env(home: Path, db_url: str) -> Iterator[Env]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    base.update(SHTURMAN_HOME=str(home), SHTURMAN_DATABASE_URL=db_url,
                PYTHONPATH=str(ROOT))
    ready = Env(base)
    # migrate once up front: two processes starting on a fresh database both migrate
    migrated = ready.sh("user", "list", "--json")
    assert migrated.returncode == 0, migrated.stderr
    yield ready
