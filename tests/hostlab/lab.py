"""Real OpenSSH test hosts on loopback: one sshd, one Unix user and one home per "server".

Everything here runs as root (users are created with ``useradd``, sshd needs root).
Nothing listens anywhere but 127.0.0.1.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = Path("/usr/bin/ssh-keygen")
SYSTEM_PYTHON = Path("/usr/bin/python3")
LOOPBACK = "127.0.0.1"
APT_PACKAGES = ("openssh-server", "openssh-client", "python3", "nginx-light", "redis-server")
_USERS_LOCK = Path("/run/shturman-hostlab.users.lock")
_SUPERVISOR = Path(__file__).with_name("_supervisor.py")
STATE_FILE = "hostlab.json"


class HostLabError(RuntimeError):
    """The lab cannot be set up; the message says what to install or fix."""


@dataclass
class TestHost:
    """One simulated server: an sshd on ``host:port`` that admits only ``user``."""

    __test__ = False  # not a pytest test class

    name: str
    port: int
    user: str
    home: Path
    password: str
    host_key_pub: str
    host: str = LOOPBACK
    uid: int = -1
    gid: int = -1
    sshd_pid: int = 0
    state_dir: Path = field(default_factory=Path)
    ports: dict[str, int] = field(default_factory=dict)  # service name -> port

    @property
    def sysroot(self) -> Path:
        """The ``--root`` of this host's systemctl3 (its private /etc, /run, /var)."""
        return self.home / "sysroot"

    @property
    def unit_dir(self) -> Path:
        return self.sysroot / "etc/systemd/system"

    @property
    def bin_dir(self) -> Path:
        return self.home / "bin"

    def path(self, p: str | Path) -> Path:
        """Resolve ``p`` relative to the home directory (absolute paths stay as they are)."""
        p = Path(p)
        return p if p.is_absolute() else self.home / p

    def journal_path(self, unit: str) -> Path:
        """Where systemctl3 writes the unit's stdout/stderr ("journal")."""
        return self.sysroot / "var/log/journal" / f"{_unit_name(unit)}.log"

    def env(self) -> dict[str, str]:
        """The environment a non-interactive ``ssh host cmd`` session gets."""
        return {
            "HOME": str(self.home),
            "USER": self.user,
            "LOGNAME": self.user,
            "SHELL": "/bin/bash",
            "PATH": _user_path(self.home),
            "LANG": "C.UTF-8",
        }

    def run_as(
        self, cmd: str, *, check: bool = False, timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """Run ``bash -c cmd`` locally as this host's user (for injectors and checkers)."""
        return subprocess.run(
            ["/bin/bash", "-c", cmd],
            user=self.uid,
            group=self.gid,
            extra_groups=[],
            env=self.env(),
            cwd=self.home,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def systemctl(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """``systemctl ARGS`` as the host user (systemctl3 with the host's own root)."""
        return self.run_as("systemctl " + " ".join(_shq(a) for a in args), timeout=timeout)

    def ssh_argv(self, client_key: Path, known_hosts: Path, *command: str) -> list[str]:
        """An OpenSSH client command line for this host (strict host key checking)."""
        return [
            "ssh",
            "-i",
            str(client_key),
            "-p",
            str(self.port),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={known_hosts}",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-F",
            "/dev/null",
            f"{self.user}@{self.host}",
            *command,
        ]

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "home": str(self.home),
            "password": self.password,
            "host_key": self.host_key_pub,
            "sshd_pid": self.sshd_pid,
            "ports": dict(self.ports),
        }


def _shq(s: str) -> str:
    return shlex.quote(s)


def _unit_name(unit: str) -> str:
    return unit if "." in unit else unit + ".service"


def _user_path(home: Path) -> str:
    return f"{home}/bin:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((LOOPBACK, 0))
            socks.append(s)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def fingerprint(public_key_line: str) -> str:
    """OpenSSH ``SHA256:...`` fingerprint of a ``ssh-ed25519 AAAA...`` line."""
    blob = base64.b64decode(public_key_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _sshd_version() -> tuple[int, int]:
    out = subprocess.run([str(SSHD), "-V"], capture_output=True, text=True).stderr
    m = re.search(r"OpenSSH_(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def _systemctl3_source() -> Path:
    import importlib.util

    try:
        spec = importlib.util.find_spec("systemctl2.systemctl3")
    except ImportError:
        spec = None
    if spec is None or not spec.origin:
        raise HostLabError("systemctl3.py not found: pip install docker-systemctl-replacement")
    return Path(spec.origin)


# Every `systemctl` on a lab host is a fresh Python process, and Python never caches the
# bytecode of a script it is given: compiling systemctl3.py's 7,000 lines cost ~70 ms of CPU per
# call. The wrapper runs it through this launcher instead, as ``__main__`` from the bytecode
# compiled once here (same program, same ``sys.argv[0]``, same ``sys.path[0]``).
SYSTEMCTL3_LAUNCHER = "systemctl3_launch.py"
_LAUNCHER_SRC = """\
# runs systemctl3.py (next to this file) as __main__ from its cached bytecode
import runpy
runpy.run_module("systemctl3", run_name="__main__", alter_sys=True)
"""


def _precompile_systemctl3(share: Path) -> None:
    """Compile ``share/systemctl3.py`` for the hosts' Python and write its launcher."""
    res = subprocess.run(
        [str(SYSTEM_PYTHON), "-m", "py_compile", str(share / "systemctl3.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode != 0:
        raise HostLabError(f"cannot compile systemctl3.py: {res.stderr.strip()}")
    for path in (share / "__pycache__", *(share / "__pycache__").iterdir()):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    (share / SYSTEMCTL3_LAUNCHER).write_text(_LAUNCHER_SRC)
    os.chmod(share / SYSTEMCTL3_LAUNCHER, 0o644)


@contextlib.contextmanager
def _users_lock() -> Iterator[None]:
    with open(_USERS_LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _ensure_user(user: str, home: Path) -> pwd.struct_passwd:
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        subprocess.run(
            ["useradd", "-M", "-U", "-d", str(home), "-s", "/bin/bash", "-c", "hostlab", user],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(user)
    if pw.pw_dir != str(home) or pw.pw_shell != "/bin/bash":
        res = subprocess.run(
            ["usermod", "-d", str(home), "-s", "/bin/bash", user], capture_output=True, text=True
        )
        if res.returncode != 0:
            # usermod refuses while the uid owns any process, zombies included (a PID 1 that
            # never reaps, as in some containers, keeps crashed units forever): recreate.
            subprocess.run(["userdel", "-f", user], capture_output=True, check=False)
            subprocess.run(
                ["useradd", "-M", "-U", "-d", str(home), "-s", "/bin/bash", "-c", "hostlab", user],
                check=True,
                capture_output=True,
            )
        pw = pwd.getpwnam(user)
    return pw


def user_pids(uid: int) -> list[int]:
    """Live (non-zombie) processes of ``uid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            st = os.stat(f"/proc/{entry}")
            if st.st_uid != uid:
                continue
            with open(f"/proc/{entry}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            pids.append(int(entry))
    return pids


def kill_user_processes(uid: int, timeout: float = 3.0) -> None:
    """SIGTERM every process of ``uid``, then SIGKILL what is left."""
    if uid <= 0:
        raise ValueError("refusing to kill processes of root")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = user_pids(uid)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM else 2.0)
        while time.monotonic() < deadline and user_pids(uid):
            time.sleep(0.05)


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def wait_ssh_banner(host: str, port: int, timeout: float = 10.0) -> None:
    """Wait until ``host:port`` accepts TCP and greets with ``SSH-2.0``."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1.0) as s:
                data = b""
                while b"\n" not in data and len(data) < 256:
                    chunk = s.recv(256)
                    if not chunk:
                        break
                    data += chunk
                if data.startswith(b"SSH-2.0"):
                    return
                last = HostLabError(f"unexpected banner {data!r}")
        except OSError as exc:
            last = exc
        time.sleep(0.01)
    raise HostLabError(f"sshd on {host}:{port} not ready after {timeout}s: {last}")


_PROFILE = """\
# minimal login profile of a shturman test host
export PATH="$HOME/bin:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
"""
_BASHRC = """\
# minimal on purpose: sshd runs every command through this shell
export PATH="$HOME/bin:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
"""


class HostLab:
    """N real sshd "servers" on loopback. A context manager; ``stop()`` is idempotent."""

    def __init__(
        self,
        base_dir: Path,
        count: int,
        *,
        with_units: bool = True,
        password_auth: bool = True,
        name_prefix: str = "vm",
        user_prefix: str = "shtest",
    ) -> None:
        if count < 1:
            raise ValueError("count must be >= 1")
        self.base_dir = Path(base_dir).absolute()
        self.count = count
        self.with_units = with_units
        self.password_auth = password_auth
        self.name_prefix = name_prefix
        self.user_prefix = user_prefix
        self.client_key = self.base_dir / "client_key"
        self.known_hosts = self.base_dir / "known_hosts"
        self.ssh_config = self.base_dir / "ssh_config"
        self.hosts: list[TestHost] = []
        self.start_seconds = 0.0
        self._supervisor: subprocess.Popen[str] | None = None
        self._stopped = True
        self._atexit = False

    # ---------------------------------------------------------------- public API
    def __enter__(self) -> HostLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def host(self, name: str) -> TestHost:
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(name)

    def host_fingerprint(self, host: TestHost | str) -> str:
        h = self.host(host) if isinstance(host, str) else host
        return fingerprint(h.host_key_pub)

    @property
    def client_key_pub(self) -> str:
        return self.client_key.with_suffix(".pub").read_text().strip()

    def ssh_argv(self, host: TestHost, *command: str) -> list[str]:
        return host.ssh_argv(self.client_key, self.known_hosts, *command)

    def to_json(self) -> dict[str, object]:
        return {
            "base_dir": str(self.base_dir),
            "client_key": str(self.client_key),
            "known_hosts": str(self.known_hosts),
            "ssh_config": str(self.ssh_config),
            "supervisor_pid": self._supervisor.pid if self._supervisor else 0,
            "hosts": [{**h.to_json(), "client_key": str(self.client_key)} for h in self.hosts],
        }

    def start(self) -> HostLab:
        if not self._stopped:
            return self
        t0 = time.monotonic()
        self._preflight()
        self._stopped = False
        if not self._atexit:
            atexit.register(self.stop)
            self._atexit = True
        try:
            self._prepare_dirs()
            self._make_client_key()
            self._make_hosts()
            self._write_client_files()
            self._start_sshds()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        from . import faults

        faults.stop_rogues(self.hosts)
        # Units first (while the supervisor is still there to reap them), then sshd.
        for h in self.hosts:
            if h.uid > 0:
                kill_user_processes(h.uid)
        sup = self._supervisor
        self._supervisor = None
        if sup is not None:
            if sup.poll() is None:
                sup.send_signal(signal.SIGTERM)
            try:
                sup.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sup.kill()
                sup.wait(timeout=5)
            if sup.stdout:
                sup.stdout.close()
        for h in self.hosts:
            if h.sshd_pid and _pid_alive(h.sshd_pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(h.sshd_pid, signal.SIGKILL)
            if h.uid > 0:
                kill_user_processes(h.uid)
        with contextlib.suppress(FileNotFoundError):
            (self.base_dir / STATE_FILE).unlink()

    def write_state(self, extra: dict[str, object] | None = None) -> Path:
        """Write ``DIR/hostlab.json`` (used by ``python -m tests.hostlab down``)."""
        data = self.to_json()
        data.update(
            {
                "pid": os.getpid(),
                "uids": [h.uid for h in self.hosts],
                "sshd_pids": [h.sshd_pid for h in self.hosts],
            }
        )
        if extra:
            data.update(extra)
        path = self.base_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(path)
        return path

    # ---------------------------------------------------------------- internals
    def _preflight(self) -> None:
        if os.geteuid() != 0:
            raise HostLabError("the host lab must run as root (it creates users and runs sshd)")
        pkgs = " ".join(APT_PACKAGES)
        for tool, pkg in ((SSHD, "openssh-server"), (SSH_KEYGEN, "openssh-client")):
            if not tool.exists():
                raise HostLabError(
                    f"{tool} is missing: apt-get install {pkg} (the lab needs: {pkgs})"
                )
        if self.with_units and not SYSTEM_PYTHON.exists():
            raise HostLabError(f"{SYSTEM_PYTHON} is missing: apt-get install python3")
        if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,20}", self.user_prefix):
            raise HostLabError(f"bad user prefix {self.user_prefix!r}")

    def _prepare_dirs(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base_dir, 0o755)
        for parent in self.base_dir.parents:
            if not os.stat(parent).st_mode & 0o001:
                raise HostLabError(
                    f"{parent} is not traversable by other users (mode "
                    f"{oct(os.stat(parent).st_mode & 0o777)}); put the lab elsewhere, e.g. /tmp"
                )
        for sub in ("homes", "hosts", "share"):
            (self.base_dir / sub).mkdir(exist_ok=True)
            os.chmod(self.base_dir / sub, 0o755)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        if self.with_units:
            share = self.base_dir / "share"
            src = _systemctl3_source()
            shutil.copyfile(src, share / "systemctl3.py")
            os.chmod(share / "systemctl3.py", 0o755)
            _precompile_systemctl3(share)

    def _make_client_key(self) -> None:
        if not self.client_key.exists():
            subprocess.run(
                [
                    str(SSH_KEYGEN),
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    "shturman-hostlab-client",
                    "-f",
                    str(self.client_key),
                ],
                check=True,
                capture_output=True,
            )
        os.chmod(self.client_key, 0o600)

    def _make_hosts(self) -> None:
        ports = free_ports(self.count)
        keygens = []
        for i in range(1, self.count + 1):
            state = self.base_dir / "hosts" / f"{self.name_prefix}{i}"
            state.mkdir(exist_ok=True)
            key = state / "ssh_host_ed25519_key"
            if not key.exists():
                keygens.append(
                    subprocess.Popen(
                        [
                            str(SSH_KEYGEN),
                            "-q",
                            "-t",
                            "ed25519",
                            "-N",
                            "",
                            "-C",
                            f"{self.name_prefix}{i}",
                            "-f",
                            str(key),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
        for p in keygens:
            if p.wait() != 0:
                raise HostLabError("ssh-keygen failed")
        client_pub = self.client_key_pub
        passwords: list[str] = []
        with _users_lock():
            for i in range(1, self.count + 1):
                name = f"{self.name_prefix}{i}"
                user = f"{self.user_prefix}{i}"
                home = self.base_dir / "homes" / user
                pw = _ensure_user(user, home)
                # Leftovers of an earlier lab with the same users would hold ports/state.
                kill_user_processes(pw.pw_uid)
                password = secrets.token_urlsafe(12)
                passwords.append(f"{user}:{password}")
                state = self.base_dir / "hosts" / name
                host = TestHost(
                    name=name,
                    port=ports[i - 1],
                    user=user,
                    home=home,
                    password=password,
                    host_key_pub=(state / "ssh_host_ed25519_key.pub").read_text().strip(),
                    uid=pw.pw_uid,
                    gid=pw.pw_gid,
                    state_dir=state,
                )
                self._make_home(host, client_pub)
                self.hosts.append(host)
            # Always set a password: with UsePAM no, sshd refuses a locked ("!") account
            # even for public-key logins.
            subprocess.run(
                ["chpasswd"],
                input="\n".join(passwords) + "\n",
                text=True,
                check=True,
                capture_output=True,
            )

    def _make_home(self, host: TestHost, client_pub: str) -> None:
        home = host.home
        for d in (home, home / ".ssh", home / "bin", home / "logs"):
            d.mkdir(parents=True, exist_ok=True)
        (home / ".ssh/authorized_keys").write_text(client_pub + "\n")
        (home / ".profile").write_text(_PROFILE)
        (home / ".bashrc").write_text(_BASHRC)
        (home / ".hushlogin").write_text("")
        if self.with_units:
            from . import units

            units.install_systemctl(host, self.base_dir / "share" / "systemctl3.py")
        subprocess.run(["chown", "-R", f"{host.uid}:{host.gid}", str(home)], check=True)
        os.chmod(home, 0o700)
        os.chmod(home / ".ssh", 0o700)
        os.chmod(home / ".ssh/authorized_keys", 0o600)
        if self.with_units:
            from . import units

            units.install_webapp(host)

    def _sshd_config(self, host: TestHost) -> str:
        path = _user_path(host.home)
        lines = [
            f"Port {host.port}",
            f"ListenAddress {LOOPBACK}",
            "AddressFamily inet",
            f"HostKey {host.state_dir / 'ssh_host_ed25519_key'}",
            f"PidFile {host.state_dir / 'sshd.pid'}",
            f"AllowUsers {host.user}",
            "PermitRootLogin no",
            "PubkeyAuthentication yes",
            "AuthorizedKeysFile .ssh/authorized_keys",
            f"PasswordAuthentication {'yes' if self.password_auth else 'no'}",
            "KbdInteractiveAuthentication no",
            "PermitEmptyPasswords no",
            "UsePAM no",
            "StrictModes no",
            "MaxSessions 100",
            "MaxStartups 200:30:300",
            "MaxAuthTries 10",
            "LoginGraceTime 30",
            "LogLevel ERROR",
            "UseDNS no",
            "PrintMotd no",
            "PrintLastLog no",
            "X11Forwarding no",
            "AllowAgentForwarding no",
            "AllowTcpForwarding local",
            "GatewayPorts no",
            "PermitTunnel no",
            "PermitUserEnvironment no",
            "ClientAliveInterval 0",
            f"SetEnv PATH={path}",
            "Subsystem sftp internal-sftp",
        ]
        if _sshd_version() >= (9, 8):
            # Newer sshd penalises sources after failed auths/crashes: would lock out loopback.
            lines.append("PerSourcePenalties no")
        return "\n".join(lines) + "\n"

    def _start_sshds(self) -> None:
        spec = []
        for h in self.hosts:
            cfg = h.state_dir / "sshd_config"
            cfg.write_text(self._sshd_config(h))
            argv = [str(SSHD), "-D", "-e", "-f", str(cfg)]
            spec.append({"argv": argv, "log": str(h.state_dir / "sshd.log")})
        spec_path = self.base_dir / "supervisor.json"
        spec_path.write_text(json.dumps(spec))
        self._supervisor = subprocess.Popen(
            [sys.executable, str(_SUPERVISOR), str(os.getpid()), str(spec_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=open(self.base_dir / "supervisor.log", "a"),  # noqa: SIM115
            text=True,
            close_fds=True,
        )
        line = self._supervisor.stdout.readline() if self._supervisor.stdout else ""
        if not line:
            raise HostLabError(f"host lab supervisor failed, see {self.base_dir}/supervisor.log")
        pids = json.loads(line)["pids"]
        for h, pid in zip(self.hosts, pids, strict=True):
            h.sshd_pid = pid
        for h in self.hosts:
            try:
                wait_ssh_banner(h.host, h.port)
            except HostLabError as exc:
                log = (h.state_dir / "sshd.log").read_text(errors="replace")[-2000:]
                raise HostLabError(f"{h.name}: {exc}\nsshd log:\n{log}") from exc

    def _write_client_files(self) -> None:
        self.known_hosts.write_text(
            "".join(f"[{h.host}]:{h.port} {h.host_key_pub}\n" for h in self.hosts)
        )
        blocks = []
        for h in self.hosts:
            blocks.append(
                f"Host {h.name}\n"
                f"  HostName {h.host}\n"
                f"  Port {h.port}\n"
                f"  User {h.user}\n"
                f"  IdentityFile {self.client_key}\n"
                f"  IdentitiesOnly yes\n"
                f"  UserKnownHostsFile {self.known_hosts}\n"
                f"  GlobalKnownHostsFile /dev/null\n"
                f"  StrictHostKeyChecking yes\n"
                f"  BatchMode yes\n"
                f"  LogLevel ERROR\n"
            )
        self.ssh_config.write_text("\n".join(blocks))
