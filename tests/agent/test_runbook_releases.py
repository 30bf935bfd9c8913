"""The repair runbook on deploy-style hosts (issue 8, the blind5 fault classes), on real sshd
hosts with real units under the lab's systemctl.

An app is deployed the way Capistrano-style tools do it (``/srv/<app>/releases/<ts>``, a
``current`` symlink that ``WorkingDirectory=``/``ExecStart=`` go through, ``shared/`` kept
across releases); its settings come only from a systemd drop-in (``<app>.service.d/*.conf``,
which this lab's ``systemctl cat`` does not print) and the ``/etc/default/<app>`` file that
drop-in names. Unit names, layouts and variants differ from the blind5 scenarios (a relative
``current`` link, an ``export``-style commented variable, a cache named by the drop-in, a
``--config`` only the drop-in's reset ``ExecStart=`` adds). End to end, the set itself runs in
tests/test_scenarios_blind5.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.scenarios.blind import _owned_dirs
from bench.scenarios.blind5 import Deployed, deploy
from bench.scenarios.catalog import fetch

from shturman.agent.remedies.caches import cache_candidates, parses
from shturman.agent.remedies.dropins import drop_in_paths
from shturman.agent.remedies.envfiles import uncommented
from shturman.agent.remedies.evidence import Evidence, exec_argv, unit_values
from shturman.agent.remedies.releases import (
    Link,
    needed_paths,
    newest_first,
    parse_links,
)
from shturman.app import Container, build
from shturman.config import load_settings
from shturman.domain.approval import ApprovalDecision, ApprovalOutcome, ApprovalRequest
from shturman.domain.models import Actor, RunMode
from shturman.services.runs import RunRequest
from tests.fakes import StaticApprover
from tests.hostlab import faults, units
from tests.hostlab.lab import HostLab, TestHost, free_port

ACTOR = Actor("test", "op")
OLD, LIVE, BROKEN = "20250102T030405", "20250110T111213", "20250111T000000"


# ------------------------------------------------------------------ recorded text
def test_drop_ins_named_by_systemd_and_systemctl3_status() -> None:
    """systemd lists a drop-in directory and its files; systemctl3 one path per line."""
    systemd = ("mailer.service - Mailer\n"
               "     Loaded: loaded (/lib/systemd/system/mailer.service; enabled)\n"
               "    Drop-In: /etc/systemd/system/mailer.service.d\n"
               "             └─override.conf, limits.conf\n"
               "             /run/systemd/system/mailer.service.d\n"
               "             └─50-env.conf\n"
               "     Active: failed (Result: exit-code)\n")
    assert drop_in_paths(systemd) == ["/etc/systemd/system/mailer.service.d/override.conf",
                                      "/etc/systemd/system/mailer.service.d/limits.conf",
                                      "/run/systemd/system/mailer.service.d/50-env.conf"]
    lab = ("mailer.service - Mailer\n    Loaded: loaded (/r/etc/systemd/system/mailer.service, "
           "enabled)\n    Drop-In: /r/etc/systemd/system/mailer.service.d/override.conf\n"
           "    Active: failed (failed)\n")
    assert drop_in_paths(lab) == ["/r/etc/systemd/system/mailer.service.d/override.conf"]
    assert drop_in_paths("x.service - X\n    Loaded: loaded (/x.service)\n") == []


def test_an_empty_assignment_in_a_drop_in_resets_exec_start() -> None:
    unit = ("[Service]\nExecStart=/srv/l/current/bin/l\nUser=a\n"
            "# /etc/systemd/system/l.service.d/override.conf\n[Service]\nExecStart=\n"
            "ExecStart=/srv/l/current/bin/l --config /srv/l/shared/l.properties\nUser=b\n")
    assert exec_argv(unit) == ["/srv/l/current/bin/l", "--config", "/srv/l/shared/l.properties"]
    assert unit_values(unit, "User") == ["a", "b"]
    ev = Evidence("s", "l", unit, (), "", (), None, "b")
    assert ev.group is None


def test_release_links_and_order() -> None:
    shown = ("symbolic link|/srv/m/current|'/srv/m/current' -> 'releases/20250111T000000'\n"
             "directory|/srv/m|'/srv/m'\n")
    links = parse_links(shown)
    assert links == {"/srv/m/current": Link("/srv/m/current", "releases/20250111T000000")}
    assert links["/srv/m/current"].resolved == "/srv/m/releases/20250111T000000"
    assert newest_first([OLD, LIVE, "20241231T235959"]) == [LIVE, OLD, "20241231T235959"]
    assert newest_first(["9", "10", "11"]) == ["11", "10", "9"]  # Deployer's build numbers
    unit = "[Service]\nWorkingDirectory=/srv/m/current\nExecStart=/srv/m/current/bin/m --x\n"
    ev = Evidence("s", "m", unit, (), "", (), "/srv/m/current", None)
    assert needed_paths(ev) == ["/srv/m/current", "/srv/m/current/bin/m"]


def test_only_one_commented_assignment_is_uncommented() -> None:
    text = "# defaults\nLISTEN=127.0.0.1:1\n# export SPOOL_DIR=\"/var/spool/m\"\nWORKERS=2\n"
    fixed = uncommented(text, ["SPOOL_DIR"])
    assert fixed == ("# defaults\nLISTEN=127.0.0.1:1\nexport SPOOL_DIR=\"/var/spool/m\"\n"
                     "WORKERS=2\n", ["SPOOL_DIR"])
    assert uncommented("#SPOOL_DIR=/a\n#SPOOL_DIR=/b\n", ["SPOOL_DIR"]) is None  # which one?
    assert uncommented("SPOOL_DIR=/a\n#SPOOL_DIR=/b\n", ["SPOOL_DIR"]) is None  # set already
    assert uncommented("# SPOOL_DIR is where mail waits\n", ["SPOOL_DIR"]) is None  # prose


def test_only_a_cache_is_a_cache() -> None:
    """A corrupt JSON the log names is a candidate only in a cache directory or a *CACHE*
    variable; a config or data file never is."""
    logs = ("m[1]: info: loading cache /srv/m/shared/tmp/idx.json\nTraceback (most recent "
            "call last):\njson.decoder.JSONDecodeError: Expecting value: line 1 column 9\n")
    env = (("MAILER_CACHE", "/srv/m/shared/tmp/idx.json"),)
    assert cache_candidates(Evidence("s", "m", "", (), logs, (), None, None, env)) == [
        "/srv/m/shared/tmp/idx.json"]
    assert cache_candidates(Evidence("s", "m", "", (), logs, (), None, None)) == []
    conf = logs.replace("loading cache /srv/m/shared/tmp/idx.json", "reading /etc/m/m.json")
    assert cache_candidates(Evidence("s", "m", "", (), conf, (), None, None)) == []
    cached = logs.replace("/srv/m/shared/tmp/", "/var/cache/m/")
    assert cache_candidates(Evidence("s", "m", "", (), cached, (), None, None)) == [
        "/var/cache/m/idx.json"]
    assert cache_candidates(Evidence("s", "m", "", (), "m: started\n", (), None, None,
                                     env)) == []  # no parse error: not this cause
    assert parses('{"a": 1}') and not parses('{"a": ')


# ------------------------------------------------------------------ on the lab
def _cleanup(app: Deployed) -> None:
    host = app.host
    host.systemctl("stop", app.unit)
    for p in (app.base, app.dropin.parent, host.sysroot / "var/cache" / app.unit):
        shutil.rmtree(p, ignore_errors=True)
    for p in (host.unit_dir / f"{app.unit}.service", app.env_file):
        p.unlink(missing_ok=True)
    for p in app.env_file.parent.glob(f"{app.unit}.shturman-*.bak"):
        p.unlink()


Deploy = Callable[..., Deployed]


@pytest.fixture
def deployed(hostlab: HostLab) -> Iterator[Deploy]:
    made: list[Deployed] = []

    def factory(unit: str, listen: str = "", **kwargs: Any) -> Deployed:
        host = hostlab.hosts[0]
        if not listen:
            host.ports[unit] = port = free_port()
            listen = f"127.0.0.1:{port}"
        data = host.sysroot / "srv" / unit / "shared" / "data"
        kwargs["env"] = {"DATA_DIR": str(data), **kwargs.get("env", {})}
        app = deploy(host, unit, listen=listen, **kwargs)
        made.append(app)
        return app

    yield factory
    for app in made:
        _cleanup(app)


@pytest.fixture
async def container(home: Path, tmp_path: Path, hostlab: HostLab
                    ) -> AsyncIterator[Callable[[str], Any]]:
    made: list[Container] = []

    async def factory(service: str) -> Container:
        h = hostlab.hosts[0]
        cfg = tmp_path / "shturman.yaml"
        cfg.write_text("\n".join([
            "language: ru", "servers:", f"  - name: {h.name}", f"    host: {h.host}",
            f"    port: {h.port}", f"    user: {h.user}", f"    key_path: {hostlab.client_key}",
            f"    services: [{service}]"]) + "\n", encoding="utf-8")
        c = await build(load_settings(cfg, home=home))
        made.append(c)
        return c

    yield factory
    for c in made:
        await c.close()


async def _repair(c: Container, host: TestHost, service: str,
                  approver: StaticApprover | None = None,
                  mode: RunMode = RunMode.INTERACTIVE) -> tuple[Any, list[Any]]:
    return await c.runs.run(RunRequest(f"почини {service} на {host.name}", ACTOR,
                                       mode=mode, lang="ru"),
                            approver or StaticApprover())


def _commands(events: list[Any]) -> list[str]:
    return [e.data["command"] for e in events if e.type == "command_finished"]


def _healthy(app: Deployed, release: str | None = None) -> bool:
    pid = units.main_pid(app.host, app.unit)
    body = _over_socket(app.listen[5:]) if app.listen.startswith("unix:") else fetch(app.url)[1]
    return bool(pid) and f"pid={pid}" in body and (release is None or f"release={release}"
                                                   in body)


def _over_socket(path: str) -> str:
    """GET /health over the app's unix socket (what the nginx in front of it would do)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            s.connect(path)
            s.sendall(b"GET /health HTTP/1.0\r\nHost: x\r\n\r\n")
            return b"".join(iter(lambda: s.recv(4096), b"")).decode(errors="replace")
    except OSError:
        return ""


