"""How many servers one `shturman serve` process can check every 60 s on this machine
(issue 12; DESIGN.md §7: ratios side by side in one run).

For each target count N (loopback lab hosts, real sshd each; past the lab's size a host is
registered under a second name, so it is a second server with its own SSH connection) and
each worker count W (``jobs.workers``; 2 is the default):

- the real path of a scheduled round: N ``check`` jobs submitted to the embedded job queue and
  run by W workers → MonitoringService.check_server → Prober → GuardedExecutor (policy, audit
  to SQLite) → pooled asyncssh → results and states stored; warm connections (one round
  first, not measured), then ``--rounds`` measured rounds;
- the baseline, in the same run on the same hosts: the same commands a check round runs
  (``true``, ``df -P``, ``cat /proc/meminfo``, ``cat /proc/loadavg``, ``nproc``) over a bare
  asyncssh connection per host, W at a time — no policy, audit, store or job queue.

Measured per round: wall time, CPU seconds of this process (``time.process_time``: every
thread, so aiosqlite's too), CPU of the whole machine (``/proc/stat``: the lab's sshds run
here as well — on real servers that part is theirs). Derived: CPU seconds per check, commands
per check (``shturman_commands_total``), and the knee — the N where a round no longer fits its
60 s interval: ``cpu_knee`` = 60 s of one core (one event loop) / CPU per check;
``wall_knee`` from a straight line through (N, wall per round); the knee is the smaller.

Prints a table and writes bench/results/monitor_bench.json.
Run: .venv/bin/python bench/monitor_bench.py [--counts 5,10,20,40] [--workers 2,8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostlab.lab import HostLab  # noqa: E402

INTERVAL = 60.0
BASELINE_COMMANDS = ("true", "df -P", "cat /proc/meminfo", "cat /proc/loadavg", "nproc")


@dataclass
class Round:
    wall: float
    cpu: float  # this process
    machine_cpu: float  # every process on the machine (busy jiffies)
    commands: int


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (user+nice+system+irq+softirq+steal)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def targets(lab: HostLab, count: int) -> list[tuple[str, Any]]:
    """``count`` server names over the lab's hosts (a second pass adds ``-b`` names)."""
    found = []
    for i in range(count):
        host = lab.hosts[i % len(lab.hosts)]
        suffix = "" if i < len(lab.hosts) else f"-{chr(ord('a') + i // len(lab.hosts))}"
        found.append((f"{host.name}{suffix}", host))
    return found


