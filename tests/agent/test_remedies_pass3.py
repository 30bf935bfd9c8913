"""Remedies that find the cause from evidence (issue 12 item 3, issue 8 leftovers), on real
sshd hosts with real units under the lab's systemctl.

The service is ``tally`` (``~/srv/tally``, config ``etc/tally.conf`` named by ``--config``,
port and log file only in that config). Faults: its config deleted (restored from Shturman's
own git backups), its log filesystem full, OOM kills, a crash loop, a dated config backup that
is itself broken, a reverse proxy whose upstream is down, evidence only in a rotated ``.gz``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shturman.app import Container, build
from shturman.config import load_settings
from shturman.domain.models import Actor, RunMode
from shturman.services.runs import RunRequest
from tests.fakes import StaticApprover
from tests.hostlab import faults, units
from tests.hostlab.lab import SYSTEM_PYTHON, HostLab, TestHost, free_port

pytestmark = pytest.mark.sshd

ACTOR = Actor("test", "op")
UNIT = "tally"
APP = Path(__file__).with_name("pass3_app.py")


class Tally:
    def __init__(self, host: TestHost) -> None:
        self.host = host
        self.root = host.home / "srv/tally"
        self.program = self.root / "bin/pass3_app.py"
        self.config = self.root / "etc/tally.conf"
        self.log_dir = self.root / "logs"
        self.log = self.log_dir / "tally.log"
        self.lock = self.root / "run.lock"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.good = (f"# tally\nport = {self.port}\nlog_file = {self.log}\n"
                     f"lock_file = {self.lock}\n")

    def install(self) -> None:
        for d in (self.root / "bin", self.root / "etc", self.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        for p in (self.root.parent, self.root, self.root / "bin", self.root / "etc",
                  self.log_dir):
            _own(self.host, p)
        self.program.write_text(APP.read_text())
        self.config.write_text(self.good)
        for p in (self.program, self.config):
            _own(self.host, p)
        units.install_unit(self.host, UNIT, f"""
            [Unit]
            Description=tally (pass-3 remedy tests)

            [Service]
            Type=simple
            ExecStart={SYSTEM_PYTHON} {self.program} --config {self.config}
            Restart=no
            """)

    def start_healthy(self) -> None:
        res = self.host.systemctl("start", UNIT)
        assert faults.wait_until(lambda: faults.http_ok(self.url), timeout=10), (
            res.stdout, res.stderr, self.journal())

    def journal(self) -> str:
        path = self.host.journal_path(UNIT)
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def note_in_journal(self, text: str) -> None:
        """What the service manager itself writes to the unit's journal (systemctl3 does not
        write these lines: the test writes them as systemd would)."""
        with self.host.journal_path(UNIT).open("a") as journal:
            journal.write(text)

    def stop(self) -> None:
        self.host.systemctl("stop", UNIT)
        faults.wait_until(lambda: not faults.port_open(self.port), timeout=10)


def _own(host: TestHost, path: Path) -> None:
    os.chown(path, host.uid, host.gid)


@pytest.fixture
def tally(hostlab: HostLab) -> Iterator[Tally]:
    app = Tally(hostlab.hosts[0])
    app.install()
    yield app
    app.stop()
    shutil.rmtree(app.root.parent, ignore_errors=True)


def _config(lab: HostLab, repo: Path, app: Tally, extra: str = "") -> str:
    h = lab.hosts[0]
    return "\n".join([
        "language: ru", "servers:", f"  - name: {h.name}", f"    host: {h.host}",
        f"    port: {h.port}", f"    user: {h.user}", f"    key_path: {lab.client_key}",
        f"    services: [{UNIT}]",
        "backups:", f"  repository: {repo}", "  paths: []", "  every: null",
        "  unit_files: false", "  servers:", f"    {h.name}:",
        f"      paths: ['{app.root / 'etc'}']", extra]) + "\n"


@pytest.fixture
async def container(home: Path, tmp_path: Path) -> Iterator[Any]:
    made: list[Container] = []

    async def factory(text: str) -> Container:
        cfg = tmp_path / "shturman.yaml"
        cfg.write_text(text, encoding="utf-8")
        c = await build(load_settings(cfg, home=home))
        made.append(c)
        return c

    yield factory
    for c in made:
        await c.close()


async def _run(c: Container, text: str, approver: StaticApprover | None = None,
               mode: RunMode = RunMode.INTERACTIVE) -> tuple[Any, list[Any]]:
    return await c.runs.run(RunRequest(text, ACTOR, mode=mode, lang="ru"),
                            approver or StaticApprover())


def _commands(events: list[Any]) -> list[str]:
    return [e.data["command"] for e in events if e.type == "command_finished"]


def _notes(events: list[Any]) -> list[dict[str, Any]]:
    return [e.data for e in events if e.type == "autocorrection"]


async def test_deleted_config_is_restored_from_the_git_backups(
        container: Any, hostlab: HostLab, tally: Tally, tmp_path: Path) -> None:
    host = tally.host
    tally.start_healthy()
    c = await container(_config(hostlab, tmp_path / "backups.git", tally))
    backed = await c.backups.run([host.name])
    assert backed.ok and backed.servers[0].commit, backed
    tally.stop()
    tally.config.unlink()  # nothing beside it: no .bak, no ~ — only the git backup has it
    host.systemctl("start", UNIT)
    assert faults.wait_until(lambda: "No such file or directory" in tally.journal(), 5)
    assert not faults.http_ok(tally.url)

    approver = StaticApprover()
    record, events = await _run(c, f"почини {UNIT} на {host.name}", approver)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert tally.config.read_text() == tally.good
    assert faults.http_ok(tally.url)
    shown = [n for n in _notes(events) if n.get("remedy") == "backup_restore_diff"]
    assert shown and f"+port = {tally.port}" in shown[0]["diff"], _notes(events)
    assert backed.servers[0].commit[:12] in shown[0]["description"]
    # the write was a confirm step carrying the same diff, asked of the person
    writes = [a for a in approver.asked if str(tally.config) in a.command]
    assert writes and f"+port = {tally.port}" in (writes[0].diff or ""), approver.asked
    assert "резервной копии конфигов" in record.summary or any(
        "резервной копии конфигов" in n["description"] for n in _notes(events))


async def test_deleted_config_without_a_backup_touches_nothing(
        container: Any, hostlab: HostLab, tally: Tally, tmp_path: Path) -> None:
    """No backup was ever taken: the cause is reported, no file is invented."""
    host = tally.host
    c = await container(_config(hostlab, tmp_path / "backups.git", tally))
    tally.config.unlink()
    host.systemctl("start", UNIT)
    assert faults.wait_until(lambda: "No such file or directory" in tally.journal(), 5)
    record, _events = await _run(c, f"почини {UNIT} на {host.name}")
    assert record.status != "succeeded"
    assert not tally.config.exists()
    assert str(tally.config) in record.summary, record.summary
    assert not (tmp_path / "backups.git").exists()  # a repair does not create a repository


OOM_LINES = ("{t} tally.service: A process of this unit has been killed by the OOM killer.\n"
             "{t} tally.service: Main process exited, code=killed, status=9/KILL\n"
             "{t} tally.service: Failed with result 'oom-kill'.\n")


def _oom_kill(app: Tally) -> int:
    """The kernel's OOM killer as the unit sees it: its main process SIGKILLed, and the
    manager's lines about it in the unit's journal."""
    pid = units.main_pid(app.host, UNIT)
    assert pid, app.journal()
    os.kill(pid, 9)
    assert faults.wait_until(lambda: not faults.port_open(app.port), timeout=10)
    app.note_in_journal(OOM_LINES.format(t=time.strftime("%H:%M:%S")))
    return pid


def _restarts(events: list[Any]) -> list[str]:
    return [cmd for cmd in _commands(events) if cmd.startswith(("systemctl restart",
                                                                 "systemctl start"))]


async def test_out_of_memory_restarted_once_with_evidence_and_advice(
        container: Any, hostlab: HostLab, tally: Tally, tmp_path: Path) -> None:
    host = tally.host
    tally.start_healthy()
    killed = _oom_kill(tally)
    c = await container(_config(hostlab, tmp_path / "backups.git", tally))
    record, events = await _run(c, f"почини {UNIT} на {host.name}")
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert faults.http_ok(tally.url)
    assert units.main_pid(host, UNIT) not in (0, killed)
    assert len(_restarts(events)) == 1, _restarts(events)
    said = " ".join(n["description"] for n in _notes(events) if n["remedy"] == "out_of_memory")
    assert "OOM" in said and "oom-kill" in said and "MemoryMax" in said, _notes(events)
    assert "MemoryMax" in record.summary, record.summary


async def test_second_out_of_memory_in_the_run_escalates(
        container: Any, hostlab: HostLab, tally: Tally, tmp_path: Path) -> None:
    """Every new main process is OOM-killed at once: one restart, then escalation."""
    host = tally.host
    tally.start_healthy()
    first = _oom_kill(tally)
    stop = threading.Event()

    def killer() -> None:
        seen = {first}
        while not stop.is_set():
            pid = units.main_pid(host, UNIT)
            if pid and pid not in seen:
                seen.add(pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
                tally.note_in_journal(OOM_LINES.format(t=time.strftime("%H:%M:%S")))
            time.sleep(0.02)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        c = await container(_config(hostlab, tmp_path / "backups.git", tally))
        record, events = await _run(c, f"почини {UNIT} на {host.name}")
    finally:
        stop.set()
        thread.join(timeout=5)
    assert record.status != "succeeded", record.summary
    assert len(_restarts(events)) == 1, _restarts(events)
    assert "снова убит из-за нехватки памяти" in record.summary, record.summary
    changing = [cmd for cmd in _commands(events) if cmd.startswith(
        ("kill", "cp ", "mv ", "chmod", "mkdir", "truncate", "rm "))]
    assert not changing, changing


LOOP_LINES = ("{t} tally.service: Scheduled restart job, restart counter is at 5.\n"
              "{t} tally.service: Start request repeated too quickly.\n"
              "{t} tally.service: Failed with result 'start-limit-hit'.\n")


async def test_crash_loop_reset_and_restarted_once(
        container: Any, hostlab: HostLab, tally: Tally, tmp_path: Path) -> None:
    """It crashed in a loop on a lock another instance held; that instance is gone now: the
    failed state is reset, one restart, verified, the lines that mattered reported."""
    host = tally.host
    tally.lock.write_text("1234\n")
    host.systemctl("start", UNIT)
    assert faults.wait_until(lambda: "is locked" in tally.journal(), 5)
    tally.note_in_journal(LOOP_LINES.format(t=time.strftime("%H:%M:%S")))
    tally.lock.unlink()
    c = await container(_config(hostlab, tmp_path / "backups.git", tally))
    record, events = await _run(c, f"почини {UNIT} на {host.name}")
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert faults.http_ok(tally.url)
    commands = _commands(events)
    reset = commands.index(f"systemctl reset-failed {UNIT}")
    assert reset < commands.index(_restarts(events)[0])
    assert len(_restarts(events)) == 1
    said = " ".join(n["description"] for n in _notes(events) if n["remedy"] == "crash_loop")
    assert "start-limit-hit" in said and "is locked" in said, _notes(events)


async def test_crash_loop_that_goes_on_escalates_touching_nothing_else(
        container: Any, hostlab: HostLab, tally: Tally, tmp_path: Path) -> None:
    host = tally.host
    tally.lock.write_text("1234\n")
    _own(host, tally.lock)
    host.systemctl("start", UNIT)
    assert faults.wait_until(lambda: "is locked" in tally.journal(), 5)
    tally.note_in_journal(LOOP_LINES.format(t=time.strftime("%H:%M:%S")))
    c = await container(_config(hostlab, tmp_path / "backups.git", tally))
    record, events = await _run(c, f"почини {UNIT} на {host.name}")
    assert record.status != "succeeded"
    assert tally.lock.exists()
    assert len(_restarts(events)) == 1, _restarts(events)
    assert "цикле падений" in record.summary and "is locked" in record.summary, record.summary
    changing = [cmd for cmd in _commands(events) if cmd.startswith(
        ("kill", "cp ", "mv ", "chmod", "mkdir", "truncate", "rm "))]
    assert not changing, changing
