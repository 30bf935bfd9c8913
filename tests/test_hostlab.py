"""The test-host lab itself: real sshd hosts, systemctl3 units, fault injectors, CLI."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shturman.hosts.sshlib import asyncssh
from tests.hostlab import (
    HostLab,
    HostLabError,
    TestHost,
    break_config,
    crash_unit,
    delete_file,
    flood_log,
    free_port,
    http_ok,
    install_nginx,
    install_redis,
    port_open,
    redis_ok,
    restore_config,
    take_port,
    unit_active,
    unit_state,
    wait_until,
    wrong_permission,
)
from tests.hostlab.fixtures import acquire_shared_lab, release_shared_lab
from tests.hostlab.lab import user_pids

pytestmark = pytest.mark.sshd

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def lab() -> Iterator[HostLab]:
    """The shared 3-host lab (the same one the ``hostlab`` fixture hands out)."""
    shared = acquire_shared_lab(3)
    try:
        yield shared
    finally:
        release_shared_lab()


def ssh(lab: HostLab, host: TestHost, cmd: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        lab.ssh_argv(host, cmd), capture_output=True, text=True, timeout=timeout, check=False
    )


def web_url(host: TestHost, name: str = "webapp") -> str:
    return f"http://127.0.0.1:{host.ports[name]}/"


def test_openssh_client_key_auth_on_every_host(lab: HostLab) -> None:
    assert len(lab.hosts) == 3
    assert os.stat(lab.client_key).st_mode & 0o777 == 0o600
    for h in lab.hosts:
        res = ssh(lab, h, 'echo "$(whoami) $HOME"; command -v systemctl')
        assert res.returncode == 0, res.stderr
        lines = res.stdout.splitlines()
        assert lines[0] == f"{h.user} {h.home}"
        assert lines[1] == f"{h.home}/bin/systemctl"  # ~/bin first on PATH for `ssh host cmd`


def test_host_keys_and_fingerprints(lab: HostLab) -> None:
    fps = set()
    for h in lab.hosts:
        assert h.host_key_pub.startswith("ssh-ed25519 AAAA")
        out = subprocess.run(
            ["ssh-keygen", "-l", "-f", str(h.state_dir / "ssh_host_ed25519_key.pub")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.split()[1] == lab.host_fingerprint(h)
        fps.add(lab.host_fingerprint(h))
    assert len(fps) == 3


def test_sshd_listens_on_loopback_only(lab: HostLab) -> None:
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=False).stdout
    for h in lab.hosts:
        listeners = [ln for ln in out.splitlines() if f":{h.port} " in ln]
        assert listeners, out
        assert all(f"127.0.0.1:{h.port}" in ln for ln in listeners), listeners
        cfg = (h.state_dir / "sshd_config").read_text()
        assert "ListenAddress 127.0.0.1" in cfg


async def test_asyncssh_key_auth(lab: HostLab) -> None:
    async def one(h: TestHost) -> str:
        async with asyncssh.connect(
            h.host,
            h.port,
            username=h.user,
            client_keys=[str(lab.client_key)],
            known_hosts=str(lab.known_hosts),
        ) as conn:
            res = await conn.run("whoami", check=True)
            return str(res.stdout).strip()

    users = await asyncio.gather(*(one(h) for h in lab.hosts))
    assert users == [h.user for h in lab.hosts]


async def test_asyncssh_password_auth(lab: HostLab) -> None:
    h = lab.hosts[1]
    async with asyncssh.connect(
        h.host,
        h.port,
        username=h.user,
        password=h.password,
        client_keys=None,
        agent_path=None,
        known_hosts=str(lab.known_hosts),
    ) as conn:
        res = await conn.run("id -un", check=True)
        assert str(res.stdout).strip() == h.user
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(
            h.host,
            h.port,
            username=h.user,
            password=h.password + "-wrong",
            client_keys=None,
            agent_path=None,
            known_hosts=str(lab.known_hosts),
        )


async def test_hosts_are_isolated(lab: HostLab) -> None:
    a, b = lab.hosts[0], lab.hosts[1]
    assert len({h.uid for h in lab.hosts}) == 3
    # a user cannot read another host's home
    res = a.run_as(f"ls {b.home}")
    assert res.returncode != 0
    # each sshd admits only its own user
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(
            a.host,
            a.port,
            username=b.user,
            client_keys=[str(lab.client_key)],
            known_hosts=str(lab.known_hosts),
        )
    # units are per host: starting vm1's webapp does not touch vm2's
    assert a.unit_dir != b.unit_dir
    assert a.ports["webapp"] != b.ports["webapp"]


def test_webapp_unit_lifecycle_and_crash(lab: HostLab) -> None:
    h = lab.hosts[0]
    res = ssh(lab, h, "systemctl start webapp")
    assert res.returncode == 0, res.stderr
    assert wait_until(lambda: http_ok(web_url(h)), timeout=5)
    res = ssh(lab, h, "systemctl is-active webapp")
    assert (res.returncode, res.stdout.strip()) == (0, "active")
    assert unit_active(h, "webapp")
    assert not http_ok(web_url(lab.hosts[1]))  # other hosts untouched

    # the "journal"
    res = ssh(lab, h, "journalctl -u webapp -n 20 --no-pager")
    assert res.returncode == 0, res.stderr
    assert "Serving HTTP" in res.stdout
    assert h.journal_path("webapp").exists()

    pid = crash_unit(h, "webapp")
    assert pid > 0
    assert unit_state(h, "webapp") in ("failed", "inactive")
    assert not http_ok(web_url(h))
    res = ssh(lab, h, "systemctl status webapp")
    assert res.returncode != 0

    res = ssh(lab, h, "systemctl restart webapp")
    assert res.returncode == 0, res.stderr
    assert wait_until(lambda: http_ok(web_url(h)), timeout=5)
    res = ssh(lab, h, "systemctl stop webapp; systemctl is-active webapp")
    assert res.stdout.strip() == "inactive"
    assert not http_ok(web_url(h))


def test_take_port_makes_start_fail(lab: HostLab) -> None:
    h = lab.hosts[1]
    port = h.ports["webapp"]
    with take_port(port, host=h) as rogue:
        assert port_open(port)
        res = ssh(lab, h, "systemctl start webapp")
        assert res.returncode != 0
        assert unit_state(h, "webapp") == "failed"
        assert "Address already in use" in h.journal_path("webapp").read_text()
        # the rogue runs as the host user, so the agent on that host can find it
        res = ssh(lab, h, f"ss -Hltnp 'sport = :{port}'")
        assert f"pid={rogue.pid}" in res.stdout
    assert not port_open(port)
    res = ssh(lab, h, "systemctl start webapp")
    assert res.returncode == 0, res.stderr
    assert wait_until(lambda: http_ok(web_url(h)), timeout=5)
    ssh(lab, h, "systemctl stop webapp")


def test_nginx_unit_and_broken_config(lab: HostLab) -> None:
    h = lab.hosts[2]
    port = install_nginx(h)
    res = ssh(lab, h, "systemctl start nginx")
    assert res.returncode == 0, res.stderr
    assert wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/health"), timeout=5)
    res = ssh(lab, h, "systemctl stop nginx")
    assert res.returncode == 0, res.stderr
    assert wait_until(lambda: not port_open(port), timeout=5)

    bak = break_config(h, "nginx/nginx.conf")
    assert bak.exists()
    res = ssh(lab, h, "systemctl start nginx")
    assert res.returncode != 0
    assert not unit_active(h, "nginx")
    res = ssh(lab, h, "nginx -t -q -e ~/nginx/logs/error.log -c ~/nginx/nginx.conf")
    assert res.returncode != 0

    restore_config(h, "nginx/nginx.conf")
    res = ssh(lab, h, "systemctl start nginx")
    assert res.returncode == 0, res.stderr
    assert wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/health"), timeout=5)
    ssh(lab, h, "systemctl stop nginx")


def test_redis_unit(lab: HostLab) -> None:
    h = lab.hosts[2]
    port = install_redis(h)
    res = ssh(lab, h, "systemctl start redis")
    assert res.returncode == 0, res.stderr
    assert wait_until(lambda: redis_ok(port), timeout=5)
    ssh(lab, h, "systemctl stop redis")
    assert wait_until(lambda: not port_open(port), timeout=5)


def test_file_faults(lab: HostLab) -> None:
    h = lab.hosts[2]
    log = flood_log(h, "logs/app.log", 3)
    assert log.stat().st_size == 3 * 1024 * 1024
    assert log.stat().st_uid == h.uid
    res = ssh(lab, h, "du -m logs/app.log")
    assert res.stdout.split()[0] in ("3", "4")

    (h.home / "app.conf").write_text("key = value\n")
    os.chown(h.home / "app.conf", h.uid, h.gid)
    old = wrong_permission(h, "app.conf")
    assert old == 0o644
    assert h.run_as("cat app.conf").returncode != 0
    os.chmod(h.home / "app.conf", old)
    assert h.run_as("cat app.conf").stdout == "key = value\n"

    delete_file(h, "app.conf")
    assert ssh(lab, h, "test -e app.conf").returncode == 1
    delete_file(h, "logs/app.log")


def _assert_gone(lab: HostLab, sshd_pids: list[int]) -> None:
    for h in lab.hosts:
        assert user_pids(h.uid) == [], h.user
        assert not port_open(h.port)
    for pid in sshd_pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_stop_leaves_nothing_behind() -> None:
    base = Path("/tmp") / f"shturman-hostlab-stop-{os.getpid()}"
    lab = HostLab(base, 2, user_prefix="shtstop")
    with lab:
        h1, h2 = lab.hosts
        assert ssh(lab, h1, "systemctl start webapp").returncode == 0  # via sshd
        assert h2.systemctl("start", "webapp").returncode == 0  # locally, as the user
        rogue = take_port(free_port(), host=h1)  # stopped by lab.stop()
        assert wait_until(lambda: http_ok(web_url(h1)) and http_ok(web_url(h2)), timeout=5)
        sshd_pids = [h.sshd_pid for h in lab.hosts]
        assert all(user_pids(h.uid) for h in lab.hosts)
    _assert_gone(lab, sshd_pids)
    assert rogue.proc.poll() is not None
    assert not http_ok(web_url(h1)) and not http_ok(web_url(h2))
    lab.stop()  # idempotent
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
async def test_twenty_hosts_start_and_fan_out() -> None:
    base = Path("/tmp") / f"shturman-hostlab-20-{os.getpid()}"
    lab = HostLab(base, 20, user_prefix="shbench", with_units=True)
    t0 = time.monotonic()
    try:
        await asyncio.to_thread(lab.start)
        started = time.monotonic() - t0
        assert len(lab.hosts) == 20
        assert started < 20, f"20 hosts took {started:.1f}s"

        async def one(h: TestHost) -> str:
            async with asyncssh.connect(
                h.host,
                h.port,
                username=h.user,
                client_keys=[str(lab.client_key)],
                known_hosts=str(lab.known_hosts),
            ) as conn:
                return str((await conn.run("whoami", check=True)).stdout).strip()

        t1 = time.monotonic()
        users = await asyncio.gather(*(one(h) for h in lab.hosts))
        fan_out = time.monotonic() - t1
        assert users == [h.user for h in lab.hosts]
        print(f"\nhostlab: 20 hosts started in {started:.2f}s, fan-out whoami {fan_out:.2f}s")
    finally:
        await asyncio.to_thread(lab.stop)
        await asyncio.to_thread(shutil.rmtree, base, True)


def test_cli_up_and_down() -> None:
    base = Path("/tmp") / f"shturman-hostlab-cli-{os.getpid()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.hostlab", "up", "--count", "2", "--dir", str(base),
         "--json", "--user-prefix", "shtcli"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line, proc.stderr.read() if proc.stderr else ""
        info = json.loads(line)
        assert [h["name"] for h in info["hosts"]] == ["vm1", "vm2"]
        assert (base / "hostlab.json").exists()
        h = info["hosts"][0]
        res = subprocess.run(
            ["ssh", "-F", info["ssh_config"], "vm1", "whoami"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert res.stdout.strip() == h["user"], res.stderr
        assert h["host_key"].startswith("ssh-ed25519 ")
        down = subprocess.run(
            [sys.executable, "-m", "tests.hostlab", "down", "--dir", str(base)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert down.returncode == 0, down.stderr
        assert proc.wait(timeout=30) == 0
        assert not (base / "hostlab.json").exists()
        for hh in info["hosts"]:
            assert not port_open(hh["port"])
            assert (
                not Path(f"/proc/{hh['sshd_pid']}/cmdline").exists()
                or not Path(f"/proc/{hh['sshd_pid']}/cmdline").read_bytes()
            )
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
        shutil.rmtree(base, ignore_errors=True)


def test_missing_sshd_fails_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.hostlab import lab as lab_module

    monkeypatch.setattr(lab_module, "SSHD", Path("/nonexistent/sshd"))
    with pytest.raises(HostLabError, match="apt-get install openssh-server"):
        HostLab(Path("/tmp/shturman-hostlab-never"), 1, user_prefix="shtnone").start()
    assert not Path("/tmp/shturman-hostlab-never").exists()
