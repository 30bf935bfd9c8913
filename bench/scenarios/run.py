"""Run fault scenarios against real lab hosts through the real `shturman` CLI.

For each scenario: a fresh lab host (own sshd, user, home, units) → healthy service → the
fault, injected for real → ``shturman run --mode autonomous "<Russian request>"`` as a
subprocess → the scenario's own checker decides whether it is fixed. Every process and mount
is cleaned up, whatever happens (``ExitStack``).

The scenarios of a set run a few at a time (``jobs``, default ``DEFAULT_JOBS`` or
``SHTURMAN_SCENARIOS_JOBS``): each has its own lab host (Unix user, sshd, sysroot, ports), its
own ``SHTURMAN_HOME`` and its own config, so they share nothing but the machine; most of a
scenario's time is spent waiting (on units starting and stopping, on the engine's checks).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.hostlab.lab import HostLab

from .catalog import SCENARIOS, Scenario, ScenarioSetupError, stale_mounts, unmount

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
SHTURMAN = str(Path(sys.executable).parent / "shturman")
USER_PREFIX = "shscen"
RUN_TIMEOUT = 240.0
# Scenarios of one set run at once. Most of a scenario is waiting, but each `shturman` start
# and each `systemctl` (a Python process) costs CPU: 4 cut the five sets' set-ups from 638 s to
# 301-353 s on 2 cores (3 was not measured).
DEFAULT_JOBS = 4
LLM_ENV = ("SHTURMAN_LLM__PROVIDER", "SHTURMAN_LLM__MODEL", "SHTURMAN_LLM__BASE_URL",
           "SHTURMAN_LLM__API_KEY")


@dataclass
class Outcome:
    scenario: str
    service: str
    server: str
    request: str
    fault: str
    fixed: bool
    exit_code: int | None
    run_status: str
    seconds: float  # the `shturman run` subprocess only
    setup_seconds: float
    detail: str  # the checker's findings (or the setup error)
    output_tail: str
    # False for a fault no remedy can fix: then "correct" means not fixed, nothing changed,
    # a non-zero exit and no claim of success.
    expect_fixed: bool = True
    correct: bool = False


def judge(expect_fixed: bool, fixed: bool, untouched: bool | None, code: int | None,
          status: str, crashed: bool = False) -> bool:
    """The correct outcome: fixed and exit 0, or (when no fix is possible) an honest refusal.

    A crashed ``shturman run`` (a Python traceback, no run recorded) is never a refusal.
    """
    if expect_fixed:
        return fixed and code == 0
    return (not fixed and untouched is not False and code is not None and code != 0
            and status not in ("succeeded", "unknown") and not crashed)


def model_name() -> str:
    """``none`` without a model, else ``SHTURMAN_LLM__MODEL`` (as a file-name-safe string)."""
    model = os.environ.get("SHTURMAN_LLM__MODEL", "").strip()
    return re.sub(r"[^\w.-]+", "_", model) if model else "none"


def shturman_env(home: Path, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(home), SHTURMAN_CONFIG=str(config), NO_COLOR="1",
               COLUMNS="120")
    if model_name() != "none":
        env.update({k: os.environ[k] for k in LLM_ENV if k in os.environ})
    return env


def lab_user_prefix(prefix: str) -> str:
    """``prefix`` behind ``HOSTLAB_USER_PREFIX`` when that is set: suites run at once on one
    machine then get their own lab users (as ``tests.hostlab.fixtures`` does)."""
    return os.environ.get("HOSTLAB_USER_PREFIX", "") + prefix


def jobs_default() -> int:
    """``SHTURMAN_SCENARIOS_JOBS`` (at least 1), else ``DEFAULT_JOBS``."""
    raw = os.environ.get("SHTURMAN_SCENARIOS_JOBS", "").strip()
    return max(1, int(raw)) if raw else DEFAULT_JOBS


def write_inventory(path: Path, lab: HostLab, cases: Sequence[Scenario],
                    case: Scenario) -> None:
    """Every host of the set; ``case``'s own with the services its ``prepare`` installed, the
    others with their scenario's service only. Other hosts are still being set up when
    scenarios run at once, so what is listed for them must not depend on timing."""
    lines = ["language: ru", "servers:"]
    for other in cases:
        h = other.host
        services = [other.service]
        if other is case:
            services += [s for s in list(h.ports) if s not in (other.service, "webapp")]
        lines += [
            f"  - name: {h.name}",
            f"    host: {h.host}",
            f"    port: {h.port}",
            f"    user: {h.user}",
            "    auth: key",
            f"    key_path: {lab.client_key}",
            f"    services: [{', '.join(services)}]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _last_run_status(env: dict[str, str]) -> str:
    res = subprocess.run([SHTURMAN, "history", "--json", "--limit", "1"], env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    for line in res.stdout.splitlines():
        try:
            return str(json.loads(line)["status"])
        except (ValueError, KeyError):
            continue
    return "unknown"


def run_case(case: Scenario, lab: HostLab, base: Path, cases: Sequence[Scenario]) -> Outcome:
    """Set up, break, repair with shturman, judge; always tears down what it set up."""
    home = base / f"home-{case.name}"
    config = base / f"shturman-{case.name}.yaml"
    env = shturman_env(home, config)
    text = case.text(with_model=model_name() != "none")
    expect_fixed = bool(getattr(case, "expect_fixed", True))
    t0 = time.monotonic()
    with ExitStack() as stack:
        try:
            case.prepare(stack)
        except (ScenarioSetupError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
            return Outcome(case.name, case.service, case.host.name, text, case.fault, False,
                           None, "not run", 0.0, time.monotonic() - t0,
                           f"SETUP ERROR: {exc}", "", expect_fixed, False)
        setup_seconds = time.monotonic() - t0
        write_inventory(config, lab, cases, case)  # after prepare: it lists the services installed
        subprocess.run([SHTURMAN, "init"], env=env, capture_output=True, check=True,
                       timeout=60)
        t1 = time.monotonic()
        try:
            proc = subprocess.run([SHTURMAN, "run", "--mode", "autonomous", text], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  timeout=RUN_TIMEOUT, check=False)
            code: int | None = proc.returncode
            output = proc.stdout
        except subprocess.TimeoutExpired as exc:
            code = None
            partial = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) \
                else (exc.stdout or "")
            output = f"{partial}\nTIMEOUT after {RUN_TIMEOUT}s"
        seconds = time.monotonic() - t1
        verdict = case.check()
        status = _last_run_status(env)
    crashed = "Traceback (most recent call last)" in output
    correct = judge(expect_fixed, verdict.fixed, getattr(verdict, "untouched", None), code,
                    status, crashed)
    return Outcome(case.name, case.service, case.host.name, text, case.fault, verdict.fixed,
                   code, status, round(seconds, 2), round(setup_seconds, 2), verdict.detail,
                   _tail(output), expect_fixed, correct)


def select(only: Iterable[str] | None,
           scenarios: Sequence[type[Scenario]] = SCENARIOS) -> list[type[Scenario]]:
    if not only:
        return list(scenarios)
    known = {s.name: s for s in scenarios}
    unknown = [n for n in only if n not in known]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; "
                         f"known: {', '.join(known)}")
    return [known[n] for n in only]


def run_scenarios(only: Iterable[str] | None = None,
                  scenarios: Sequence[type[Scenario]] = SCENARIOS, *,
                  user_prefix: str = USER_PREFIX, name_prefix: str = "vm",
                  jobs: int | None = None) -> list[Outcome]:
    """Run the selected scenarios (all by default), each on its own fresh lab host, ``jobs``
    at a time; the outcomes come back in the scenarios' order. The lab users are
    ``lab_user_prefix(user_prefix)1..N``."""
    kinds = select(only, scenarios)
    user_prefix = lab_user_prefix(user_prefix)
    workers = max(1, min(jobs or jobs_default(), len(kinds)))
    for stale in stale_mounts(f"/homes/{user_prefix}"):
        unmount(stale)
    # a short base: unix socket paths under a lab host's sysroot must stay within 107 bytes,
    # also when HOSTLAB_USER_PREFIX lengthens the lab users' names
    base = Path(tempfile.mkdtemp(prefix="shsc-", dir="/tmp"))
    os.chmod(base, 0o755)
    lab = HostLab(base / "lab", len(kinds), user_prefix=user_prefix, name_prefix=name_prefix)
    try:
        lab.start()
        cases = [kind(host) for kind, host in zip(kinds, lab.hosts, strict=True)]
        with ThreadPoolExecutor(workers, thread_name_prefix="scenario") as pool:
            return list(pool.map(lambda case: run_case(case, lab, base, cases), cases))
    finally:
        lab.stop()
        if not os.environ.get("SHTURMAN_SCENARIOS_KEEP"):
            shutil.rmtree(base, ignore_errors=True)


def write_results(outcomes: Sequence[Outcome], total: float, set_name: str = "") -> Path:
    """``bench/results/scenarios-<model>.json`` (``scenarios-<set>-<model>.json`` for a set)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    prefix = f"scenarios-{set_name}-" if set_name else "scenarios-"
    path = RESULTS / f"{prefix}{model_name()}.json"
    data = {
        "model": model_name(),
        "set": set_name or "default",
        "total_seconds": round(total, 2),
        "fixed": sum(o.fixed for o in outcomes),
        "correct": sum(o.correct for o in outcomes),
        "count": len(outcomes),
        "scenarios": [asdict(o) for o in outcomes],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def table(outcomes: Sequence[Outcome]) -> str:
    rows = [("scenario", "fixed", "correct", "exit", "shturman s", "setup s", "run status",
             "server")]
    rows += [(o.scenario, "yes" if o.fixed else "NO",
              ("yes" if o.correct else "NO") + ("" if o.expect_fixed else " (not fixable)"),
              str(o.exit_code), f"{o.seconds:.1f}", f"{o.setup_seconds:.1f}", o.run_status,
              o.server) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