def write_config(path: Path, lab: HostLab, servers: list[tuple[str, Any]], workers: int
                 ) -> Path:
    lines = ["language: en", "servers:"]
    for name, h in servers:
        lines += [f"  - name: {name}", f"    host: {h.host}", f"    port: {h.port}",
                  f"    user: {h.user}", f"    key_path: {lab.client_key}", "    services: []"]
    lines += ["monitoring:", "  local: false", "  load_per_core: 1000", "  disk_percent: 99.9",
              "  memory_percent: 99.9", "  logs:", "    enabled: false",
              "jobs:", f"  workers: {workers}", "  poll_interval: 0.2"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def commands_counted() -> int:
    from shturman.observability.metrics import REGISTRY

    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "shturman_commands":
            total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
    return int(total)


async def shturman_rounds(lab: HostLab, count: int, workers: int, rounds: int) -> list[Round]:
    from shturman.app import container
    from shturman.config import load_settings
    from shturman.domain.jobs import JobStatus, Priority
    from shturman.vault import create_key_file

    home = Path(tempfile.mkdtemp(prefix="shturman-monbench-"))
    create_key_file(home / "vault.key")
    servers = targets(lab, count)
    cfg = write_config(home / "shturman.yaml", lab, servers, workers)
    measured: list[Round] = []
    async with container(load_settings(cfg, home=home)) as c:
        runtime = c.jobs_runtime(workers=True, scheduler=False)
        await runtime.start()
        try:
            for index in range(rounds + 1):  # the first one opens the connections
                before = (time.perf_counter(), time.process_time(), machine_busy(),
                          commands_counted())
                ids = [(await c.jobs.submit("check", {"server": name}, server=name,
                                            priority=Priority.HIGH)).id
                       for name, _ in servers]
                pending = set(ids)
                while pending:
                    await asyncio.sleep(0.05)
                    for job in await c.jobs.recent(limit=max(100, 2 * count)):
                        if job.id in pending and job.status.final:
                            if job.status is not JobStatus.SUCCEEDED:
                                raise RuntimeError(f"check job {job.id}: {job.status}")
                            pending.discard(job.id)
                after = (time.perf_counter(), time.process_time(), machine_busy(),
                         commands_counted())
                if index:
                    measured.append(Round(after[0] - before[0], after[1] - before[1],
                                          after[2] - before[2], after[3] - before[3]))
            states = await c.monitoring.health()
            bad = [s for s in states if s.check == "reachability" and s.state != "ok"]
            if bad:
                raise RuntimeError(f"unreachable in the bench: {bad}")
        finally:
            await runtime.stop()
    return measured


async def baseline_rounds(lab: HostLab, count: int, workers: int, rounds: int
                          ) -> list[Round]:
    from shturman.hosts.sshlib import asyncssh

    servers = targets(lab, count)
    key = asyncssh.read_private_key(str(lab.client_key))
    conns = [await asyncssh.connect(h.host, h.port, username=h.user, client_keys=[key],
                                    known_hosts=None) for _, h in servers]
    limit = asyncio.Semaphore(workers)

    async def one(conn: Any) -> None:
        async with limit:
            for command in BASELINE_COMMANDS:
                await conn.run(command, check=False, timeout=20)

    measured = []
    try:
        for index in range(rounds + 1):
            before = (time.perf_counter(), time.process_time(), machine_busy())
            await asyncio.gather(*(one(conn) for conn in conns))
            after = (time.perf_counter(), time.process_time(), machine_busy())
            if index:
                measured.append(Round(after[0] - before[0], after[1] - before[1],
                                      after[2] - before[2], len(BASELINE_COMMANDS) * count))
    finally:
        for conn in conns:
            conn.close()
        for conn in conns:
            await conn.wait_closed()
    return measured


def summary(rounds: list[Round], count: int) -> dict[str, float]:
    wall = statistics.median(r.wall for r in rounds)
    cpu = statistics.median(r.cpu for r in rounds)
    machine = statistics.median(r.machine_cpu for r in rounds)
    return {"wall_per_round_s": round(wall, 4), "cpu_per_round_s": round(cpu, 4),
            "cpu_per_check_s": round(cpu / count, 5),
            "machine_cpu_per_check_s": round(machine / count, 5),
            "commands_per_check": round(statistics.median(r.commands for r in rounds) / count,
                                        2),
            "checks_per_cpu_second": round(count / cpu, 2) if cpu else 0.0}


def knee(points: list[tuple[int, dict[str, float]]]) -> dict[str, float | None]:
    """Where a round stops fitting INTERVAL: CPU-bound (one core) and wall-bound (a least
    squares line through wall per round against N)."""
    cpu_per_check = statistics.median(s["cpu_per_check_s"] for _, s in points)
    cpu_knee = INTERVAL / cpu_per_check if cpu_per_check else None
    xs = [float(n) for n, _ in points]
    ys = [s["wall_per_round_s"] for _, s in points]
    wall_knee = None
    slope = intercept = None
    if len(xs) >= 2:
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
        intercept = my - slope * mx
        if slope > 0:
            wall_knee = (INTERVAL - intercept) / slope
    candidates = [k for k in (cpu_knee, wall_knee) if k is not None]
    return {"cpu_per_check_s": round(cpu_per_check, 5),
            "cpu_knee_servers": None if cpu_knee is None else round(cpu_knee),
            "wall_slope_s_per_server": None if slope is None else round(slope, 5),
            "wall_intercept_s": None if intercept is None else round(intercept, 4),
            "wall_knee_servers": None if wall_knee is None else round(wall_knee),
            "knee_servers": round(min(candidates)) if candidates else None}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="5,10,20,40")
    parser.add_argument("--workers", default="2,8")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=20, help="sshd hosts in the lab")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "monitor_bench.json"))
    args = parser.parse_args()
    counts = [int(x) for x in args.counts.split(",")]
    worker_counts = [int(x) for x in args.workers.split(",")]
    base = Path(tempfile.mkdtemp(prefix="shturman-monbench-lab-", dir="/tmp"))
    lab = HostLab(base, min(args.hosts, max(counts)), with_units=False,
                  user_prefix=os.environ.get("HOSTLAB_USER_PREFIX", "shmb"))
    lab.start()
    load_before = os.getloadavg()
    results: dict[str, Any] = {"interval_s": INTERVAL, "cores": os.cpu_count(),
                               "lab_hosts": len(lab.hosts), "rounds": args.rounds,
                               "python": platform.python_version(),
                               "loadavg_at_start": [round(x, 2) for x in load_before],
                               "baseline_commands": list(BASELINE_COMMANDS), "runs": []}
    try:
        for workers in worker_counts:
            points = []
            for count in counts:
                ours = summary(await shturman_rounds(lab, count, workers, args.rounds), count)
                bare = summary(await baseline_rounds(lab, count, workers, args.rounds), count)
                ratios = {"cpu_per_check_vs_bare": round(
                    ours["cpu_per_check_s"] / bare["cpu_per_check_s"], 2),
                    "wall_per_round_vs_bare": round(
                    ours["wall_per_round_s"] / bare["wall_per_round_s"], 2)}
                points.append((count, ours))
                results["runs"].append({"workers": workers, "servers": count,
                                        "shturman": ours, "bare_asyncssh": bare,
                                        "ratios": ratios})
                print(f"W={workers:<2} N={count:<3} shturman: round "
                      f"{ours['wall_per_round_s']:.3f} s, CPU/check "
                      f"{ours['cpu_per_check_s'] * 1000:.1f} ms "
                      f"(machine {ours['machine_cpu_per_check_s'] * 1000:.1f} ms), "
                      f"{ours['commands_per_check']} cmds/check | bare: round "
                      f"{bare['wall_per_round_s']:.3f} s, CPU/check "
                      f"{bare['cpu_per_check_s'] * 1000:.1f} ms | "
                      f"×{ratios['cpu_per_check_vs_bare']} CPU, "
                      f"×{ratios['wall_per_round_vs_bare']} wall", flush=True)
            results.setdefault("knee", {})[str(workers)] = knee(points)
            print(f"W={workers}: knee {results['knee'][str(workers)]}", flush=True)
    finally:
        lab.stop()
    results["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    asyncio.run(main())
