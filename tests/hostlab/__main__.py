"""CLI: ``python -m tests.hostlab up --count N --dir DIR [--json]`` / ``down --dir DIR``.

``up`` starts the lab, writes ``DIR/hostlab.json`` (the readiness signal and the state that
``down`` uses), prints the hosts and runs until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

from .lab import STATE_FILE, HostLab, HostLabError, _pid_alive, kill_user_processes


def _up(args: argparse.Namespace) -> int:
    lab = HostLab(
        Path(args.dir),
        args.count,
        with_units=not args.no_units,
        password_auth=not args.no_password,
        name_prefix=args.name_prefix,
        user_prefix=args.user_prefix,
    )
    stop = False

    def _on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        lab.start()
    except HostLabError as exc:
        print(f"hostlab: {exc}", file=sys.stderr)
        return 2
    try:
        lab.write_state({"start_seconds": lab.start_seconds})
        if args.json:
            out = lab.to_json()
            out["start_seconds"] = round(lab.start_seconds, 3)
            print(json.dumps(out), flush=True)
        else:
            print(
                f"hostlab: {len(lab.hosts)} hosts up in {lab.start_seconds:.2f}s "
                f"(ssh -F {lab.ssh_config} {lab.hosts[0].name})",
                flush=True,
            )
            for h in lab.hosts:
                print(f"  {h.name}  {h.user}@{h.host}:{h.port}", flush=True)
        while not stop:
            time.sleep(0.2)
    finally:
        lab.stop()
    return 0


def _down(args: argparse.Namespace) -> int:
    state_path = Path(args.dir) / STATE_FILE
    try:
        state = json.loads(state_path.read_text())
    except FileNotFoundError:
        print(f"hostlab: no lab state in {state_path}", file=sys.stderr)
        return 1
    pid = int(state["pid"])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.1)
    # Whatever is still there (the up process was killed hard, say): clean up directly.
    sup = int(state.get("supervisor_pid") or 0)
    if sup and _pid_alive(sup):
        with contextlib.suppress(ProcessLookupError):
            os.kill(sup, signal.SIGTERM)
    for spid in state.get("sshd_pids", []):
        with contextlib.suppress(ProcessLookupError):
            if _pid_alive(int(spid)):
                os.kill(int(spid), signal.SIGKILL)
    for uid in state.get("uids", []):
        if int(uid) > 0:
            kill_user_processes(int(uid))
    with contextlib.suppress(FileNotFoundError):
        state_path.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.hostlab")
    sub = p.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start a lab and run until SIGINT/SIGTERM")
    up.add_argument("--count", type=int, default=3)
    up.add_argument("--dir", required=True)
    up.add_argument("--json", action="store_true", help="print the lab as one JSON line")
    up.add_argument("--no-units", action="store_true")
    up.add_argument("--no-password", action="store_true")
    up.add_argument("--name-prefix", default="vm")
    up.add_argument("--user-prefix", default="shlab")
    down = sub.add_parser("down", help="stop a lab started with up")
    down.add_argument("--dir", required=True)
    down.add_argument("--timeout", type=float, default=15.0)
    args = p.parse_args(argv)
    return _up(args) if args.cmd == "up" else _down(args)


if __name__ == "__main__":
    sys.exit(main())
