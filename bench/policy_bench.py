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
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
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


def _cli_throughput(
    entries: list[dict[str, str]], lines: int, src: Path | None = None
) -> dict[str, float]:
    cmds = [e["cmd"] for e in entries]
    feed = [cmds[i % len(cmds)] for i in range(lines)]
    payload = "".join(json.dumps({"cmd": c}) + "\n" for c in feed)
    exe = Path(sys.executable).with_name("shturman")
    argv = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from shturman.app import main; main()"]
    )
    env = dict(os.environ)
    if src is not None:  # the baseline's package first on the path
        env["PYTHONPATH"] = str(src)
        argv = [sys.executable, "-c", "from shturman.app import main; main()"]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [*argv, "policy", "check", "--jsonl", "-"],
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


def _child_in_process(src: Path, corpus: Path, lines: int) -> dict[str, float]:
    """The in-process measurement of the tree at `src`, in a fresh child process: the
    parent holds the parsed corpora, whose objects the garbage collector would walk."""
    env = {**os.environ, "PYTHONPATH": str(src)}
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


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    """The fastest of several rounds (the least disturbed by other work on the machine)."""
    return max(runs, key=lambda r: r["per_second"])


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
    measured: dict[str, tuple[list[dict[str, float]], ...]] = {
        tag: ([], [], []) for tag, _ in trees
    }
    for _ in range(args.rounds):  # the trees take turns, so load on the machine hits both
        for tag, src in trees:
            measured[tag][0].append(_cli_throughput(entries, args.lines, src))
            measured[tag][1].append(_child_in_process(src or ROOT / "src", frozen, args.lines))
            measured[tag][2].append(_cli_throughput(stream, args.lines, src))
    frozen.unlink()
    rows = [
        (tag, _best(measured[tag][0]), _best(measured[tag][1]), _best(measured[tag][2]))
        for tag, _ in trees
    ]
    _, cli, inproc, recurring = rows[-1]
    decided = _decisions(entries)
    acc = _accuracy(entries, decided)
    base: dict[str, object] = {}
    if args.baseline is not None:
        b_cli, b_in, b_rec = rows[0][1], rows[0][2], rows[0][3]
        base = {"src": str(args.baseline), "cli": b_cli, "in_process": b_in, "recurring": b_rec}
    print(f"corpus: {', '.join(p.name for p in paths)} ({len(entries)} distinct commands)")
    print(f"{'mode':<34}{'lines':>8}{'seconds':>10}{'decisions/s':>14}{'per CPU s':>12}")
    for tag, c, i, r in rows:
        print(
            f"{tag + 'cli --jsonl (1 process)':<34}{c['lines']:>8.0f}{c['seconds']:>10.3f}"
            f"{c['per_second']:>14,.0f}{c['per_cpu_second']:>12,.0f}"
        )
        print(
            f"{tag + 'cli --jsonl, recurring':<34}{r['lines']:>8.0f}{r['seconds']:>10.3f}"
            f"{r['per_second']:>14,.0f}{r['per_cpu_second']:>12,.0f}"
        )
        print(
            f"{tag + 'in-process (no cache)':<34}{i['lines']:>8.0f}{i['seconds']:>10.3f}"
            f"{i['per_second']:>14,.0f}{i['per_cpu_second']:>12,.0f}"
        )
        print(
            f"{tag + 'in-process (cached)':<34}{i['lines']:>8.0f}{'':>10}"
            f"{i['cached_per_second']:>14,.0f}"
        )
    if base:
        for key, label in (("per_second", "wall"), ("per_cpu_second", "CPU")):
            print(
                f"ratio vs baseline ({label}): "
                f"cli {cli[key] / b_cli[key]:.2f}x, "
                f"recurring {recurring[key] / b_rec[key]:.2f}x, "
                f"in-process {inproc[key] / b_in[key]:.2f}x"
            )
    print("(distinct commands outnumber the CLI's verdict cache: the first CLI row is uncached;")
    print(" the recurring stream repeats commands with Zipf weights, as an agent's polls do)")
    print(f"\n{'expected':<10}" + "".join(f"{d:>9}" for d in DECISIONS))
    for exp in DECISIONS:
        row = acc["by_expected"][exp]  # type: ignore[index]
        print(f"{exp:<10}" + "".join(f"{row.get(d, 0):>9}" for d in DECISIONS))
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
                "in_process": inproc,
                "accuracy": acc,
                "corpus_size": len(entries),
                "baseline": base,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
