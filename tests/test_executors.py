"""Executor contract: the same behaviour from LocalExecutor, an in-process asyncssh server and
real OpenSSH sshd test hosts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shturman.domain.errors import AuthError, HostKeyError, UnreachableError
from shturman.domain.models import AuthMethod, CommandOutcome, Server, local_server
from shturman.hosts import LocalExecutor, SshExecutor
from shturman.hosts.executor import Executor
from tests.fakes import MemoryCredentials, MemoryPins
from tests.hostlab.lab import HostLab
from tests.sshserver import start_inprocess_sshd

CAP = 64 * 1024


@dataclass
class Target:
    executor: Executor
    server: Server


@pytest.fixture(params=["local", "inprocess", "sshd"])
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    if request.param == "local":
        ex = LocalExecutor(output_cap=CAP)
        yield Target(ex, local_server())
        return
    if request.param == "inprocess":
        sshd = await start_inprocess_sshd(tmp_path)
        server = Server("inproc", "127.0.0.1", sshd.port, "tester", AuthMethod.KEY,
                        key_path=str(sshd.client_key))
        ex = SshExecutor(MemoryCredentials(), MemoryPins(), output_cap=CAP)
        yield Target(ex, server)
        await ex.close()
        sshd.close()
        return
    lab: HostLab = request.getfixturevalue("hostlab")
    host = lab.hosts[0]
    server = Server(host.name, host.host, host.port, host.user, AuthMethod.KEY,
                    key_path=str(lab.client_key))
    ex = SshExecutor(MemoryCredentials(), MemoryPins(), output_cap=CAP)
    yield Target(ex, server)
    await ex.close()


async def test_exit_code_and_streams(target: Target) -> None:
    r = await target.executor.run(target.server, "echo out; echo err >&2; exit 3", timeout=10)
    assert r.exit_code == 3
    assert r.outcome is CommandOutcome.FAILED
    assert r.stdout.text == "out\n"
    assert r.stderr.text == "err\n"


async def test_success(target: Target) -> None:
    r = await target.executor.run(target.server, "true", timeout=10)
    assert r.ok and r.exit_code == 0


async def test_timeout_kills_the_command(target: Target, tmp_path: Path) -> None:
    started = time.perf_counter()
    r = await target.executor.run(target.server, "sleep 30", timeout=0.5)
    assert r.outcome is CommandOutcome.TIMEOUT
    assert r.exit_code is None
    assert time.perf_counter() - started < 10
    # the remote `sleep 30` must be gone
    await asyncio.sleep(0.3)
    check = await target.executor.run(target.server, "pgrep -f -x 'sleep 30' || true",
                                      timeout=10)
    assert check.stdout.text.strip() == ""


async def test_huge_output_is_capped_head_and_tail(target: Target) -> None:
    # 50 MB of output: memory stays bounded, head and tail are kept, bytes are counted.
    cmd = "echo FIRST; head -c 50000000 /dev/zero | tr '\\0' 'x'; echo; echo LAST"
    r = await target.executor.run(target.server, cmd, timeout=60)
    assert r.ok
    assert r.stdout.truncated
    assert r.stdout.total_bytes > 50_000_000
    assert r.stdout.text.startswith("FIRST\n")
    assert r.stdout.text.rstrip().endswith("LAST")
    assert len(r.stdout.text.encode()) < CAP + 200


async def test_binary_output(target: Target) -> None:
    r = await target.executor.run(target.server, "head -c 4096 /dev/urandom; printf '\\0'",
                                  timeout=10)
    assert r.ok
    assert r.stdout.binary
    assert "4097 bytes" in r.stdout.text


async def test_non_utf8_output(target: Target) -> None:
    r = await target.executor.run(target.server, "printf 'caf\\xe9 ok\\n'", timeout=10)
    assert r.ok and not r.stdout.binary
    assert r.stdout.text == "caf\ufffd ok\n"


async def test_concurrent_commands(target: Target) -> None:
    results = await asyncio.gather(
        *(target.executor.run(target.server, f"echo {i}", timeout=10) for i in range(20))
    )
    assert [r.stdout.text.strip() for r in results] == [str(i) for i in range(20)]


async def test_unicode_roundtrip(target: Target) -> None:
    r = await target.executor.run(target.server, "echo 'Привет, штурман'", timeout=10)
    assert r.stdout.text == "Привет, штурман\n"


# --- SSH-specific behaviour -------------------------------------------------------------


async def test_connection_is_pooled_and_reconnects(tmp_path: Path) -> None:
    sshd = await start_inprocess_sshd(tmp_path)
    server = Server("p", "127.0.0.1", sshd.port, "u", AuthMethod.KEY,
                    key_path=str(sshd.client_key))
    ex = SshExecutor(MemoryCredentials(), MemoryPins())
    try:
        await ex.run(server, "true", timeout=5)
        first = await ex.connection(server)
        await ex.run(server, "true", timeout=5)
        assert await ex.connection(server) is first
        first.close()  # the connection drops
        await first.wait_closed()
        r = await ex.run(server, "echo again", timeout=5)
        assert r.stdout.text == "again\n"
        assert await ex.connection(server) is not first
    finally:
        await ex.close()
        sshd.close()


async def test_first_contact_pins_and_changed_key_is_refused(tmp_path: Path) -> None:
    sshd = await start_inprocess_sshd(tmp_path)
    pins = MemoryPins()
    server = Server("k", "127.0.0.1", sshd.port, "u", AuthMethod.KEY,
                    key_path=str(sshd.client_key))
    ex = SshExecutor(MemoryCredentials(), pins)
    await ex.run(server, "true", timeout=5)
    assert pins.keys["k"] == sshd.host_key_line
    await ex.close()
    sshd.close()
    # same port, new host key: a different machine answers
    (tmp_path / "other").mkdir()
    other = await start_inprocess_sshd(tmp_path / "other")
    server2 = Server("k", "127.0.0.1", other.port, "u", AuthMethod.KEY,
                     key_path=str(other.client_key))
    ex2 = SshExecutor(MemoryCredentials(), pins)
    try:
        with pytest.raises(HostKeyError) as info:
            await ex2.run(server2, "true", timeout=5)
        assert info.value.expected and info.value.got and info.value.expected != info.value.got
        assert pins.keys["k"] == sshd.host_key_line  # never silently re-pinned
    finally:
        await ex2.close()
        other.close()


async def test_password_auth_and_wrong_password(tmp_path: Path) -> None:
    sshd = await start_inprocess_sshd(tmp_path, password="right-one")
    server = Server("pw", "127.0.0.1", sshd.port, "u", AuthMethod.PASSWORD)
    good = SshExecutor(MemoryCredentials(passwords={"pw": "right-one"}), MemoryPins())
    bad = SshExecutor(MemoryCredentials(passwords={"pw": "wrong"}), MemoryPins())
    try:
        assert (await good.run(server, "echo hi", timeout=5)).stdout.text == "hi\n"
        with pytest.raises(AuthError):
            await bad.run(server, "true", timeout=5)
    finally:
        await good.close()
        await bad.close()
        sshd.close()


async def test_refused_and_unreachable(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Server("dead", "127.0.0.1", port, "u", AuthMethod.KEY, key_path="/nonexistent")
    ex = SshExecutor(MemoryCredentials(), MemoryPins(), connect_timeout=2)
    with pytest.raises(UnreachableError, match="refused"):
        await ex.run(server, "true", timeout=5)
    # a listener that never speaks SSH: the connect times out cleanly
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        quiet = Server("quiet", "127.0.0.1", silent.getsockname()[1], "u", AuthMethod.KEY,
                       key_path="/nonexistent")
        ex = SshExecutor(MemoryCredentials(), MemoryPins(), connect_timeout=0.5)
        with pytest.raises(UnreachableError, match="did not answer"):
            await ex.run(quiet, "true", timeout=5)


async def test_real_sshd_password_auth(hostlab: HostLab) -> None:
    host = hostlab.hosts[1]
    server = Server(host.name, host.host, host.port, host.user, AuthMethod.PASSWORD)
    ex = SshExecutor(MemoryCredentials(passwords={host.name: host.password}), MemoryPins())
    try:
        r = await ex.run(server, "whoami", timeout=10)
        assert r.stdout.text.strip() == host.user
    finally:
        await ex.close()