def _start_fails(app: Deployed, needle: str) -> None:
    app.host.systemctl("start", app.unit)
    assert faults.wait_until(lambda: needle in app.log_text(), timeout=8), app.log_text()[-2000:]
    assert not faults.unit_active(app.host, app.unit)


def _start_healthy(app: Deployed) -> None:
    app.host.systemctl("start", app.unit)
    assert faults.wait_until(lambda: _healthy(app), timeout=10), app.log_text()[-2000:]
    app.host.systemctl("stop", app.unit)


@pytest.mark.sshd
async def test_dangling_relative_current_link_is_pointed_at_the_newest_whole_release(
        deployed: Deploy, container: Any) -> None:
    """A failed deploy left ``current`` → a removed release (a relative link, as Deployer
    makes it): the newest release that has the program is linked, relative again, with the
    person asked for the exact `ln -sfn` and shown old and new target."""
    app = deployed("mailer", releases=(OLD, LIVE), description="Mailer (deployer)")
    _start_healthy(app)
    app.current.unlink()
    os.symlink(f"releases/{BROKEN}", app.current)
    os.lchown(app.current, app.host.uid, app.host.gid)
    _start_fails(app, "No such file or directory")

    approver = StaticApprover()
    record, events = await _repair(await container(app.unit), app.host, app.unit, approver)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert os.readlink(app.current) == f"releases/{LIVE}"
    assert _healthy(app, LIVE)
    asked = [a for a in approver.asked if a.command.startswith("ln -sfn")]
    assert asked and f"releases/{BROKEN}" in (asked[0].diff or ""), approver.asked


