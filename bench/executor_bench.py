"""Executor benchmarks (DESIGN.md §7), measured side by side in one run.

(a) per-command overhead: N sequential `true` through Shturman's GuardedExecutor + SshExecutor
    (policy + audit to SQLite on) vs a bare asyncssh channel on the same connection vs the
    OpenSSH client with ControlMaster.
(b) fan-out of `uptime` to 20 test hosts: a whole `shturman exec` process vs `ansible -m shell
    -f 20` vs parallel-ssh.

Prints a table and writes bench/results/executor.json. Run: .venv/bin/python bench/executor_bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostlab.lab import HostLab  # noqa: E402

VENV_BIN = Path(sys.executable).parent


async def per_command(lab: HostLab, n: int, home: Path) -> dict[str, float]:
    from shturman.app import container
    from shturman.config import load_settings
    from shturman.domain.models import Actor
    from shturman.vault import create_key_file

    host = lab.hosts[0]
    create_key_file(home / "vault.key")
    cfg = home / "shturman.yaml"
    cfg.write_text(
        f"servers:\n  - name: {host.name}\n    host: {host.host}\n    port: {host.port}\n"
        f"    user: {host.user}\n    key_path: {lab.client_key}\n", encoding="utf-8")
    settings = load_settings(cfg, home=home)
    results: dict[str, float] = {}
    async with container(settings) as c:
        server = await c.inventory.get(host.name)
        actor = Actor("bench", "executor")
        for _ in range(20):  # warm up: connection, pinning, caches
            await c.guarded.run(server, "true", actor=actor)
        conn = await c.extras["ssh"].connection(server)

        async def shturman_once() -> None:
            await c.guarded.run(server, "true", actor=actor)

        async def bare_once() -> None:
            await conn.run("true", check=False)

        # Interleaved, so machine noise hits both sides alike.
        samples: dict[str, list[float]] = {"shturman": [], "bare_asyncssh": []}
        for _ in range(n):
            for name, fn in (("shturman", shturman_once), ("bare_asyncssh", bare_once)):
                t = time.perf_counter()
                await fn()
                samples[name].append(time.perf_counter() - t)
        for name, values in samples.items():
            results[f"{name}_median_ms"] = statistics.median(values) * 1000
            results[f"{name}_total_s"] = sum(values)
    results["openssh_controlmaster_median_ms"] = openssh_cm(lab, n) * 1000
    return results


def openssh_cm(lab: HostLab, n: int) -> float:
    host = lab.hosts[0]
    sock = Path(tempfile.mkdtemp(prefix="cm-", dir="/tmp")) / "cm.sock"
    base = ["ssh", "-F", "/dev/null", "-i", str(lab.client_key), "-p", str(host.port),
            "-o", f"UserKnownHostsFile={lab.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "KexAlgorithms=curve25519-sha256", "-o", "ControlMaster=auto",
            "-o", f"ControlPath={sock}", "-o", "ControlPersist=60", "-o", "BatchMode=yes",
            f"{host.user}@{host.host}"]
    subprocess.run([*base, "true"], check=True)
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([*base, "true"], check=True)
        samples.append(time.perf_counter() - t)
    subprocess.run([*base[:-1], "-O", "exit", base[-1]], capture_output=True, check=False)
    return statistics.median(samples)


def fan_out(lab: HostLab, home: Path, rounds: int) -> dict[str, float]:
    cfg = home / "fan.yaml"
    lines = ["servers:"]
    inventory = ["[all]"]
    for h in lab.hosts:
        lines += [f"  - name: {h.name}", f"    host: {h.host}", f"    port: {h.port}",
                  f"    user: {h.user}", f"    key_path: {lab.client_key}"]
        inventory.append(f"{h.name} ansible_host={h.host} ansible_port={h.port} "
                         f"ansible_user={h.user}")
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (home / "inventory.ini").write_text("\n".join(inventory) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(home), SHTURMAN_CONFIG=str(cfg))
    names = [h.name for h in lab.hosts]
    shturman = [str(VENV_BIN / "shturman"), "exec", "--yes", *names, "--", "uptime"]
    cold = [*shturman[:2], "--in-process", *shturman[2:]]
    subprocess.run(shturman, env=env, capture_output=True, check=True)  # pins host keys
    ansible_env = {**env, "ANSIBLE_HOST_KEY_CHECKING": "False",
                   "ANSIBLE_SSH_ARGS": "-o KexAlgorithms=curve25519-sha256 "
                   "-o ControlMaster=no", "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
                   "ANSIBLE_LOCAL_TEMP": str(home / "ansible-tmp"),
                   "ANSIBLE_REMOTE_TEMP": "/tmp/.ansible-${USER}"}
    ansible = [str(VENV_BIN / "ansible"), "all", "-i", str(home / "inventory.ini"), "-m",
               "shell", "-a", "uptime", "-f", str(len(names)), "--private-key",
               str(lab.client_key)]
    pssh = [sys.executable, "-c", PSSH_SCRIPT, json.dumps(
        [[h.host, h.port, h.user] for h in lab.hosts]), str(lab.client_key)]
    out: dict[str, float] = {}
    out["shturman_exec_with_serve_median_s"] = with_daemon(env, shturman, home, rounds)
    for name, cmd, cmd_env in (("shturman_exec", cold, env),
                               ("ansible", ansible, ansible_env),
                               ("parallel_ssh", pssh, env)):
        if name == "ansible" and not (VENV_BIN / "ansible").exists():
            continue
        samples = []
        for _ in range(rounds):
            t = time.perf_counter()
            r = subprocess.run(cmd, env=cmd_env, capture_output=True, text=True, check=False)
            samples.append(time.perf_counter() - t)
            if r.returncode != 0:
                raise SystemExit(f"{name} failed: {r.stdout[-2000:]} {r.stderr[-2000:]}")
        out[f"{name}_median_s"] = statistics.median(samples)
    return out


def with_daemon(env: dict[str, str], cmd: list[str], home: Path, rounds: int) -> float:
    """The same `shturman exec`, handed to a running `shturman serve` (warm connections)."""
    daemon = subprocess.Popen([str(VENV_BIN / "shturman"), "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = home / "shturman.sock"
    try:
        deadline = time.monotonic() + 30
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        subprocess.run(cmd, env=env, capture_output=True, check=True)  # warm the pool
        samples = []
        for _ in range(rounds):
            t = time.perf_counter()
            subprocess.run(cmd, env=env, capture_output=True, check=True)
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


PSSH_SCRIPT = r"""
import json, sys
from pssh.clients import ParallelSSHClient
from pssh.config import HostConfig
hosts = json.loads(sys.argv[1])
client = ParallelSSHClient([h[0] for h in hosts], pkey=sys.argv[2], num_retries=1,
    host_config=[HostConfig(port=h[1], user=h[2]) for h in hosts], pool_size=len(hosts))
