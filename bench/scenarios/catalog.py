"""The fault scenarios: set up a healthy service on a lab host, break it for real, then judge.

Each scenario's ``prepare`` installs and starts the service, checks it is healthy, injects the
fault and checks that the fault is real (the service is down or failing and its journal shows
the reason). ``check`` decides "fixed" from the outside — HTTP from the service, unit state,
file contents, modes, free space — never from Shturman's own report. Anything that must be
undone (a rogue process, a mount) is pushed onto the ``ExitStack`` the harness closes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import subprocess
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tests.hostlab import faults, units
from tests.hostlab.lab import SYSTEM_PYTHON, TestHost

APP = Path(__file__).with_name("app.py")
TMPFS_MB = 48


class ScenarioSetupError(RuntimeError):
    """The scenario could not be set up as described (the fault is not real): not a verdict."""


@dataclass(frozen=True)
class Check:
    fixed: bool
    detail: str


def fetch(url: str, timeout: float = 3.0) -> tuple[int | None, str]:
    """(HTTP status, body) of GET ``url``; (None, error) when nothing answers HTTP."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status), resp.read(4096).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(exc)


def journal(host: TestHost, unit: str) -> str:
    path = host.journal_path(unit)
    return path.read_text(errors="replace") if path.exists() else ""


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise ScenarioSetupError(what)


def _start_healthy(host: TestHost, unit: str, url: str) -> None:
    res = host.systemctl("start", unit)
    _require(
        faults.wait_until(lambda: faults.http_ok(url), timeout=10),
        f"{unit} did not come up healthy before the fault: {res.stderr.strip()}\n"
        f"{journal(host, unit)[-1500:]}",
    )


def _stop(host: TestHost, unit: str) -> None:
    """Stop ``unit`` and wait until its port is free (systemctl3 may return a bit early)."""
    host.systemctl("stop", unit)
    port = host.ports.get(unit)
    if port is not None:
        _require(faults.wait_until(lambda: not faults.port_open(port), timeout=10),
                 f"{unit} still holds port {port} after stop")


def _expect_in_journal(host: TestHost, unit: str, needle: str) -> None:
    _require(
        faults.wait_until(lambda: needle in journal(host, unit), timeout=5),
        f"{unit}'s journal does not show {needle!r}:\n{journal(host, unit)[-1500:]}",
    )


def _expect_down(host: TestHost, unit: str, url: str) -> None:
    _require(not faults.unit_active(host, unit), f"{unit} is still active after the fault")
    _require(not faults.http_ok(url), f"{url} still answers 200 after the fault")


def _chown(host: TestHost, *paths: Path) -> None:
    for p in paths:
        os.chown(p, host.uid, host.gid)


def _verdict(checks: list[tuple[bool, str]]) -> Check:
    return Check(all(ok for ok, _ in checks), "; ".join(text for _, text in checks))


def _http_check(url: str, expect: str = "", timeout: float = 8.0) -> tuple[bool, str]:
    got: list[tuple[int | None, str]] = []

    def answered() -> bool:
        got.append(fetch(url))
        status, body = got[-1]
        return status == 200 and expect in body

    ok = faults.wait_until(answered, timeout=timeout, interval=0.2)
    status, body = got[-1]
    return ok, f"GET {url} → {status if status is not None else body}"


def _active_check(host: TestHost, unit: str) -> tuple[bool, str]:
    state = faults.unit_state(host, unit)
    return state == "active", f"{unit} {state}"


class Scenario:
    """One fault. Subclasses set the class attributes and implement prepare/check."""

    name = ""
    service = ""
    request = ""  # natural Russian request; {server} is the lab host's name
    # With a model configured, an open-ended phrasing that the intent engine hands to the model
    # (so the model's planning, not the no-model runbook, is what gets measured).
    open_request = "разберись, почему {service} на {server} не работает, и исправь"
    fault = ""  # how the fault is made real (for the report)

    def __init__(self, host: TestHost) -> None:
        self.host = host

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.host.ports[self.service]}/"

    def text(self, with_model: bool = False) -> str:
        template = self.open_request if with_model else self.request
        return template.format(server=self.host.name, service=self.service)

    def prepare(self, stack: ExitStack) -> None:
        raise NotImplementedError

    def check(self) -> Check:
        raise NotImplementedError