class NoRelink(StaticApprover):
    """A person who lets the restarts go and says no to replacing the link."""

    async def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        self.asked.append(request)
        outcome = (ApprovalOutcome.DENIED if request.command.startswith("ln ")
                   else ApprovalOutcome.APPROVED)
        return ApprovalDecision(outcome, "test", request.server, request.command)


@pytest.mark.sshd
async def test_a_refused_relink_names_the_release_and_the_command(
        deployed: Deploy, container: Any) -> None:
    """A person asked to approve the relink says no: the report names the cause, the release
    and the exact command — and no directory is made where the dangling link is."""
    app = deployed("mailer2", releases=(OLD, LIVE))
    _start_healthy(app)
    app.current.unlink()
    os.symlink(app.release(BROKEN), app.current)
    os.lchown(app.current, app.host.uid, app.host.gid)
    _start_fails(app, "No such file or directory")

    approver = NoRelink()
    record, events = await _repair(await container(app.unit), app.host, app.unit, approver,
                                   RunMode.INTERACTIVE)
    assert record.status != "succeeded"
    assert os.readlink(app.current) == str(app.release(BROKEN))
    relinks = [a.command for a in approver.asked if a.command.startswith("ln ")]
    assert set(relinks) == {f"ln -sfn {app.release(LIVE)} {app.current}"}, approver.asked
    assert f"ln -sfn {app.release(LIVE)} {app.current}" in record.summary, record.summary
    assert not any(c.startswith("mkdir") for c in _commands(events)), _commands(events)


