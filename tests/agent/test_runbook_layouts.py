"""The repair runbook on hosts packaged the Debian way, unlike any lab it was written against.

The daemon here is ``depot`` (``depot_app.py``): its command line comes through
``$DEPOT_OPTS`` from ``/etc/default/depot`` (EnvironmentFile=), its port and its log file are
named only in the INI file that variable points to, its pid file lives in a runtime directory
declared in ``tmpfiles.d``. Beside it, a real nginx started with its own ``-p``/``-c``/``-e``
options and a Debian ``sites-enabled`` symlink. Each test breaks one thing for real and checks
what the runbook did from outside (processes, files, HTTP), and what it said.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import textwrap
import time
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
from tests.hostlab.lab import (
    SYSTEM_PYTHON,
    HostLab,
    HostLabError,
    TestHost,
    _pid_alive,
    _users_lock,
    free_port,
    user_pids,
)

ACTOR = Actor("test", "op")
APP = Path(__file__).with_name("depot_app.py")
NGINX = Path("/usr/sbin/nginx")
STRANGER = "shlayx"  # another local account (not the one the service runs as)


@pytest.fixture(scope="module")
def hostlab() -> Iterator[HostLab]:
    """A lab of its own (host ``lay1``, user ``shlay1``): no other test shares its user."""
    base = Path(tempfile.mkdtemp(prefix="shturman-layouts-", dir="/tmp"))
    lab = HostLab(base, 1, name_prefix="lay", user_prefix="shlay")
    try:
        lab.start()
    except HostLabError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"host lab cannot start: {exc}", pytrace=False)
    yield lab
    lab.stop()
    shutil.rmtree(base, ignore_errors=True)


def _own(host: TestHost, *paths: Path) -> None:
    for path in paths:
        os.lchown(path, host.uid, host.gid)


def _write(host: TestHost, path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _own(host, path.parent)
    path.write_text(textwrap.dedent(text))
    _own(host, path)
    return path


@dataclass
class Depot:
    host: TestHost
    unit: str
    port: int
    ini: Path
    log: Path
    run_dir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def journal(self) -> str:
        path = self.host.journal_path(self.unit)
        return path.read_text(errors="replace") if path.exists() else ""

    def served_by_unit(self) -> bool:
        pid = units.main_pid(self.host, self.unit)
        return pid > 0 and faults.wait_until(
            lambda: f"ok pid={pid}" in _get(self.url), timeout=5)


def _get(url: str) -> str:
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return str(resp.read().decode())
    except OSError:
        return ""


def install_depot(host: TestHost, unit: str, *, log_file: bool, workers: int = 0,
                  refuse: str = "", tmpfiles_mode: str = "0750") -> Depot:
    """``/srv/UNIT/bin/UNIT`` started as ``UNIT --name UNIT $DEPOT_OPTS`` with DEPOT_OPTS in
    ``/etc/default/UNIT``; everything else only in ``/etc/UNIT/UNIT.ini``."""
    root = host.sysroot
    port = free_port()
    binary = _write(host, root / f"srv/{unit}/bin/{unit}", APP.read_text())
    binary.chmod(0o755)
    run_dir = root / "run" / unit
    log = root / f"var/log/{unit}/{unit}.log"
    for d in (run_dir, log.parent):
        d.mkdir(parents=True, exist_ok=True)
        _own(host, d)
    lines = ["[listen]", f"port = {port}", f"workers = {workers}", "", "[paths]",
             f"pid_file = {run_dir}/{unit}.pid"]
    if log_file:
        lines.append(f"log_file = {log}")
    if refuse:
        lines.append(f"refuse = {refuse}")
    ini = _write(host, root / f"etc/{unit}/{unit}.ini", "\n".join(lines) + "\n")
    env = _write(host, root / f"etc/default/{unit}",
                 f'# options for {unit}\nDEPOT_OPTS="--config {ini}"\n')
    _write(host, root / f"usr/lib/tmpfiles.d/{unit}.conf",
           f"d {run_dir} {tmpfiles_mode} {host.user} {host.user} -\n")
    units.install_unit(host, unit, f"""
        [Unit]
        Description={unit} (runbook layout tests)

        [Service]
        Type=simple
        EnvironmentFile={env}
        ExecStart={SYSTEM_PYTHON} {binary} --name {unit} $DEPOT_OPTS
        Restart=no
        """)
    return Depot(host, unit, port, ini, log, run_dir)


def _start_healthy(d: Depot) -> None:
    res = d.host.systemctl("start", d.unit)
    assert faults.wait_until(lambda: faults.http_ok(d.url), timeout=10), (
        res.stdout, res.stderr, d.journal()[-1500:], d.log_text()[-1500:])


@pytest.fixture
def cleanup(hostlab: HostLab) -> Iterator[list[str]]:
    started: list[str] = []
    yield started
    host = hostlab.hosts[0]
    for unit in started:
        host.systemctl("stop", unit)
    for pid in user_pids(host.uid):
        if pid != host.sshd_pid and "sshd" not in _cmdline(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass
class Repaired:
    ok: bool
    summary: str
    events: list[Any]

    def trace(self) -> str:
        return "\n".join(f"{e.data['command']} -> {e.data['outcome']} {e.data['exit_code']} "
                         f"{e.data['stderr'][:200]} {e.data['error'][:200]}"
                         for e in self.events if e.type == "command_finished")

    def commands(self) -> list[str]:
        return [e.data["command"] for e in self.events if e.type == "command_finished"]

    def notes(self) -> str:
        return " ".join(e.data["description"] for e in self.events
                        if e.type == "autocorrection")


async def _repair(make_container: Any, lab: HostLab, unit: str) -> Repaired:
    """What the loop runs for `service_repair`: the repair action through the ActionRunner,
    on the real guarded executor in autonomous mode."""
    c = await make_container(lab)
    events: list[Any] = []

    async def emit(event: Event) -> None:
        events.append(SimpleNamespace(type=kind_of(event), data=as_data(event)))

    ctx = ToolContext(c.guarded, {s.name: s for s in await c.inventory.all()}, ACTOR,
                      RunMode.AUTONOMOUS, None, None, emit, 60.0, lang="en")
    runner = ActionRunner(ctx, emit, IterationBudget(60, time.monotonic() + 300,
                                                     time.monotonic), 3)
    outcome = await runner.run(Action(tool="repair_service", server=lab.hosts[0].name,
                                      args={"service": unit}), "repair")
    ok = bool(outcome.ok and outcome.repair and outcome.repair.verified)
    return Repaired(ok, outcome.result.summary, events)


def _children_of_binary(host: TestHost, binary: str) -> list[int]:
    return [p for p in user_pids(host.uid) if binary in _cmdline(p)]


async def test_orphan_workers_found_through_a_log_named_only_in_the_config(
        make_container: Any, hostlab: HostLab, cleanup: list[str]) -> None:
    """The unit names neither the port nor the log: `$DEPOT_OPTS` (EnvironmentFile) names the
    INI, the INI names the log file, the log file says "Address already in use"; the orphan
    workers of a killed master are stopped and the unit owns the port again."""
    host = hostlab.hosts[0]
    d = install_depot(host, "depot-pre", log_file=True, workers=2)
    cleanup.append(d.unit)
    _start_healthy(d)
    master = units.main_pid(host, d.unit)
    binary = f"srv/{d.unit}/bin/{d.unit}"
    assert faults.wait_until(lambda: len(_children_of_binary(host, binary)) >= 3, timeout=20)
    workers = [p for p in _children_of_binary(host, binary) if p != master]
    os.kill(master, signal.SIGKILL)
    assert faults.wait_until(lambda: not _pid_alive(master), timeout=20)
    assert faults.http_ok(d.url)  # the orphans still answer
    host.systemctl("start", d.unit)
    assert faults.wait_until(lambda: "Address already in use" in d.log_text(), timeout=20)
    assert "Address already in use" not in d.journal()

    done = await _repair(make_container, hostlab, d.unit)
    assert done.ok, done.summary + "\n" + done.trace()
    assert faults.wait_until(lambda: not any(_pid_alive(p) for p in workers), timeout=20)
    assert d.served_by_unit()
    assert f"tail -n 80 {d.log}" in done.commands()
    assert any(str(p) in done.notes() for p in workers), done.notes()


async def test_missing_runtime_directory_is_recreated_as_tmpfiles_declares_it(
        make_container: Any, hostlab: HostLab, cleanup: list[str]) -> None:
    """After a "reboot" the pid file's directory is gone: it is created with the mode and
    owner its tmpfiles.d line declares, and the report names the permanent fix."""
    host = hostlab.hosts[0]
    d = install_depot(host, "depot-run", log_file=False, tmpfiles_mode="0750")
    cleanup.append(d.unit)
    _start_healthy(d)
    host.systemctl("stop", d.unit)
    shutil.rmtree(d.run_dir)
    host.systemctl("start", d.unit)
    assert faults.wait_until(lambda: "cannot create pid file" in d.journal(), timeout=20)

    done = await _repair(make_container, hostlab, d.unit)
    assert done.ok, done.summary + "\n" + done.trace()
    st = d.run_dir.stat()
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == host.uid
    assert stat.S_IMODE(st.st_mode) == 0o750
    pid = units.main_pid(host, d.unit)
    assert (d.run_dir / f"{d.unit}.pid").read_text().strip() == str(pid)
    assert f"mkdir {d.run_dir} && chmod 0750 {d.run_dir}" in done.commands()
    assert "tmpfiles.d" in done.notes() and "RuntimeDirectory=" in done.notes(), done.notes()


@pytest.fixture
def stranger() -> Iterator[pwd.struct_passwd]:
    with _users_lock():
        try:
            pw = pwd.getpwnam(STRANGER)
        except KeyError:
            subprocess.run(["useradd", "-M", "-r", "-U", "-d", "/nonexistent", "-s",
                            "/usr/sbin/nologin", "-c", "layout-test stranger", STRANGER],
                           check=True, capture_output=True)
            pw = pwd.getpwnam(STRANGER)
    yield pw
    for pid in user_pids(pw.pw_uid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _serve_as(account: pwd.struct_passwd, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(SYSTEM_PYTHON), "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", "/usr/share/doc"], user=account.pw_uid, group=account.pw_gid,
        extra_groups=[], cwd="/", env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_port_held_by_another_account_is_named_and_left_alone(
        make_container: Any, hostlab: HostLab, cleanup: list[str],
        stranger: pwd.struct_passwd) -> None:
    """Another account's process holds the port (its pid is invisible to `ss -p` for us):
    the report names its user, pid and command line as the cause found; nothing is killed."""
    host = hostlab.hosts[0]
    d = install_depot(host, "depot-port", log_file=True)
    cleanup.append(d.unit)
    holder = _serve_as(stranger, d.port)
    try:
        assert faults.wait_until(lambda: faults.port_open(d.port), timeout=10)
        host.systemctl("start", d.unit)
        assert faults.wait_until(lambda: "Address already in use" in d.log_text(), timeout=20)

        done = await _repair(make_container, hostlab, d.unit)
        assert not done.ok
        assert holder.poll() is None, "the other account's process was stopped"
        assert not [c for c in done.commands() if c.startswith("kill")], done.commands()
        assert STRANGER in done.summary and str(holder.pid) in done.summary, done.summary
        assert "found why" in done.summary and "could not find" not in done.summary
    finally:
        holder.kill()
        holder.wait(timeout=5)


async def test_give_up_quotes_the_cause_instead_of_claiming_none(
        make_container: Any, hostlab: HostLab, cleanup: list[str]) -> None:
    """A refusal no remedy knows, logged only to the config's log file: the report quotes
    that line as the cause and says it made one restart attempt, not "could not find"."""
    host = hostlab.hosts[0]
    reason = "licence server rejected key K-17: renew it in the vendor portal"
    d = install_depot(host, "depot-key", log_file=True, refuse=reason)
    cleanup.append(d.unit)
    host.systemctl("start", d.unit)
    assert faults.wait_until(lambda: reason in d.log_text(), timeout=20)
    before = d.ini.read_text()

    done = await _repair(make_container, hostlab, d.unit)
    assert not done.ok
    assert reason in done.summary and "could not find" not in done.summary, done.summary
    assert "one restart attempt" in done.summary
    assert d.ini.read_text() == before


@dataclass
class Edge:
    host: TestHost
    unit: str
    port: int
    prefix: Path
    site: Path
    link: Path
    good: str
    nginx: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"


def install_edge(host: TestHost, unit: str) -> Edge:
    """nginx as unit ``UNIT`` with its own prefix: relative ``pid``/``error_log``/temp paths
    resolve only under ``-p PREFIX`` (a check without it fails on the temp paths, naming no
    config line); the site is a relative ``sites-enabled`` symlink."""
    prefix = host.sysroot / f"srv/{unit}"
    conf = prefix / "conf"
    port = free_port()
    for d in (prefix, conf, conf / "sites-available", conf / "sites-enabled", prefix / "logs",
              prefix / "run", prefix / "tmp"):
        d.mkdir(parents=True, exist_ok=True)
        _own(host, d)
    main = _write(host, conf / "nginx.conf", """\
        worker_processes 1;
        pid run/nginx.pid;
        error_log logs/error.log warn;
        events { worker_connections 64; }
        http {
            default_type text/plain;
            access_log logs/access.log;
            client_body_temp_path tmp/body;
            proxy_temp_path tmp/proxy;
            fastcgi_temp_path tmp/fastcgi;
            uwsgi_temp_path tmp/uwsgi;
            scgi_temp_path tmp/scgi;
            include sites-enabled/*;
        }
        """)
    good = textwrap.dedent(f"""\
        server {{
            listen 127.0.0.1:{port};
            server_name edge.internal;
            location = /health {{ return 200 "edge ok\\n"; }}
        }}
        """)
    site = _write(host, conf / "sites-available/edge", good)
    link = conf / "sites-enabled/edge"
    link.symlink_to("../sites-available/edge")
    _own(host, link)
    nginx = f"{NGINX} -p {prefix} -c {main} -e {prefix}/logs/error.log -g 'daemon off;'"
    units.install_unit(host, unit, f"""
        [Unit]
        Description=edge proxy (runbook layout tests)

        [Service]
        Type=simple
        ExecStartPre={nginx} -t -q
        ExecStart={nginx}
        Restart=no
        """)
    return Edge(host, unit, port, prefix, site, link, good, nginx)


@pytest.mark.skipif(not NGINX.exists(), reason="needs Debian nginx: apt-get install nginx")
async def test_nginx_site_symlink_restored_next_to_its_target(
        make_container: Any, hostlab: HostLab, cleanup: list[str]) -> None:
    """nginx blames ``sites-enabled/edge:3``; the previous version is next to the symlink's
    target (``sites-available/edge.orig``); the check runs with the unit's own -p/-c/-e/-g;
    the target is restored and the symlink stays a symlink."""
    host = hostlab.hosts[0]
    e = install_edge(host, "edge-proxy")
    cleanup.append(e.unit)
    res = host.systemctl("start", e.unit)
    assert faults.wait_until(lambda: faults.http_ok(e.url), timeout=10), (res.stdout, res.stderr)
    host.systemctl("stop", e.unit)
    orig = e.site.with_name("edge.orig")
    shutil.copy2(e.site, orig)
    _own(host, orig)
    old = time.time() - 40 * 86400
    os.utime(orig, (old, old))
    e.site.write_text(e.good.replace(f"listen 127.0.0.1:{e.port};",
                                     f"listen 127.0.0.1:{e.port}", 1))
    host.systemctl("start", e.unit)
    assert not faults.http_ok(e.url)

    done = await _repair(make_container, hostlab, e.unit)
    assert done.ok, done.summary + "\n" + done.trace()
    assert e.link.is_symlink() and os.readlink(e.link) == "../sites-available/edge"
    assert e.site.read_text() == e.good
    assert e.site.with_name("edge.broken").exists()
    assert not (e.link.parent / "edge.broken").exists()  # not where `include *` reads it
    checks = [c for c in done.commands() if c.startswith(str(NGINX)) and " -t" in c]
    assert checks and all(f"-p {e.prefix}" in c and "-c " in c for c in checks), checks
    assert host.run_as(f"{e.nginx} -t -q").returncode == 0
    assert faults.http_ok(e.url)
