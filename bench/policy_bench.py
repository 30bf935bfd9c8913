"""Policy benchmark: throughput (CLI --jsonl process and in-process) and corpus accuracy.

Run: .venv/bin/python bench/policy_bench.py [--corpus tests/policy/corpus.yaml] [--lines 6000]
Prints a table and writes bench/results/policy.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DECISIONS = ("allow", "confirm", "block")


def _load(path: Path) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return entries


def _cli_throughput(entries: list[dict[str, str]], lines: int) -> dict[str, float]:
    cmds = [e["cmd"] for e in entries]
    feed = [cmds[i % len(cmds)] for i in range(lines)]
    payload = "".join(json.dumps({"cmd": c}) + "\n" for c in feed)
    exe = Path(sys.executable).with_name("shturman")
    argv = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from shturman.interfaces.cli.main import main; main()"]
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [*argv, "policy", "check", "--jsonl", "-"],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
    )
    total = time.perf_counter() - start
    out = proc.stdout.splitlines()
    assert len(out) == lines, (len(out), proc.stderr[-500:])
    return {"lines": lines, "seconds": total, "per_second": lines / total}


def _in_process(entries: list[dict[str, str]], lines: int) -> tuple[dict[str, float], list[str]]:
    from shturman.policy import Policy

    t0 = time.perf_counter()
    policy = Policy.load()
    load_s = time.perf_counter() - t0
    decided = [policy.check_uncached(e["cmd"]).decision.value for e in entries]
    cmds = [e["cmd"] for e in entries]
    start = time.perf_counter()
    for i in range(lines):
        policy.check_uncached(cmds[i % len(cmds)])
    total = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(lines):
        policy.check(cmds[i % len(cmds)])
    cached = time.perf_counter() - start
    return {
        "lines": lines,
        "seconds": total,
        "per_second": lines / total,
        "cached_per_second": lines / cached,
        "load_seconds": load_s,
    }, decided


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
    ap.add_argument("--corpus", type=Path, default=ROOT / "tests/policy/corpus.yaml")
    ap.add_argument("--lines", type=int, default=6000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/policy.json")
    args = ap.parse_args()
    entries = _load(args.corpus)
    cli = _cli_throughput(entries, args.lines)
    inproc, decided = _in_process(entries, args.lines)
    acc = _accuracy(entries, decided)
    print(f"corpus: {args.corpus} ({len(entries)} entries)")
    print(f"{'mode':<24}{'lines':>8}{'seconds':>10}{'decisions/s':>14}")
    print(
        f"{'cli --jsonl (1 process)':<24}{cli['lines']:>8}{cli['seconds']:>10.3f}"
        f"{cli['per_second']:>14,.0f}"
    )
    print(
        f"{'in-process (no cache)':<24}{inproc['lines']:>8}{inproc['seconds']:>10.3f}"
        f"{inproc['per_second']:>14,.0f}"
    )
    print(
        f"{'in-process (cached)':<24}{inproc['lines']:>8}{'':>10}"
        f"{inproc['cached_per_second']:>14,.0f}"
    )
    print("(the CLI uses the bounded verdict cache; the corpus repeats, so later rounds hit it)")
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
            {"cli": cli, "in_process": inproc, "accuracy": acc, "corpus_size": len(entries)},
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
