"""The repair runbook finds causes on a host laid out unlike the scenario lab.

The service here is ``ledger-svc``: its program lives under ``~/opt/ledger/bin``, its port is
named only in ``~/opt/ledger/etc/ledger.ini`` (never in the unit), its previous config is
``ledger.ini~`` (an editor's backup, not ``.bak``). Faults: an orphan copy of the same program
holding the port outside the unit, a broken config line, and a failure no remedy knows (an
expired licence) — which must fail plainly and change nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from shturman.agent.execution import ActionRunner, IterationBudget
from shturman.agent.plan import Action
from shturman.domain.events import Event, as_data, kind_of
from shturman.domain.models import Actor, RunMode
from shturman.tools import ToolContext
from tests.hostlab import faults, units
from tests.hostlab.lab import SYSTEM_PYTHON, HostLab, HostLabError, TestHost, free_port

ACTOR = Actor("test", "op")
UNIT = "ledger-svc"
APP = Path(__file__).with_name("ledger_app.py")


class Ledger:
    def __init__(self, host: TestHost) -> None:
        self.host = host
        self.root = host.home / "opt/ledger"
        self.program = self.root / "bin/ledger_app.py"
        self.config = self.root / "etc/ledger.ini"
        self.licence = self.root / "etc/licence.txt"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.good = f"[http]\nport = {self.port}\n\n[app]\nlicence = {self.licence}\n"

    def install(self) -> None:
        for d in (self.root / "bin", self.root / "etc"):
            d.mkdir(parents=True, exist_ok=True)
        for p in (self.root, self.root / "bin", self.root / "etc"):
            _own(self.host, p)
        self.program.write_text(APP.read_text())
        self.config.write_text(self.good)
        self.licence.write_text("valid until 2099-12-31\n")
        for p in (self.program, self.config, self.licence):
            _own(self.host, p)
        units.install_unit(self.host, UNIT, f"""
            [Unit]
            Description=ledger (runbook-cause tests)

            [Service]
            Type=simple
            ExecStart={SYSTEM_PYTHON} {self.program} {self.config}
            Restart=no
            """)

    def start_healthy(self) -> None:
        res = self.host.systemctl("start", UNIT)
        assert faults.wait_until(lambda: faults.http_ok(self.url), timeout=10), (
            res.stdout, res.stderr, self.journal())

    def journal(self) -> str:
        path = self.host.journal_path(UNIT)
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        self.host.systemctl("stop", UNIT)
        faults.wait_until(lambda: not faults.port_open(self.port), timeout=10)


def _start_by_hand(app: Ledger) -> subprocess.Popen[bytes]:
    """The same program with the same arguments, started outside the unit (an orphan)."""
    host = app.host
    return subprocess.Popen(
        [str(SYSTEM_PYTHON), str(app.program), str(app.config)], user=host.uid,
        group=host.gid, extra_groups=[], env=host.env(), cwd=host.home,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _own(host: TestHost, path: Path) -> None:
    os.chown(path, host.uid, host.gid)


@pytest.fixture(scope="module")
def hostlab() -> Iterator[HostLab]:
    """A lab of its own (host ``box1``, user ``shcause1``): no other test shares its user."""
    base = Path(tempfile.mkdtemp(prefix="shturman-causes-", dir="/tmp"))
    lab = HostLab(base, 1, name_prefix="box", user_prefix="shcause")
    try:
        lab.start()
    except HostLabError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"host lab cannot start: {exc}", pytrace=False)
    yield lab
    lab.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def ledger(hostlab: HostLab) -> Iterator[Ledger]:
    app = Ledger(hostlab.hosts[0])
    app.install()
    yield app
    app.stop()


@dataclass
class Repaired:
    status: str
    verified: bool
    summary: str


async def _repair(make_container: Any, lab: HostLab, host: TestHost
                  ) -> tuple[Any, list[Any], Repaired]:
    """What the loop runs for `service_repair`: the repair action through the ActionRunner,
    on the real guarded executor in autonomous mode (the intent engine is tested elsewhere)."""
    c = await make_container(lab)
    events: list[Any] = []

    async def emit(event: Event) -> None:
        events.append(SimpleNamespace(type=kind_of(event), data=as_data(event)))

    ctx = ToolContext(c.guarded, {s.name: s for s in await c.inventory.all()}, ACTOR,
                      RunMode.AUTONOMOUS, None, None, emit, 60.0, lang="en")
    runner = ActionRunner(ctx, emit, IterationBudget(50, time.monotonic() + 300,
                                                     time.monotonic), 3)
    outcome = await runner.run(Action(tool="repair_service", server=host.name,
                                      args={"service": UNIT}), "repair")
    verified = bool(outcome.repair and outcome.repair.verified)
    status = "succeeded" if outcome.ok and verified else "failed"
    return c, events, Repaired(status, verified, outcome.result.summary)


def _commands(events: list[Any]) -> list[str]:
    return [e.data["command"] for e in events if e.type == "command_finished"]


async def test_orphan_copy_of_the_app_holds_the_port(make_container: Any, hostlab: HostLab,
                                                     ledger: Ledger) -> None:
    host = ledger.host
    ledger.start_healthy()
    ledger.stop()
    orphan = _start_by_hand(ledger)
    try:
        assert faults.wait_until(lambda: faults.http_ok(ledger.url), timeout=10)
        host.systemctl("start", UNIT)
        assert faults.wait_until(lambda: "Address already in use" in ledger.journal(), 5)
        _c, events, record = await _repair(make_container, hostlab, host)
        assert record.status == "succeeded", (record.summary, _commands(events))
        assert record.verified
        assert orphan.wait(timeout=10) is not None  # stopped by the runbook
        pid = units.main_pid(host, UNIT)
        assert pid and pid != orphan.pid
        assert faults.http_ok(ledger.url)
        notes = " ".join(e.data["description"] for e in events if e.type == "autocorrection")
        assert str(orphan.pid) in notes and str(ledger.port) in notes, notes
        assert f"kill {orphan.pid}" in _commands(events)
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait(timeout=5)


async def test_broken_config_restored_from_editor_backup(make_container: Any,
                                                         hostlab: HostLab,
                                                         ledger: Ledger) -> None:
    host = ledger.host
    ledger.start_healthy()
    backup = ledger.config.with_name("ledger.ini~")
    backup.write_text(ledger.good)
    _own(host, backup)
    ledger.config.write_text(ledger.good + "workers 4\n")  # the edit that broke it (line 6)
    host.systemctl("restart", UNIT)
    assert faults.wait_until(lambda: "config error" in ledger.journal(), 5)
    assert not faults.http_ok(ledger.url)
    _c, events, record = await _repair(make_container, hostlab, host)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert ledger.config.read_text() == ledger.good
    broken = ledger.config.with_name("ledger.ini.broken")
    assert "workers 4" in broken.read_text()
    assert faults.http_ok(ledger.url)
    diffs = [e for e in events if e.type == "autocorrection" and e.data.get("remedy") ==
             "config_diff"]
    assert diffs and "+workers 4" in diffs[0].data["diff"]
    approvals = [e for e in events if e.type == "approval_requested"
                 or e.type == "policy_decision"]
    assert approvals
    broken.unlink()
    backup.unlink()


async def test_stranger_on_the_config_port_without_ss(make_container: Any, hostlab: HostLab,
                                                      ledger: Ledger) -> None:
    """A stray `python3 -m http.server` on the port named only in the INI file, on a host
    where `ss` is missing: the owner is found with `lsof`, stopped, and our unit owns the
    port afterwards."""
    host = ledger.host
    no_ss = host.home / "bin/ss"
    no_ss.write_text("#!/bin/sh\necho 'sh: 1: ss: not found' >&2\nexit 127\n")
    no_ss.chmod(0o755)
    _own(host, no_ss)
    stray = _start_stray(host, ledger.port)
    try:
        assert faults.wait_until(lambda: faults.port_open(ledger.port), timeout=10)
        host.systemctl("start", UNIT)
        assert faults.wait_until(lambda: "Address already in use" in ledger.journal(), 5)
        _c, events, record = await _repair(make_container, hostlab, host)
        assert record.status == "succeeded", (record.summary, _commands(events))
        assert stray.wait(timeout=10) is not None
        assert any(cmd.startswith("lsof ") for cmd in _commands(events))
        assert faults.http_ok(ledger.url)
        assert "ledger ok" in _body(ledger.url)  # our app answers, not the stray listing
    finally:
        no_ss.unlink()
        if stray.poll() is None:
            stray.kill()
            stray.wait(timeout=5)


def _body(url: str) -> str:
    with urllib.request.urlopen(url, timeout=3) as resp:
        return str(resp.read().decode())


def _start_stray(host: TestHost, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(SYSTEM_PYTHON), "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        user=host.uid, group=host.gid, extra_groups=[], env=host.env(), cwd=host.home,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_unreadable_config_file_gets_its_owner_access_back(make_container: Any,
                                                                 hostlab: HostLab,
                                                                 ledger: Ledger) -> None:
    """A file (not a directory) chmod 000: the path comes from the traceback, the owner gets
    read/write back, nothing else changes mode."""
    host = ledger.host
    ledger.config.chmod(0o000)
    host.systemctl("start", UNIT)
    assert faults.wait_until(lambda: "Permission denied" in ledger.journal(), 5)
    _c, events, record = await _repair(make_container, hostlab, host)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert ledger.config.stat().st_mode & 0o600 == 0o600
    assert ledger.config.with_name("licence.txt").stat().st_mode & 0o777 == 0o644
    assert faults.http_ok(ledger.url)


def _snapshot(root: Path) -> dict[str, tuple[int, float]]:
    return {str(p): (p.stat().st_mode, p.stat().st_mtime) for p in root.rglob("*")}


async def test_unknown_failure_fails_plainly_and_changes_nothing(make_container: Any,
                                                                 hostlab: HostLab,
                                                                 ledger: Ledger) -> None:
    host = ledger.host
    ledger.licence.write_text("this licence expired\n")
    host.systemctl("start", UNIT)
    assert faults.wait_until(lambda: "licence check failed" in ledger.journal(), 5)
    before = _snapshot(ledger.root)
    started = time.time()
    _c, events, record = await _repair(make_container, hostlab, host)
    assert record.status != "succeeded"
    assert not record.verified
    assert "licence expired" in record.summary or "licence expired" in str(
        [e.data for e in events if e.type in ("step_finished", "run_finished")]), record.summary
    assert _snapshot(ledger.root) == before
    changing = [cmd for cmd in _commands(events) if cmd.startswith(
        ("kill", "cp ", "mv ", "chmod", "mkdir", "truncate", "rm "))]
    assert not changing, changing
    restarts = [cmd for cmd in _commands(events) if " restart " in f" {cmd} "
                or cmd.startswith("systemctl start")]
    assert len(restarts) <= 1, restarts
    assert time.time() - started < 60