class PortTaken(Scenario):
    name = "port_taken"
    service = "shop"
    request = "shop на {server} не поднимается: порт занят. Почини"
    fault = ("while the service is stopped, a stray `python3 -m http.server PORT` of the same "
             "user takes its port (it even answers HTTP 200, with a directory listing); "
             "`systemctl start` fails with `OSError: [Errno 98] Address already in use`")

    def prepare(self, stack: ExitStack) -> None:
        port = units.install_python_service(self.host, self.service, APP)
        _start_healthy(self.host, self.service, self.url)
        _stop(self.host, self.service)
        self.rogue = start_stray_http_server(self.host, port, stack)
        self.host.systemctl("start", self.service)
        _expect_in_journal(self.host, self.service, "Address already in use")
        _require(not faults.unit_active(self.host, self.service), "shop is active despite the "
                 "taken port")
        _require(f"{self.service} ok" not in fetch(self.url)[1], "shop answers on its port")

    def check(self) -> Check:
        gone = self.rogue.poll() is not None
        return _verdict([
            _http_check(self.url, f"{self.service} ok"),
            _active_check(self.host, self.service),
            (gone, "stray listener stopped" if gone else "stray listener still running"),
        ])


class Crashed(Scenario):
    name = "crashed"
    service = "api"
    request = "api на {server} упал, подними"
    fault = "the running service's main process is killed with SIGKILL (unit goes `failed`)"

    def prepare(self, stack: ExitStack) -> None:
        units.install_python_service(self.host, self.service, APP)
        _start_healthy(self.host, self.service, self.url)
        self.old_pid = faults.crash_unit(self.host, self.service)
        _expect_down(self.host, self.service, self.url)

    def check(self) -> Check:
        pid = units.main_pid(self.host, self.service)
        return _verdict([
            _http_check(self.url, f"{self.service} ok"),
            _active_check(self.host, self.service),
            (pid not in (0, self.old_pid), f"main pid {self.old_pid} → {pid}"),
        ])


class ConfigBroken(Scenario):
    name = "config_broken"
    service = "nginx"
    request = "nginx на {server} не стартует, почини"
    fault = ("Debian nginx (unit with `nginx -t` as ExecStartPre): a stray `}}}` line is "
             "appended to nginx.conf after a `.bak` copy was taken; start fails with "
             "`[emerg] unexpected \"}\" in …/nginx.conf`")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.host.ports[self.service]}/health"

    def prepare(self, stack: ExitStack) -> None:
        units.install_nginx(self.host)
        self.conf = units.nginx_conf_path(self.host)
        _start_healthy(self.host, self.service, self.url)
        _stop(self.host, self.service)
        faults.break_config(self.host, self.conf)
        self.good = self.conf.with_name(self.conf.name + ".bak").read_text()
        self.host.systemctl("start", self.service)
        _expect_in_journal(self.host, self.service, "[emerg]")
        _expect_down(self.host, self.service, self.url)

    def check(self) -> Check:
        d = self.conf.parent
        test = self.host.run_as(f"/usr/sbin/nginx -t -q -e {d}/logs/error.log -p {d} "
                                f"-c {self.conf}")
        return _verdict([
            _http_check(self.url, "ok"),
            _active_check(self.host, self.service),
            (test.returncode == 0, "nginx -t passes" if test.returncode == 0
             else f"nginx -t fails: {test.stderr.strip()[-200:]}"),
            (self.conf.read_text() == self.good, "nginx.conf equals the good copy"),
        ])


