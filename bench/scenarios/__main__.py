"""``python -m bench.scenarios [--only NAME...] [--json]``: run the fault scenarios.

Prints a table (or JSON) and writes ``bench/results/scenarios-<model>.json``. Needs root (the
lab creates users, runs sshd, mounts a tmpfs). Exit code 0 only when every scenario was fixed
and every ``shturman run`` exited 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from .catalog import SCENARIOS
from .run import model_name, run_scenarios, table, write_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios", description=__doc__)
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help=f"run only these: {', '.join(s.name for s in SCENARIOS)}")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each scenario's checker findings and shturman output tail")
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    outcomes = run_scenarios(args.only)
    total = time.monotonic() - t0
    path = write_results(outcomes, total)
    if args.json:
        print(json.dumps({"model": model_name(), "total_seconds": round(total, 2),
                          "scenarios": [asdict(o) for o in outcomes]},
                         ensure_ascii=False, indent=2))
    else:
        print(table(outcomes))
        for o in outcomes:
            if args.verbose or not o.fixed or o.exit_code != 0:
                print(f"\n== {o.scenario} ({o.server}): {o.request}\n   {o.detail}")
                if o.output_tail:
                    print("   shturman output (tail):")
                    print("\n".join("   | " + line for line in o.output_tail.splitlines()))
        print(f"\nmodel: {model_name()}  total: {total:.1f}s  results: {path}")
    ok = all(o.fixed and o.exit_code == 0 for o in outcomes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
