"""CLI start-up benchmark (issue 8, item 5), measured as whole processes side by side in one run.

Each row is the median wall time of N runs of a complete process, interleaved round by round
with the baselines (so a busy shared machine slows every row alike):

- `python3 -c pass` — the interpreter's own floor;
- `python3 -c "import typer, rich.console"` — the CLI toolkit's floor;
- `shturman --version`, `shturman policy check --json ls`, `shturman plan --json uptime`;
- `shturman exec local -- true` in-process (store, audit, policy) and handed to a running
  `shturman serve`;
- `ansible --version` when installed (the `bench` extra).

Targets on an idle machine: `policy check` ≤ 0.25 s, `exec local -- true` ≤ 0.4 s. Prints a table
with ratios to the baselines and writes bench/results/startup.json.
Run: .venv/bin/python bench/startup_bench.py [-n 7]
"""

from __future__ import annotations

import argparse
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
VENV_BIN = Path(sys.executable).parent
SHTURMAN = str(VENV_BIN / "shturman")

TARGETS_S = {"policy_check": 0.25, "exec_local": 0.4}


def commands() -> dict[str, list[str]]:
    rows = {
        "python_pass": [sys.executable, "-c", "pass"],
        "python_typer_rich": [sys.executable, "-c", "import typer, rich.console"],
        "version": [SHTURMAN, "--version"],
        "policy_check": [SHTURMAN, "policy", "check", "--json", "ls"],
        "plan": [SHTURMAN, "plan", "--json", "uptime"],
        "exec_local": [SHTURMAN, "exec", "--in-process", "local", "--", "true"],
    }
    ansible = VENV_BIN / "ansible"
    if ansible.exists():
        rows["ansible_version"] = [str(ansible), "--version"]
    return rows


def once(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-1500:]}")
    return elapsed


def serve(env: dict[str, str], home: Path) -> subprocess.Popen[bytes]:
    daemon = subprocess.Popen([SHTURMAN, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not (home / "shturman.sock").exists():
        if time.monotonic() > deadline or daemon.poll() is not None:
            daemon.kill()
            raise SystemExit("`shturman serve` did not open its socket within 30 s")
        time.sleep(0.05)
    return daemon


def measure(rounds: int, env: dict[str, str], home: Path) -> dict[str, list[float]]:
    rows = commands()
    samples: dict[str, list[float]] = {name: [] for name in rows}
    samples["exec_local_with_serve"] = []
    for name, cmd in list(rows.items()):  # warm the caches and bytecode; create the database
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if r.returncode != 0:  # e.g. a module mid-edit in a shared tree: report, go on
            print(f"skipped {name}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
            del rows[name], samples[name]
    daemon = serve(env, home)
    try:
        handed = [SHTURMAN, "exec", "local", "--", "true"]
        once(handed, env)
        for _ in range(rounds):
            for name, cmd in rows.items():
                samples[name].append(once(cmd, env))
            samples["exec_local_with_serve"].append(once(handed, env))
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=7, help="runs per row (median)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="shturman-startup-", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(home), SHTURMAN_CONFIG=str(home / "shturman.yaml"))
    (home / "shturman.yaml").write_text("servers: []\n", encoding="utf-8")
    try:
        subprocess.run([SHTURMAN, "init"], env=env, capture_output=True, check=True)
        samples = measure(args.rounds, env, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    medians = {name: statistics.median(v) for name, v in samples.items()}
    floor = medians["python_pass"]
    toolkit = medians["python_typer_rich"]
    print(f"\nCLI start-up, whole processes, median of {args.rounds} (seconds)")
    print(f"  {'row':<24} {'median':>8} {'x python':>9} {'x typer+rich':>13} {'target':>7}")
    for name, value in medians.items():
        target = TARGETS_S.get(name)
        mark = "" if target is None else f"{target:.2f}"
        print(f"  {name:<24} {value:8.3f} {value / floor:9.1f} {value / toolkit:13.2f} "
              f"{mark:>7}")
    ratios = {f"{name}_vs_python": medians[name] / floor for name in medians}
    if "ansible_version" in medians:
        for name in ("policy_check", "exec_local", "exec_local_with_serve"):
            ratios[f"ansible_version_vs_{name}"] = medians["ansible_version"] / medians[name]
            print(f"  ansible --version / {name:<22} {ratios[f'ansible_version_vs_{name}']:6.2f}x")
    result = {"rounds": args.rounds, "medians_s": medians, "ratios": ratios,
              "samples_s": samples, "targets_s": TARGETS_S,
              "load_average": os.getloadavg()}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "startup.json").write_text(json.dumps(result, indent=2))
    print(f"\nwritten {out / 'startup.json'} (load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