class LogFlood(Scenario):
    name = "log_flood"
    service = "collector"
    request = "collector на {server} упал, кончилось место под логи. Почини"
    fault = (f"a {TMPFS_MB} MB tmpfs (owned by the host user) is mounted on the service's log "
             "directory and its own log is flooded with repeated error lines until ENOSPC; "
             "the restarted service dies with `cannot write to log file …/collector.log: "
             "[Errno 28] No space left on device`")

    def prepare(self, stack: ExitStack) -> None:
        self.log_dir = self.host.home / "collector" / "logs"
        self.log_dir.mkdir(parents=True)
        _chown(self.host, self.log_dir.parent, self.log_dir)
        mount_tmpfs(self.host, self.log_dir, TMPFS_MB, stack)
        self.log = self.log_dir / "collector.log"
        units.install_python_service(self.host, self.service, APP,
                                     args=("--log-file", str(self.log)))
        _start_healthy(self.host, self.service, self.url)
        fill_with_log_lines(self.log)
        _chown(self.host, self.log)
        probe = self.host.run_as(f"echo probe >> {self.log}")
        _require(probe.returncode != 0 and "No space left" in probe.stderr,
                 f"the log filesystem is not full: {probe.stderr.strip()}")
        self.host.systemctl("restart", self.service)
        _expect_in_journal(self.host, self.service, "No space left on device")
        _expect_down(self.host, self.service, self.url)

    def check(self) -> Check:
        fs = os.statvfs(self.log_dir)
        free = fs.f_bavail / fs.f_blocks
        return _verdict([
            (os.path.ismount(self.log_dir), f"{self.log_dir} still a tmpfs mount"),
            _http_check(self.url, f"{self.service} ok"),
            _active_check(self.host, self.service),
            (free >= 0.5, f"{free:.0%} free on the log filesystem"),
        ])


class DeletedFile(Scenario):
    name = "deleted_file"
    service = "site"
    request = "site на {server} лежит, почини"
    fault = ("the running site's index.html is deleted (the deploy left index.html.bak next to "
             "it); every request fails with HTTP 500 and the journal shows "
             "`[Errno 2] No such file or directory: '…/www/index.html'`")

    def prepare(self, stack: ExitStack) -> None:
        www = self.host.home / "site" / "www"
        www.mkdir(parents=True)
        self.index = www / "index.html"
        self.content = f"<h1>{self.host.name} site: welcome</h1>\n"
        self.index.write_text(self.content)
        bak = www / "index.html.bak"
        shutil.copy2(self.index, bak)
        _chown(self.host, www.parent, www, self.index, bak)
        units.install_python_service(self.host, self.service, APP, args=("--www", str(www)))
        _start_healthy(self.host, self.service, self.url)
        faults.delete_file(self.host, self.index)
        status, _ = fetch(self.url)
        _require(status == 500, f"site answered {status} without its index page, not 500")
        _expect_in_journal(self.host, self.service, "No such file or directory")

    def check(self) -> Check:
        restored = self.index.exists() and self.index.read_text() == self.content
        return _verdict([
            (restored, "index.html restored" if restored else "index.html missing or different"),
            _http_check(self.url, "welcome"),
            _active_check(self.host, self.service),
        ])


class WrongPermission(Scenario):
    name = "wrong_permission"
    service = "uploads"
    request = "uploads на {server} падает с ошибкой доступа, почини"
    fault = ("the service's data directory (owned by the host user) is chmod 000; the "
             "restarted service dies with `PermissionError: [Errno 13] Permission denied: "
             "'…/uploads/data'`")

    def prepare(self, stack: ExitStack) -> None:
        self.data = self.host.home / "uploads" / "data"
        self.data.mkdir(parents=True)
        _chown(self.host, self.data.parent, self.data)
        units.install_python_service(self.host, self.service, APP,
                                     args=("--data-dir", str(self.data)))
        _start_healthy(self.host, self.service, self.url)
        faults.wrong_permission(self.host, self.data, 0o000)
        self.host.systemctl("restart", self.service)
        _expect_in_journal(self.host, self.service, "Permission denied")
        _expect_down(self.host, self.service, self.url)

    def check(self) -> Check:
        mode = stat.S_IMODE(self.data.stat().st_mode)
        http = _http_check(self.url, f"{self.service} ok")
        state = self.data / "state.json"
        try:
            writer = json.loads(state.read_text())["pid"]
        except (OSError, ValueError, KeyError):
            writer = None
        pid = units.main_pid(self.host, self.service)
        return _verdict([
            (mode & 0o700 == 0o700, f"data dir mode {mode:o}"),
            http,
            _active_check(self.host, self.service),
            (writer == pid, f"state.json written by the running service (pid {pid})"
             if writer == pid else f"state.json last written by pid {writer}, not {pid}"),
        ])


