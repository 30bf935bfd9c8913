"""Agent framework overhead per step and prompt tokens per step (DESIGN.md §7).

A scripted model (pydantic-ai FunctionModel, answers instantly) plans N steps of one command
each; commands go through the real policy, GuardedExecutor, audit (SQLite) and event store, but
to an executor that answers instantly. So the time measured is Shturman's own: routing,
policy, approvals, audit, events, verification, reporting. Also: the no-model intent path.

Prints a table, writes bench/results/agent.json. Run: .venv/bin/python bench/agent_bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes import RecordingExecutor, ScriptedModel  # noqa: E402


def plan(steps: int) -> dict[str, Any]:
    return {"summary": "bench", "steps": [
        {"id": f"s{i}", "title": f"step {i}", "actions": [
            {"tool": "run_command", "server": "local", "args": {"command": f"uptime # {i}"}}]}
        for i in range(steps)]}


async def measure_slope(low: int, high: int, rounds: int) -> dict[str, float]:
    """Marginal cost of one more step: (T(high) - T(low)) / (high - low), so per-run fixed
    costs (the plan and report calls, facts gathering, storing the incident) cancel out."""
    a = await measure(low, rounds)
    b = await measure(high, rounds)
    per_step = ((b["model_path_ms_per_step_median"] * high)
                - (a["model_path_ms_per_step_median"] * low)) / (high - low)
    return {**b, "marginal_ms_per_step": per_step, "fixed_ms_per_run":
            a["model_path_ms_per_step_median"] * low - per_step * low}


async def measure(steps: int, rounds: int) -> dict[str, float]:
    from shturman.app import build
    from shturman.config import load_settings
    from shturman.domain.models import Actor, RunMode
    from shturman.services.runs import RunRequest
    from shturman.vault import create_key_file

    home = Path(tempfile.mkdtemp(prefix="shturman-agent-bench-"))
    create_key_file(home / "vault.key")
    settings = load_settings(None, home=home, agent={"max_iterations": steps * 4 + 20})
    model = ScriptedModel([plan(steps), "report"])
    fast = RecordingExecutor()
    c = await build(settings, executor_overrides={"local": fast}, model=model.model)
    model_runs, intent_runs, tokens = [], [], []
    try:
        for _ in range(rounds):
            model.calls = 0
            t = time.perf_counter()
            record, _events = await c.runs.run(RunRequest(
                "разберись с нагрузкой на local и проверь", Actor("bench", "agent"),
                RunMode.AUTONOMOUS))
            model_runs.append((time.perf_counter() - t) / steps)
            assert record.status == "succeeded", record.summary
            tokens.append(sum(len(p) for p in model.prompts[-model.calls:]) / 4 / steps)
            t = time.perf_counter()
            record, _ = await c.runs.run(RunRequest("покажи аптайм", Actor("bench", "agent"),
                                                    server="local"))
            intent_runs.append(time.perf_counter() - t)
    finally:
        await c.close()
    return {
        "model_path_ms_per_step_median": statistics.median(model_runs) * 1000,
        "intent_run_ms_median": statistics.median(intent_runs) * 1000,
        "prompt_tokens_per_step_estimate": statistics.median(tokens),
        "steps_per_run": steps,
        "commands_executed": len(fast.ran),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = asyncio.run(measure_slope(max(2, args.steps // 4), args.steps, args.rounds))
    for key, value in result.items():
        print(f"  {key:<36} {value:10.3f}")
    result["target_ms_per_step"] = 5.0
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "agent.json").write_text(json.dumps(result, indent=2))
    print(f"written {out / 'agent.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
