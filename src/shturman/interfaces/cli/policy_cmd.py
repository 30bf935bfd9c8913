"""`shturman policy …` (owned by the policy work)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Check commands against the safety policy. / Проверка команд политикой.")
