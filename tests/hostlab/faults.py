"""Fault injectors and checkers for test hosts. Plain functions, run locally as root."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from .lab import LOOPBACK, SYSTEM_PYTHON, TestHost, _pid_alive
from .units import main_pid

_ROGUE_SRC = """\
import signal, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as real servers do: TIME_WAIT is fine
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
while True:
    c, _ = s.accept()
    c.close()
"""


class RogueProcess:
    """A process squatting on a port; ``stop()`` (or ``with``) ends it."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, host: TestHost | None) -> None:
        self.proc = proc
        self.port = port
        self.host = host

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        with contextlib.suppress(ValueError):
            _ROGUES.remove(self)

    def __enter__(self) -> RogueProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_ROGUES: list[RogueProcess] = []


def stop_rogues(hosts: Iterable[TestHost] | None = None) -> None:
    """Stop rogue processes (those bound to ``hosts``, or all of them)."""
    names = None if hosts is None else {id(h) for h in hosts}
    for r in list(_ROGUES):
        if names is None or r.host is None or id(r.host) in names:
            r.stop()


def take_port(port: int, host: TestHost | None = None, timeout: float = 5.0) -> RogueProcess:
    """Start a rogue process listening on 127.0.0.1:``port`` (as ``host``'s user if given,
    so an agent on that host can find and kill it)."""
    kwargs: dict[str, object] = {}
    if host is not None:
        kwargs = {
            "user": host.uid,
            "group": host.gid,
            "extra_groups": [],
            "cwd": host.home,
            "env": host.env(),
        }
    proc = subprocess.Popen(
        [str(SYSTEM_PYTHON), "-c", _ROGUE_SRC, str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[arg-type]
    )
    rogue = RogueProcess(proc, port, host)
    _ROGUES.append(rogue)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            rogue.stop()
            raise RuntimeError(f"could not take port {port}: {err.strip()}")
        if port_open(port):
            return rogue
        time.sleep(0.02)
    rogue.stop()
    raise RuntimeError(f"rogue process did not listen on {port} in {timeout}s")


def crash_unit(host: TestHost, unit: str, sig: int = signal.SIGKILL, timeout: float = 5.0) -> int:
    """Kill the unit's main process (and its process group) like a crash. Returns the pid."""
    pid = main_pid(host, unit)
    if not pid or not _pid_alive(pid):
        raise RuntimeError(f"{host.name}: unit {unit} has no running main process")
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        pgid = 0
    if pgid == pid:  # systemctl3 runs each unit in its own session/group
        os.killpg(pgid, sig)
    else:
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return pid


def _own(host: TestHost, path: Path) -> None:
    os.chown(path, host.uid, host.gid)


def break_config(host: TestHost, path: str | Path, garbage: str | None = None) -> Path:
    """Append a syntax error to a config file, keeping the original as ``PATH.bak``."""
    p = host.path(path)
    bak = p.with_name(p.name + ".bak")
    shutil.copy2(p, bak)
    _own(host, bak)
    with p.open("a") as fh:
        fh.write(garbage if garbage is not None else "\n}}} this line is broken {{{ ;\n")
    return bak


def restore_config(host: TestHost, path: str | Path) -> None:
    p = host.path(path)
    bak = p.with_name(p.name + ".bak")
    os.replace(bak, p)


def flood_log(host: TestHost, path: str | Path, mb: float) -> Path:
    """Append about ``mb`` MiB of log lines to ``path`` (owned by the host user)."""
    p = host.path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    line = b"2024-01-01T00:00:00Z ERROR worker[42]: something went wrong, retrying (flood)\n"
    block = line * (65536 // len(line))
    remaining = int(mb * 1024 * 1024)
    with p.open("ab") as fh:
        while remaining > 0:
            chunk = block[:remaining]
            fh.write(chunk)
            remaining -= len(chunk)
    _own(host, p)
    return p


def delete_file(host: TestHost, path: str | Path) -> None:
    host.path(path).unlink()


def wrong_permission(host: TestHost, path: str | Path, mode: int = 0o000) -> int:
    """chmod ``path`` to ``mode`` (default 000). Returns the previous mode bits."""
    p = host.path(path)
    old = stat.S_IMODE(p.stat().st_mode)
    os.chmod(p, mode)
    return old


# ------------------------------------------------------------------ checkers
def port_open(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_ok(url: str, timeout: float = 3.0) -> bool:
    """True if GET ``url`` answers HTTP 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def unit_active(host: TestHost, unit: str) -> bool:
    """``systemctl is-active UNIT`` on the host (as its user)."""
    res = host.systemctl("is-active", unit)
    return res.returncode == 0 and res.stdout.strip() == "active"


def unit_state(host: TestHost, unit: str) -> str:
    """``active``, ``inactive``, ``failed``, ... as systemctl3 reports it."""
    return host.systemctl("is-active", unit).stdout.strip()


def redis_ok(port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def wait_until(pred: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll ``pred`` until it is true or ``timeout`` passes. Returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
