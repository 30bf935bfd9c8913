"""CLI start-up benchmark (issue 8, item 5), measured as whole processes side by side in one run.

Each row is the median wall time of N runs of a complete process, interleaved round by round
with the baselines (so a busy shared machine slows every row alike):

- `python3 -c pass` — the interpreter's own floor;
- `python3 -c "import typer, rich.console"` — the CLI toolkit's floor;
- `shturman --version`, `shturman policy check --json ls`, `shturman plan --json uptime`;
- `shturman exec local -- true` in-process (store, audit, policy) and handed to a running
  `shturman serve` (the fast path: no typer, pydantic or SQLAlchemy in the client), and
  `plan --json uptime` handed to it;
- the `*_via_typer` rows: the same answers in forms the fast path leaves to the typer CLI
  (the fast path's own effect, on the same code);
- `ansible --version` when installed (the `bench` extra);
- with `--before DIR` (a source tree, e.g. `git archive REV src | tar -x -C DIR`), the same
  shturman rows for that tree too, suffixed `@before`, each with its own data directory and
  daemon: before/after as ratios from one run (`--tree DIR` measures a snapshot instead of
  the installed tree). Rows without a daemon run first, then the `*_with_serve` rows.

Targets on an idle machine: `policy check` ≤ 0.25 s, `exec local -- true` ≤ 0.4 s. Prints a table
with ratios to the baselines and writes bench/results/startup.json.
Run: .venv/bin/python bench/startup_bench.py [-n 7] [--before /tmp/shturman-before/src]
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SHTURMAN = str(VENV_BIN / "shturman")

TARGETS_S = {"policy_check": 0.25, "exec_local": 0.4}
SHTURMAN_ROWS = {
    "version": ["--version"],
    "policy_check": ["policy", "check", "--json", "ls"],
    "plan": ["plan", "--json", "uptime"],
    "exec_local": ["exec", "--in-process", "local", "--", "true"],
    # the same answer through the typer CLI (`--lang=ru` is a form the fast path leaves to it)
    "policy_check_via_typer": ["policy", "check", "--json", "--lang=ru", "ls"],
}
WITH_SERVE_ROWS = {
    "exec_local_with_serve": ["exec", "local", "--", "true"],
    "plan_with_serve": ["plan", "--json", "uptime"],
    "exec_local_with_serve_via_typer": ["exec", "--timeout=30", "local", "--", "true"],
    "plan_with_serve_via_typer": ["plan", "--json", "--server=local", "uptime"],
}


@dataclass
class Tree:
    """One shturman to measure: its command prefix, environment and data directory."""

    suffix: str
    argv: list[str]
    env: dict[str, str]
    home: Path


def make_tree(suffix: str, src: Path | None, base: Path) -> Tree:
    home = base / f"home{suffix.replace('@', '-')}"
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(home), SHTURMAN_CONFIG=str(home / "shturman.yaml"),
               # its own compiled-policy cache: the cache keeps one entry per kind, so two
               # trees (or another process on a shared machine) sharing one would evict
               # each other on every run
               XDG_CACHE_HOME=str(base / f"cache{suffix.replace('@', '-')}"))
    (home / "shturman.yaml").write_text("servers: []\n", encoding="utf-8")
    argv = [SHTURMAN]
    if src is not None:  # the same interpreter and packages, another source tree first
        env["PYTHONPATH"] = str(src)
        argv = [sys.executable, "-c", "import sys; from shturman.app import main; "
                "sys.argv[0] = 'shturman'; sys.exit(main())"]
    subprocess.run([*argv, "init"], env=env, capture_output=True, check=True)
    return Tree(suffix, argv, env, home)


def once(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-1500:]}")
    return elapsed


def serve(tree: Tree) -> subprocess.Popen[bytes]:
    daemon = subprocess.Popen([*tree.argv, "serve"], env=tree.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not (tree.home / "shturman.sock").exists():
        if time.monotonic() > deadline or daemon.poll() is not None:
            daemon.kill()
            raise SystemExit("`shturman serve` did not open its socket within 30 s")
        time.sleep(0.05)
    return daemon


def measure(rounds: int, trees: list[Tree]) -> dict[str, list[float]]:
    plain: dict[str, tuple[list[str], dict[str, str]]] = {
        "python_pass": ([sys.executable, "-c", "pass"], dict(os.environ)),
        "python_typer_rich": ([sys.executable, "-c", "import typer, rich.console"],
                              dict(os.environ)),
    }
    ansible = VENV_BIN / "ansible"
    if ansible.exists():
        plain["ansible_version"] = ([str(ansible), "--version"], dict(os.environ))
    served: dict[str, tuple[list[str], dict[str, str]]] = {}
    for tree in trees:
        for name, args in SHTURMAN_ROWS.items():
            plain[name + tree.suffix] = ([*tree.argv, *args], tree.env)
        for name, args in WITH_SERVE_ROWS.items():
            served[name + tree.suffix] = ([*tree.argv, *args], tree.env)
    samples: dict[str, list[float]] = {name: [] for name in [*plain, *served]}
    for name, (cmd, env) in list(plain.items()):  # warm caches and bytecode; create the DB
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if r.returncode != 0:  # e.g. a module mid-edit in a shared tree: report, go on
            print(f"skipped {name}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
            del plain[name], samples[name]
    for _ in range(rounds):  # no daemon up: `plan` works in-process
        for name, (cmd, env) in plain.items():
            samples[name].append(once(cmd, env))
    daemons = [serve(tree) for tree in trees]
    try:
        for cmd, env in served.values():
            once(cmd, env)
        for _ in range(rounds):
            for name, (cmd, env) in served.items():
                samples[name].append(once(cmd, env))
    finally:
        for daemon in daemons:
            daemon.terminate()
            daemon.wait(timeout=30)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=7, help="runs per row (median)")
    parser.add_argument("--before", type=Path, default=None,
                        help="an older source tree (its src/ directory) measured alongside")
    parser.add_argument("--tree", type=Path, default=None,
                        help="measure this source tree (a src/ directory; e.g. a snapshot of a "
                        "tree others are editing) instead of the installed one")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="shturman-startup-", dir="/tmp"))
    try:
        trees = [make_tree("", None if args.tree is None else args.tree.resolve(), base)]
        if args.before is not None:
            trees.append(make_tree("@before", args.before.resolve(), base))
        samples = measure(args.rounds, trees)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    medians = {name: statistics.median(v) for name, v in samples.items()}
    floor = medians["python_pass"]
    toolkit = medians["python_typer_rich"]
    print(f"\nCLI start-up, whole processes, median of {args.rounds} (seconds)")
    print(f"  {'row':<30} {'median':>8} {'x python':>9} {'x typer+rich':>13} {'target':>7}")
    for name, value in medians.items():
        target = TARGETS_S.get(name)
        mark = "" if target is None else f"{target:.2f}"
        print(f"  {name:<30} {value:8.3f} {value / floor:9.1f} {value / toolkit:13.2f} "
              f"{mark:>7}")
    ratios = {f"{name}_vs_python": medians[name] / floor for name in medians}
    for name in [*SHTURMAN_ROWS, *WITH_SERVE_ROWS]:
        if name in medians and f"{name}@before" in medians:
            ratios[f"{name}_before_vs_after"] = medians[f"{name}@before"] / medians[name]
            print(f"  {name + ' before / after':<40} {ratios[f'{name}_before_vs_after']:6.2f}x")
    if "ansible_version" in medians:
        for name in ("policy_check", "exec_local", "exec_local_with_serve"):
            if name in medians:
                ratios[f"ansible_version_vs_{name}"] = medians["ansible_version"] / medians[name]
                print(f"  ansible --version / {name:<22} "
                      f"{ratios[f'ansible_version_vs_{name}']:6.2f}x")
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
