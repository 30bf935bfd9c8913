"""Process supervisor for a host lab (run as a separate process, stdlib only).

Usage: python3 _supervisor.py PARENT_PID SPEC_JSON

It becomes a child subreaper (so daemons started through sshd sessions, which
double-fork away, are reaped here instead of piling up as zombies under a PID 1
that never waits), starts every command of the spec with its output in a log
file, prints ``{"pids": [...]}`` on one stdout line, then reaps children until
SIGTERM/SIGINT or until its parent dies. On exit it terminates the commands it
started and kills every process that was re-parented to it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


class _Stop(Exception):
    pass


def _prctl(option: int, arg: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(option, arg, 0, 0, 0)


def _on_signal(signum: int, frame: object) -> None:
    raise _Stop


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    try:
        with open(path) as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def _reap_all() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _shutdown(started: list[int]) -> None:
    for pid in started:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        _reap_all()
        if not any(p in started for p in _children(os.getpid())):
            break
        time.sleep(0.02)
    for _ in range(50):
        kids = _children(os.getpid())
        if not kids:
            break
        for pid in kids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
        _reap_all()
    _reap_all()


def main() -> int:
    parent = int(sys.argv[1])
    with open(sys.argv[2]) as fh:
        spec = json.load(fh)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    if os.getppid() != parent:
        return 1
    started: list[int] = []
    try:
        for item in spec:
            log_fd = os.open(item["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            null_fd = os.open(os.devnull, os.O_RDONLY)
            pid = os.fork()
            if pid == 0:  # child
                try:
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
                    os.dup2(null_fd, 0)
                    os.dup2(log_fd, 1)
                    os.dup2(log_fd, 2)
                    os.execv(item["argv"][0], item["argv"])
                finally:
                    os._exit(127)
            os.close(log_fd)
            os.close(null_fd)
            started.append(pid)
        sys.stdout.write(json.dumps({"pids": started}) + "\n")
        sys.stdout.flush()
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                time.sleep(0.5)
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _shutdown(started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
