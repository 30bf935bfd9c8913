"""Policy benchmark: throughput (CLI --jsonl process and in-process) and corpus accuracy.

Run: .venv/bin/python bench/policy_bench.py [--corpus FILE]... [--lines 6000] [--rounds 3]
     [--baseline OLD_SRC_DIR]
Prints a table and writes bench/results/policy.json.

The default corpus is mixed and realistic: every labelled non-blind corpus (the classic
corpus, the blind one, the red-team one without its generated hostile inputs), about 3,000
distinct commands in a fixed shuffled order. The CLI is fed `--lines` of them in that order;
since there are more distinct commands than the verdict cache holds (2,048) and they come
round in a cycle, the CLI figure is the uncached throughput plus process start-up, not a
cache benchmark. `--baseline DIR` (a copy of an older `src/`) runs the same measurements
against that code in child processes, so before/after come from one run on one machine.

The `--jsonl` rows are measured with `--jobs 1` (one process) and `--jobs auto` (one worker
per CPU for inputs of 2,000 lines or more); a baseline without `--jobs` is measured as it
is (one process). Every tree is measured as an installed package runs: its bytecode
compiled (`compileall`, so PYTHONDONTWRITEBYTECODE does not make each start recompile the
changed modules) and its own compiled-rules cache, warmed once (the trees would otherwise
evict each other's cache, which keeps only its current entry, on every turn).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DECISIONS = ("allow", "confirm", "block")


DEFAULT_CORPORA = ("corpus.yaml", "corpus_blind.yaml", "corpus_redteam.yaml")


def _load(path: Path) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return entries


def _mixed(paths: list[Path]) -> list[dict[str, str]]:
    """Distinct commands of the corpora (hostile generated input left out), shuffled once."""
    seen: set[str] = set()
    entries: list[dict[str, str]] = []
    for path in paths:
        for e in _load(path):
            if e.get("category") == "hostile_input" or e["cmd"] in seen:
                continue
            seen.add(e["cmd"])
            entries.append(e)
    random.Random(7).shuffle(entries)
    return entries


def _recurring(entries: list[dict[str, str]], lines: int) -> list[dict[str, str]]:
    """A stream where some commands recur the way an agent's do (status polls, the same
    log reads): `lines` draws from the distinct commands with Zipf weights (s = 1.1)."""
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(entries))]
    return random.Random(11).choices(entries, weights=weights, k=lines)


def _tree_env(src: Path | None, cache: Path) -> dict[str, str]:
    """The environment a tree is measured in: its own package first on the path (a
    baseline), its own compiled-rules cache."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def _prepare(src: Path, env: dict[str, str]) -> None:
    """Bytecode compiled and the compiled-rules cache warm, as after an install and a
    first run."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(src / "shturman")],
        check=True,
        capture_output=True,
        env={k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )
    subprocess.run(
        [sys.executable, "-c", "from shturman.policy import Policy; Policy.load().check('ls')"],
        check=True,
        env=env,
    )


def _cli_throughput(
    entries: list[dict[str, str]],
    lines: int,
    env: dict[str, str],
    src: Path | None = None,
    jobs: str | None = None,
) -> dict[str, float]:
    cmds = [e["cmd"] for e in entries]
    feed = [cmds[i % len(cmds)] for i in range(lines)]
    payload = "".join(json.dumps({"cmd": c}) + "\n" for c in feed)
    exe = Path(sys.executable).with_name("shturman")
    argv = (
        [str(exe)]
        if exe.exists() and src is None
        else [sys.executable, "-c", "from shturman.app import main; main()"]
    )
    extra = ["--jobs", jobs] if jobs is not None else []
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [*argv, "policy", "check", "--jsonl", "-", *extra],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    total = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = proc.stdout.splitlines()
    assert len(out) == lines, (len(out), proc.stderr[-500:])
    return {
        "lines": lines,
        "seconds": total,
        "per_second": lines / total,
        "per_cpu_second": lines / cpu,
    }


def _in_process(entries: list[dict[str, str]], lines: int) -> tuple[dict[str, float], list[str]]:
    from shturman.policy import Policy

    t0 = time.perf_counter()
    policy = Policy.load()
    load_s = time.perf_counter() - t0
    decided = [policy.check_uncached(e["cmd"]).decision.value for e in entries]
    cmds = [e["cmd"] for e in entries]
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(lines):
        policy.check_uncached(cmds[i % len(cmds)])
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    for i in range(lines):
        policy.check(cmds[i % len(cmds)])
    cached = time.perf_counter() - start
    return {
        "lines": lines,
        "seconds": total,
        "per_second": lines / total,
        # CPU time: the fair figure when other work shares the machine
        "per_cpu_second": lines / cpu,
        "cached_per_second": lines / cached,
        "load_seconds": load_s,
    }, decided


def _child_in_process(src: Path, corpus: Path, lines: int, env: dict[str, str]) -> dict[str, float]:
    """The in-process measurement of the tree at `src`, in a fresh child process: the
    parent holds the parsed corpora, whose objects the garbage collector would walk."""
    env = {**env, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--in-process-only",
            "--corpus-json",
            str(corpus),
            "--lines",
            str(lines),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result: dict[str, float] = json.loads(proc.stdout.splitlines()[-1])
    return result


def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    """The fastest of several rounds (the least disturbed by other work on the machine)."""
    return max(runs, key=lambda r: r["per_second"])


def steady(short: dict[str, float], long: dict[str, float]) -> float:
    """Decisions/s once the process is running: the extra lines of the long run over its
    extra wall time (start-up, the same in both runs, cancels out)."""
    extra = long["seconds"] - short["seconds"]
    return (long["lines"] - short["lines"]) / extra if extra > 0 else float("nan")


def _decisions(entries: list[dict[str, str]]) -> list[str]:
    from shturman.policy import Policy

    policy = Policy.load()
    return [policy.check_uncached(e["cmd"]).decision.value for e in entries]


def _accuracy(entries: list[dict[str, str]], decided: list[str]) -> dict[str, object]:
    by_cat: dict[str, Counter[str]] = defaultdict(Counter)
    confusion: dict[str, Counter[str]] = {d: Counter() for d in DECISIONS}
    for e, got in zip(entries, decided, strict=True):
        by_cat[e["category"]]["total"] += 1
        by_cat[e["category"]]["correct"] += got == e["decision"]
        confusion[e["decision"]][got] += 1

    def rate(exp: str, got: str) -> float:
        n = sum(confusion[exp].values())
        return confusion[exp][got] / n if n else 0.0

    gates = {
        "block_as_allow": confusion["block"]["allow"],
        "confirm_as_allow": confusion["confirm"]["allow"],
        "block_exact_rate": rate("block", "block"),
        "allow_as_block_rate": rate("allow", "block"),
        "allow_exact_rate": rate("allow", "allow"),
    }
    gates_ok = (
        gates["block_as_allow"] == 0
        and gates["confirm_as_allow"] == 0
        and gates["block_exact_rate"] >= 0.95
        and gates["allow_as_block_rate"] <= 0.03
        and gates["allow_exact_rate"] >= 0.85
    )
    return {
        "by_category": {
            c: {"total": v["total"], "correct": v["correct"], "accuracy": v["correct"] / v["total"]}
            for c, v in by_cat.items()
        },
        "by_expected": {d: dict(confusion[d]) for d in DECISIONS},
        "gates": gates,
        "gates_ok": gates_ok,
        "overall_accuracy": sum(v["correct"] for v in by_cat.values()) / len(entries),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, action="append", help="default: the mixed corpus")
    ap.add_argument("--lines", type=int, default=6000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/policy.json")
    ap.add_argument("--baseline", type=Path, help="an older src/ directory to compare with")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per tree; the best counts")
    ap.add_argument(
        "--long-lines",
        type=int,
        default=30_000,
        help="also feed the CLI this many lines (0: not): with the --lines run, the "
        "steady-state rate, start-up excluded",
    )
    ap.add_argument("--in-process-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--corpus-json", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.in_process_only:  # a measuring child: one JSON line
        inproc, _ = _in_process(json.loads(args.corpus_json.read_text()), args.lines)
        print(json.dumps(inproc))
        return
    paths = args.corpus or [ROOT / "tests/policy" / n for n in DEFAULT_CORPORA]
    entries = _mixed(paths)
    frozen = args.out.with_suffix(".corpus.json")
    frozen.parent.mkdir(parents=True, exist_ok=True)
    frozen.write_text(json.dumps([{"cmd": e["cmd"]} for e in entries]), encoding="utf-8")
    trees: list[tuple[str, Path | None]] = [("", None)]
    if args.baseline is not None:
        trees.insert(0, ("baseline ", args.baseline.resolve()))
    stream = _recurring(entries, args.lines)
    # the `--jsonl` variants of each tree: a baseline knows no --jobs (one process)
    variants = {tag: [None] if src is not None else ["1", "auto"] for tag, src in trees}
    series: dict[tuple[str, str], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="policy-bench-") as tmp:
        envs = {}
        for n, (tag, src) in enumerate(trees):
            cache = Path(tmp) / f"cache{n}"
            cache.mkdir(mode=0o700)
            envs[tag] = _tree_env(src, cache)
            _prepare(src or ROOT / "src", envs[tag])
        for _ in range(args.rounds):  # the trees take turns, so load on the machine hits both
            for tag, src in trees:
                env = envs[tag]
                for jobs in variants[tag]:
                    name = jobs or "1"
                    series.setdefault((tag, f"cli{name}"), []).append(
                        _cli_throughput(entries, args.lines, env, src, jobs)
                    )
                    series.setdefault((tag, f"rec{name}"), []).append(
                        _cli_throughput(stream, args.lines, env, src, jobs)
                    )
                    if args.long_lines > args.lines:
                        series.setdefault((tag, f"long{name}"), []).append(
                            _cli_throughput(entries, args.long_lines, env, src, jobs)
                        )
                series.setdefault((tag, "in"), []).append(
                    _child_in_process(src or ROOT / "src", frozen, args.lines, env)
                )
    frozen.unlink()
    best = {key: _best(runs) for key, runs in series.items()}
    cli, cli_auto = best[("", "cli1")], best[("", "cliauto")]
    recurring, recurring_auto = best[("", "rec1")], best[("", "recauto")]
    inproc = best[("", "in")]
    decided = _decisions(entries)
    acc = _accuracy(entries, decided)
    print(f"corpus: {', '.join(p.name for p in paths)} ({len(entries)} distinct commands)")
    print(f"{'mode':<40}{'lines':>7}{'seconds':>9}{'decisions/s':>13}{'per CPU s':>11}")

    def row(label: str, r: dict[str, float], cached: bool = False) -> None:
        if cached:
            print(f"{label:<40}{r['lines']:>7.0f}{'':>9}{r['cached_per_second']:>13,.0f}")
            return
        print(
            f"{label:<40}{r['lines']:>7.0f}{r['seconds']:>9.3f}"
            f"{r['per_second']:>13,.0f}{r['per_cpu_second']:>11,.0f}"
        )

    for tag, _ in trees:
        for jobs in variants[tag]:
            name = jobs or "1"
            shown = f" --jobs {name}" if jobs else " (1 process)"
            row(f"{tag}cli --jsonl{shown}", best[(tag, f"cli{name}")])
            row(f"{tag}cli --jsonl{shown}, recurring", best[(tag, f"rec{name}")])
            if (tag, f"long{name}") in best:
                long = best[(tag, f"long{name}")]
                row(f"{tag}cli --jsonl{shown}", long)
                rate = steady(best[(tag, f"cli{name}")], long)
                print(f"{'  steady state (start-up excluded)':<56}{rate:>13,.0f}")
        row(f"{tag}in-process (no cache)", best[(tag, "in")])
        row(f"{tag}in-process (cached)", best[(tag, "in")], cached=True)
    base: dict[str, object] = {}
    if args.baseline is not None:
        b_cli, b_rec, b_in = (best[("baseline ", k)] for k in ("cli1", "rec1", "in"))
        base = {"src": str(args.baseline), "cli": b_cli, "in_process": b_in, "recurring": b_rec}
        for key, label in (("per_second", "wall"), ("per_cpu_second", "CPU")):
            print(
                f"ratio vs baseline ({label}): "
                f"cli --jobs 1 {cli[key] / b_cli[key]:.2f}x, "
                f"--jobs auto {cli_auto[key] / b_cli[key]:.2f}x; "
                f"recurring --jobs 1 {recurring[key] / b_rec[key]:.2f}x, "
                f"--jobs auto {recurring_auto[key] / b_rec[key]:.2f}x; "
                f"in-process {inproc[key] / b_in[key]:.2f}x"
            )
    print(
        f"--jobs auto vs --jobs 1 (wall, this tree): cli "
        f"{cli_auto['per_second'] / cli['per_second']:.2f}x, recurring "
        f"{recurring_auto['per_second'] / recurring['per_second']:.2f}x "
        f"({_cpus()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )
    print("(distinct commands outnumber the CLI's verdict cache: the first CLI row is uncached;")
    print(" the recurring stream repeats commands with Zipf weights, as an agent's polls do;")
    print(" seconds and decisions/s are wall time of the whole process, start-up included)")
    print(f"\n{'expected':<10}" + "".join(f"{d:>9}" for d in DECISIONS))
    for exp in DECISIONS:
        counts = acc["by_expected"][exp]  # type: ignore[index]
        print(f"{exp:<10}" + "".join(f"{counts.get(d, 0):>9}" for d in DECISIONS))
    print(f"\n{'category':<20}{'total':>7}{'correct':>9}{'accuracy':>10}")
    for cat, v in sorted(acc["by_category"].items()):  # type: ignore[attr-defined]
        print(f"{cat:<20}{v['total']:>7}{v['correct']:>9}{v['accuracy']:>10.1%}")
    print(f"\ngates: {acc['gates']}  ok={acc['gates_ok']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "cli": cli,
                "cli_recurring": recurring,
                "cli_jobs_auto": cli_auto,
                "cli_recurring_jobs_auto": recurring_auto,
                "cpus": _cpus(),
                "load_average": os.getloadavg()[0],
                "in_process": inproc,
                "accuracy": acc,
                "corpus_size": len(entries),
                "baseline": base,
                "steady_state": {
                    f"{tag}{kind[4:]}": steady(best[(tag, "cli" + kind[4:])], r)
                    for (tag, kind), r in best.items()
                    if kind.startswith("long")
                },
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
