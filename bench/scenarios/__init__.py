"""Fault scenarios: real faults on real lab hosts, repaired through the real `shturman` CLI.

``catalog`` holds the scenarios (set-up, fault, checker), ``run`` the harness, ``app.py`` the
small stdlib web service the scenarios break. Run: ``python -m bench.scenarios``.
"""

from .catalog import SCENARIOS, Check, Scenario, ScenarioSetupError
from .run import Outcome, model_name, run_scenarios, table, write_results

__all__ = [
    "SCENARIOS",
    "Check",
    "Outcome",
    "Scenario",
    "ScenarioSetupError",
    "model_name",
    "run_scenarios",
    "table",
    "write_results",
]
