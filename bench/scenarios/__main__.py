"""``python -m bench.scenarios [--set default|blind|blind3..5|all] [--only NAME...] [--jobs N]
[--json]``.

Runs the fault scenarios: the default set (``catalog``), the blind set (``blind``: other
units, ports and file layout), the third blind set (``blind3``: a Debian-style host), the
fourth (``blind4``: vendor ``/opt`` trees, RHEL/Alpine-style paths), the fifth (``blind5``:
deploy-style releases with a ``current`` symlink, systemd drop-ins, unix sockets behind nginx),
or all.
Prints a table (or JSON) and writes ``bench/results/scenarios-<model>.json`` (default set) and
``bench/results/scenarios-<set>-<model>.json`` (the other sets). Needs root (the lab creates
users, runs sshd, mounts a tmpfs). Exit code 0 only when every scenario had its correct outcome:
fixed with ``shturman run`` exiting 0 or, for a fault no remedy can fix, left untouched with a
non-zero exit. ``--jobs N`` runs N scenarios of a set at once (each on its own lab host; default
``SHTURMAN_SCENARIOS_JOBS`` or 4; 1 runs them one after another). Lab users are named after the
set, behind ``HOSTLAB_USER_PREFIX`` when that is set.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from .blind import BLIND_NAME_PREFIX, BLIND_SCENARIOS, BLIND_USER_PREFIX
from .blind3 import BLIND3_NAME_PREFIX, BLIND3_SCENARIOS, BLIND3_USER_PREFIX
from .blind4 import BLIND4_NAME_PREFIX, BLIND4_SCENARIOS, BLIND4_USER_PREFIX
from .blind5 import BLIND5_NAME_PREFIX, BLIND5_SCENARIOS, BLIND5_USER_PREFIX
from .catalog import SCENARIOS, Scenario
from .run import USER_PREFIX, Outcome, jobs_default, model_name, run_scenarios, table, write_results

# set name -> (scenarios, lab user prefix, host name prefix, results-file set name)
SETS = {
    "default": (SCENARIOS, USER_PREFIX, "vm", ""),
    "blind": (BLIND_SCENARIOS, BLIND_USER_PREFIX, BLIND_NAME_PREFIX, "blind"),
    "blind3": (BLIND3_SCENARIOS, BLIND3_USER_PREFIX, BLIND3_NAME_PREFIX, "blind3"),
    "blind4": (BLIND4_SCENARIOS, BLIND4_USER_PREFIX, BLIND4_NAME_PREFIX, "blind4"),
    "blind5": (BLIND5_SCENARIOS, BLIND5_USER_PREFIX, BLIND5_NAME_PREFIX, "blind5"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios", description=__doc__)
    parser.add_argument("--set", dest="set_name", choices=(*SETS, "all"),
                        default="default", help="which scenario set (default: the catalog)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="run only these: "
                        f"{', '.join(s.name for v in SETS.values() for s in v[0])}")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help=f"scenarios run at once, each on its own lab host (default: "
                        f"{jobs_default()}; 1 = one after another)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each scenario's checker findings and shturman output tail")
    args = parser.parse_args(argv)
    names = tuple(SETS) if args.set_name == "all" else (args.set_name,)
    only = set(args.only or ())
    available = {s.name for n in names for s in SETS[n][0]}
    if only - available:
        raise SystemExit(f"unknown scenario(s) in set {args.set_name!r}: "
                         f"{', '.join(sorted(only - available))}; known: "
                         f"{', '.join(sorted(available))}")
    every: list[Outcome] = []
    for name in names:
        scenarios, user_prefix, name_prefix, file_set = SETS[name]
        if only:
            known = {s.name for s in scenarios}
            wanted = [n for n in args.only if n in known]
            if not wanted:
                continue
        else:
            wanted = None
        ok = _run_set(args, name, scenarios, wanted, user_prefix, name_prefix, file_set)
        every += ok
    return 0 if every and all(o.correct for o in every) else 1


def _run_set(args: argparse.Namespace, set_name: str, scenarios: tuple[type[Scenario], ...],
             only: list[str] | None, user_prefix: str, name_prefix: str,
             file_set: str) -> list[Outcome]:
    t0 = time.monotonic()
    outcomes = run_scenarios(only, scenarios, user_prefix=user_prefix, name_prefix=name_prefix,
                             jobs=args.jobs)
    total = time.monotonic() - t0
    path = write_results(outcomes, total, file_set)
    if args.json:
        print(json.dumps({"model": model_name(), "set": set_name,
                          "total_seconds": round(total, 2),
                          "scenarios": [asdict(o) for o in outcomes]},
                         ensure_ascii=False, indent=2))
    else:
        print(f"== scenario set: {set_name}")
        print(table(outcomes))
        for o in outcomes:
            if args.verbose or not o.correct:
                print(f"\n== {o.scenario} ({o.server}): {o.request}\n   {o.detail}")
                if o.output_tail:
                    print("   shturman output (tail):")
                    print("\n".join("   | " + line for line in o.output_tail.splitlines()))
        print(f"\nmodel: {model_name()}  set: {set_name}  total: {total:.1f}s  "
              f"results: {path}\n")
    return outcomes


if __name__ == "__main__":
    sys.exit(main())