out = client.run_command("uptime", stop_on_errors=False)
for o in out:
    list(o.stdout or [])
client.join(out)
bad = [(o.host, o.exit_code, repr(o.exception)) for o in out if o.exit_code != 0]
print(bad, file=sys.stderr)
sys.exit(1 if bad else 0)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="sequential commands (a)")
    parser.add_argument("--hosts", type=int, default=20, help="hosts for fan-out (b)")
    parser.add_argument("--rounds", type=int, default=5, help="fan-out repetitions")
    parser.add_argument("--only", choices=("a", "b"), help="run one part")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="shturman-bench-", dir="/tmp"))
    os.chmod(base, 0o755)
    lab = HostLab(base / "lab", args.hosts, with_units=False, user_prefix="shbench")
    try:
        lab.start()
        home = base / "home"
        home.mkdir()
        a = asyncio.run(per_command(lab, args.n, home)) if args.only != "b" else {}
        b = fan_out(lab, home, args.rounds) if args.only != "a" else {}
    finally:
        lab.stop()
        shutil.rmtree(base, ignore_errors=True)
    if a:
        a["ratio_shturman_vs_bare"] = a["shturman_median_ms"] / a["bare_asyncssh_median_ms"]
        a["ratio_openssh_cm_vs_bare"] = (a["openssh_controlmaster_median_ms"]
                                         / a["bare_asyncssh_median_ms"])
    if "ansible_median_s" in b:
        b["ansible_vs_shturman"] = b["ansible_median_s"] / b["shturman_exec_median_s"]
        b["ansible_vs_shturman_with_serve"] = (b["ansible_median_s"]
                                               / b["shturman_exec_with_serve_median_s"])
    if b:
        b["parallel_ssh_vs_shturman"] = (b["parallel_ssh_median_s"]
                                         / b["shturman_exec_median_s"])
    print(f"\n(a) per-command, {args.n} sequential `true` on one connection")
    for k, v in a.items():
        print(f"  {k:<36} {v:10.3f}")
    print(f"\n(b) fan-out of `uptime` to {args.hosts} hosts (median of {args.rounds})")
    for k, v in b.items():
        print(f"  {k:<36} {v:10.3f}")
    result = {"per_command": a, "fan_out": b, "n": args.n, "hosts": args.hosts,
              "targets": {"shturman_vs_bare_max": 1.3, "ansible_vs_shturman_min": 5.0}}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "executor.json").write_text(json.dumps(result, indent=2))
    print(f"\nwritten {out / 'executor.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
