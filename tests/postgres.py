"""A throwaway PostgreSQL on loopback for the storage tests (started once per session)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="shturman-pg-", dir="/tmp"))
        self.port = _free_port()
        self._user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self._user:
            cmd = ["runuser", "-u", self._user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)

    def start(self) -> str:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(
                "PostgreSQL 15 is not installed: run `make install` "
                "(apt-get install postgresql)"
            )
        if self._user:
            pw = pwd.getpwnam(self._user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        data = self.dir / "data"
        r = self._run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "shturman",
                      "--auth=trust", "-E", "UTF8", "--no-sync")
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr}")
        r = self._run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"),
                      "-w", "-o",
                      f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                      "-c fsync=off -c full_page_writes=off", "start")
        if r.returncode:
            raise RuntimeError(f"pg_ctl start failed: {r.stderr} {r.stdout}")
        for _ in range(50):
            r = self._run(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port),
                          "-U", "shturman", "-d", "postgres", "-c", "CREATE DATABASE shturman")
            if r.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"cannot create the test database: {r.stderr}")
        return f"postgresql+asyncpg://shturman@127.0.0.1:{self.port}/shturman"

    def reset_url(self, name: str) -> str:
        self._run(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  "shturman", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {name}",
                  "-c", f"CREATE DATABASE {name}")
        return f"postgresql+asyncpg://shturman@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate",
                  "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