@pytest.mark.sshd
async def test_autonomy_switches_a_release_link_back_on_its_own(
        deployed: Deploy, container: Any) -> None:
    """`ln -sfn RELEASE current` outside the system's trees is pre-approvable (``fs.relink``):
    in autonomous mode nobody is asked, the link points at the whole release, and it answers."""
    app = deployed("mailer3", releases=(OLD, LIVE))
    _start_healthy(app)
    app.current.unlink()
    os.symlink(app.release(BROKEN), app.current)
    os.lchown(app.current, app.host.uid, app.host.gid)
    _start_fails(app, "No such file or directory")

    approver = StaticApprover(approve=False)  # would refuse, had it been asked
    record, events = await _repair(await container(app.unit), app.host, app.unit, approver,
                                   RunMode.AUTONOMOUS)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert os.readlink(app.current) == str(app.release(LIVE))
    assert not [a for a in approver.asked if a.command.startswith("ln")], approver.asked
    assert _healthy(app, LIVE)


@pytest.mark.sshd
async def test_the_only_release_missing_its_program_is_reported_untouched(
        deployed: Deploy, container: Any) -> None:
    """No other release has the program: a redeploy is needed — said so, nothing changed."""
    app = deployed("faxgw", releases=(LIVE,))
    _start_healthy(app)
    shutil.rmtree(app.release(LIVE) / "bin")
    _start_fails(app, "No such file or directory")
    record, events = await _repair(await container(app.unit), app.host, app.unit)
    assert record.status != "succeeded"
    assert os.readlink(app.current) == str(app.release(LIVE))
    assert not any(c.startswith("ln ") for c in _commands(events)), _commands(events)
    assert "повторный деплой" in record.summary, record.summary


@pytest.mark.sshd
async def test_variable_commented_out_in_the_env_file_a_drop_in_names(
        deployed: Deploy, container: Any) -> None:
    """The unit requires SPOOL_DIR; the ``/etc/default`` file (named only by the drop-in)
    has it as ``# export SPOOL_DIR="…"``: uncommented with a backup, the app gets it."""
    app = deployed("spooler", env={"SPOOL_DIR": "/tmp"}, unit_env=("REQUIRE_ENV=SPOOL_DIR",))
    _start_healthy(app)
    text = app.env_file.read_text()
    app.env_file.write_text(text.replace("SPOOL_DIR=/tmp\n", '# export SPOOL_DIR="/tmp"\n'))
    _start_fails(app, "SPOOL_DIR is not set")

    approver = StaticApprover()
    record, events = await _repair(await container(app.unit), app.host, app.unit, approver)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert 'export SPOOL_DIR="/tmp"' in app.env_file.read_text().splitlines()
    assert list(app.env_file.parent.glob("spooler.shturman-*.bak"))
    pid = units.main_pid(app.host, app.unit)
    assert b"SPOOL_DIR=/tmp" in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    writes = [a for a in approver.asked if str(app.env_file) in a.command]
    assert writes and '+export SPOOL_DIR="/tmp"' in (writes[0].diff or ""), approver.asked


