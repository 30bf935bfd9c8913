"""Backups run the real stack: sshd test hosts, SFTP, dulwich, a local bare remote."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shturman.app import Container, build
from shturman.config import load_settings
from tests.hostlab.lab import HostLab, TestHost

GIT = shutil.which("git")
PRIVATE_KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
PRIVATE_KEY = (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PRIVATE_KEY_BODY}\n"
               "QyNTUxOQAAACBzaHR1cm1hbi10ZXN0LWtleS1ub3QtcmVhbC0wMDAwMDAwAAAAA\n"
               "-----END OPENSSH PRIVATE KEY-----\n")
PASSWORD = "Hunter2-planted-secret-77"
NGINX_CONF = "worker_processes 1;\nevents { worker_connections 64; }\n"


def git(*args: str) -> str:
    if GIT is None:
        pytest.fail("the git binary is needed to check the backup repository: "
                    "apt-get install git", pytrace=False)
    return subprocess.run([GIT, *args], check=True, capture_output=True, text=True).stdout


def all_objects(repo: Path) -> str:
    """Every object of a repository, uncompressed (what an attacker with the repo reads)."""
    return subprocess.run([GIT or "git", "-C", str(repo), "cat-file", "--batch-all-objects",
                           "--batch"], check=True, capture_output=True).stdout.decode(
                               "utf-8", "replace")


def plant_tree(host: TestHost, base: str = "bk") -> Path:
    """~/bk/etc/nginx on the host: a config, a config with a password, a private key, a
    binary and a large file — owned by the host's user."""
    root = host.home / base / "etc/nginx"
    files = {
        "nginx.conf": NGINX_CONF,
        "conf.d/app.conf": f"upstream app {{ server 127.0.0.1:9000; }}\npassword = {PASSWORD}\n",
        "ssl/server.key": PRIVATE_KEY,
        "conf.d/embedded.conf": f"ssl_key_inline on;\n{PRIVATE_KEY}",
    }
    script = [f"rm -rf ~/{base}", f"mkdir -p {root}/conf.d {root}/ssl"]
    for name, text in files.items():
        script.append(f"cat > {root / name} <<'EOF'\n{text}EOF")
    script += [f"printf 'a\\0b' > {root}/logo.bin", f"head -c 9000 /dev/zero | tr '\\0' x > {root}/big.conf",
               f"chmod 0640 {root}/conf.d/app.conf"]
    result = host.run_as("\n".join(script))
    assert result.returncode == 0, result.stderr
    return root


def backup_config(lab: HostLab | None, repo: Path, remote: Path | str | None, *,
                  base: str = "bk", local_paths: list[str] | None = None) -> str:
    lines = ["language: ru", "servers:" if lab else "servers: []"]
    if lab is not None:
        h = lab.hosts[0]
        lines += ["  - name: vm1", f"    host: {h.host}", f"    port: {h.port}",
                  f"    user: {h.user}", f"    key_path: {lab.client_key}",
                  "    services: [webapp]"]
    lines += ["backups:", f"  repository: {repo}", "  paths: []", "  every: null",
              "  max_file_size: 4096", "  unit_dirs: ['~/sysroot/etc/systemd/system']"]
    if remote is not None:
        lines.append(f"  remote: '{remote}'")
    lines.append("  servers:")
    if lab is not None:
        lines += ["    vm1:", f"      paths: ['~/{base}/etc/nginx']"]
    if local_paths is not None:
        lines += ["    local:", "      defaults: false", f"      paths: {local_paths!r}"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def bare_remote(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    git("init", "--bare", "-q", str(remote))
    return remote


@pytest.fixture
def lab_host(hostlab: HostLab) -> Iterator[TestHost]:
    host = hostlab.hosts[0]
    yield host
    host.run_as("rm -rf ~/bk")


Factory = Callable[..., Any]


@pytest.fixture
async def make_backups(home: Path, tmp_path: Path) -> AsyncIterator[Factory]:
    made: list[Container] = []

    async def factory(config_text: str) -> Container:
        cfg = tmp_path / "shturman.yaml"
        cfg.write_text(config_text, encoding="utf-8")
        c = await build(load_settings(cfg, home=home))
        made.append(c)
        return c

    yield factory
    for c in made:
        await c.close()