class DependencyDown(Scenario):
    name = "dependency_down"
    service = "cart"
    request = "cart на {server} не работает, почини"
    fault = ("the service's unit has Requires=/After=redis.service and REDIS_URL; Debian "
             "redis-server is stopped and the restarted service dies with `cannot connect to "
             "redis at 127.0.0.1:PORT: Error 111 … Connection refused`")

    def prepare(self, stack: ExitStack) -> None:
        self.redis_port = units.install_redis(self.host)
        units.install_python_service(
            self.host, self.service, APP,
            environment=(f"REDIS_URL=redis://127.0.0.1:{self.redis_port}/0",),
            requires=("redis",))
        self.host.systemctl("start", "redis")
        _require(faults.wait_until(lambda: faults.redis_ok(self.redis_port)),
                 "redis did not start")
        _start_healthy(self.host, self.service, self.url)
        _stop(self.host, "redis")
        self.host.systemctl("restart", self.service)
        _expect_in_journal(self.host, self.service, "Connection refused")
        _expect_down(self.host, self.service, self.url)

    def check(self) -> Check:
        return _verdict([
            (faults.redis_ok(self.redis_port), "redis answers PING"),
            _active_check(self.host, "redis"),
            _http_check(self.url, f"{self.service} ok"),
            _active_check(self.host, self.service),
        ])


SCENARIOS: tuple[type[Scenario], ...] = (
    PortTaken, Crashed, ConfigBroken, LogFlood, DeletedFile, WrongPermission, DependencyDown,
)


# ------------------------------------------------------------------ fault helpers
def start_stray_http_server(host: TestHost, port: int,
                            stack: ExitStack) -> subprocess.Popen[bytes]:
    """``python3 -m http.server PORT`` as the host user (so the host's operator may stop it)."""
    proc = subprocess.Popen(
        [str(SYSTEM_PYTHON), "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(host.home)],
        user=host.uid, group=host.gid, extra_groups=[], env=host.env(), cwd=host.home,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop() -> None:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)

    stack.callback(stop)
    _require(faults.wait_until(lambda: faults.port_open(port), timeout=10),
             f"the stray http.server did not listen on {port}")
    return proc


def mount_tmpfs(host: TestHost, where: Path, size_mb: int, stack: ExitStack) -> None:
    """Mount a ``size_mb`` tmpfs owned by the host user on ``where``; unmounted on close.

    Fails loudly (ScenarioSetupError) when mounting is impossible: a faked "full disk" would
    test nothing.
    """
    opts = f"size={size_mb}m,mode=0755,uid={host.uid},gid={host.gid}"
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "shscen-tmpfs", str(where)],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise ScenarioSetupError(
            f"cannot mount a tmpfs on {where} (the log-flood scenario needs root and "
            f"CAP_SYS_ADMIN): {res.stderr.strip()}")
    stack.callback(unmount, where)


def unmount(where: Path) -> None:
    if not os.path.ismount(where):
        return
    res = subprocess.run(["umount", str(where)], capture_output=True, text=True, check=False)
    if res.returncode != 0:  # a process still holds it: detach now, freed when it exits
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def stale_mounts(marker: str) -> list[Path]:
    """Mount points left by an earlier, killed harness run (paths containing ``marker``)."""
    found = []
    with open("/proc/self/mounts") as fh:
        for line in fh:
            fields = line.split()
            if len(fields) > 1 and fields[0] == "shscen-tmpfs" and marker in fields[1]:
                found.append(Path(fields[1].replace("\\040", " ")))
    return found


def fill_with_log_lines(path: Path) -> int:
    """Append repeated error lines to ``path`` until the filesystem is full. Returns bytes."""
    line = (b"2025-03-14T03:12:45 ERROR collector[812]: upstream 10.0.0.7:9000 unreachable, "
            b"retrying in 0 ms (attempt %d)\n")
    block = b"".join(line % i for i in range(700))
    written = 0
    with path.open("ab", buffering=0) as fh:
        while True:
            try:
                n = fh.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
            written += n or 0
            if not n:
                break
    with contextlib.suppress(OSError):
        os.sync()
    return written