@pytest.mark.sshd
async def test_truncated_cache_named_by_the_drop_in_is_moved_aside(
        deployed: Deploy, container: Any) -> None:
    """The cache (``CACHE_FILE`` set by the drop-in, under ``shared/cache``) was cut off: it is
    moved aside (kept as ``.corrupt``) and the app rebuilds it; nothing else is removed."""
    app = deployed("tilecache")
    cache = app.shared / "cache" / "tiles.json"
    _owned_dirs(app.host, cache.parent)
    with app.dropin.open("a") as fh:
        fh.write(f"Environment=CACHE_FILE={cache}\n")
    _start_healthy(app)
    data = cache.read_text()
    cache.write_text(data[: len(data) // 3])
    _start_fails(app, "JSONDecodeError")

    record, events = await _repair(await container(app.unit), app.host, app.unit)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert json.loads(cache.read_text())["entries"]
    assert cache.with_name("tiles.json.corrupt").read_text() == data[: len(data) // 3]
    assert _healthy(app)


@pytest.mark.sshd
async def test_config_only_the_drop_ins_reset_exec_start_names(
        deployed: Deploy, container: Any) -> None:
    """The drop-in resets ``ExecStart=`` and adds ``--config …/journal.properties``; an edit
    broke line 3; ``journal.properties.old`` is the previous version: restored."""
    app = deployed("journalx", listen_in="none", description="Journal")
    conf = app.shared / "config" / "journal.properties"
    good = f"# journal\nlisten = {app.listen}\nworkers = 2\n"
    conf.write_text(good)
    os.chown(conf, app.host.uid, app.host.gid)
    app.dropin.write_text(app.dropin.read_text() + "ExecStart=\n"
                          f"ExecStart={app.current}/bin/{app.unit} --config {conf}\n")
    _start_healthy(app)
    old = conf.with_name("journal.properties.old")
    shutil.copy2(conf, old)
    os.chown(old, app.host.uid, app.host.gid)
    conf.write_text(good + "greeting hello\n")
    _start_fails(app, "expected 'key = value'")

    record, events = await _repair(await container(app.unit), app.host, app.unit)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert conf.read_text() == good
    assert conf.with_name("journal.properties.broken").exists()
    assert _healthy(app)


@pytest.mark.sshd
async def test_socket_directory_left_without_owner_write(
        deployed: Deploy, container: Any, hostlab: HostLab) -> None:
    """A hardening pass made the socket directory 0500: its owner gets write back, and it does
    not become writable by others."""
    sock_dir = hostlab.hosts[0].sysroot / "srv/gunicornish/shared/sockets"
    app = deployed("gunicornish", listen=f"unix:{sock_dir}/app.sock")
    _start_healthy(app)
    os.chmod(sock_dir, 0o500)
    _start_fails(app, "Permission denied")
    record, events = await _repair(await container(app.unit), app.host, app.unit)
    assert record.status == "succeeded", (record.summary, _commands(events))
    mode = stat.S_IMODE(sock_dir.stat().st_mode)
    assert mode & 0o700 == 0o700 and not mode & 0o002, oct(mode)
    assert _healthy(app)


@pytest.mark.sshd
async def test_runtime_socket_directory_gone_after_a_reboot(
        deployed: Deploy, container: Any, hostlab: HostLab) -> None:
    """The socket lives in ``/run/<app>/`` (made once by hand, no RuntimeDirectory=): emptied
    at boot, it is created again owned by the unit's User=."""
    host = hostlab.hosts[0]
    run_dir = host.sysroot / "run" / "tilesrv"
    _owned_dirs(host, run_dir)
    app = deployed("tilesrv", listen=f"unix:{run_dir}/tilesrv.sock")
    _start_healthy(app)
    shutil.rmtree(run_dir)
    _start_fails(app, "No such file or directory")
    record, events = await _repair(await container(app.unit), app.host, app.unit)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert run_dir.stat().st_uid == host.uid
    assert _healthy(app)
    assert "RuntimeDirectory=" in record.summary or any(
        "RuntimeDirectory=" in e.data.get("description", "") for e in events
        if e.type == "autocorrection")
    shutil.rmtree(run_dir, ignore_errors=True)


@pytest.mark.sshd
async def test_a_release_that_cannot_import_its_code_is_rolled_back(
        deployed: Deploy, container: Any) -> None:
    """A deploy whose new code fails on an import (the files are all there): `current` is
    pointed back at the previous release, the service answers from it; the broken release is
    kept for the post-mortem."""
    app = deployed("invoices", releases=(OLD, LIVE))
    _start_healthy(app)
    program = app.release(LIVE) / "bin" / "invoices"
    program.write_text("#!/usr/bin/python3\nimport invoices_v2_billing  # noqa\n",
                       encoding="utf-8")
    _start_fails(app, "ModuleNotFoundError")

    record, events = await _repair(await container(app.unit), app.host, app.unit,
                                   StaticApprover(), RunMode.AUTONOMOUS)
    assert record.status == "succeeded", (record.summary, _commands(events))
    assert os.readlink(app.current) == str(app.release(OLD))
    assert _healthy(app, OLD)
    assert program.exists()  # nothing deleted
    assert "ошибка импорта" in record.summary or "ошибка импорта" in str(
        [e.data for e in events if e.type == "autocorrection"]), record.summary


@pytest.mark.sshd
async def test_an_older_release_with_an_import_error_is_not_rolled_back_further(
        deployed: Deploy, container: Any) -> None:
    """`current` already points at an older release (someone rolled back by hand): an import
    error there is reported, not undone again."""
    app = deployed("invoices2", releases=(OLD, LIVE))
    _start_healthy(app)
    app.current.unlink()
    os.symlink(app.release(OLD), app.current)
    os.lchown(app.current, app.host.uid, app.host.gid)
    (app.release(OLD) / "bin" / "invoices2").write_text(
        "#!/usr/bin/python3\nimport invoices_v1_billing  # noqa\n", encoding="utf-8")
    _start_fails(app, "ModuleNotFoundError")

    record, events = await _repair(await container(app.unit), app.host, app.unit,
                                   StaticApprover(), RunMode.AUTONOMOUS)
    assert record.status != "succeeded"
    assert os.readlink(app.current) == str(app.release(OLD))
    assert not any(c.startswith("ln ") for c in _commands(events)), _commands(events)
