"""Reasons the engine itself gives (rules from YAML carry their own texts); the sentences are
in the one catalogue (``shturman.domain.texts.policy``)."""

from __future__ import annotations

from shturman.domain.models import Decision
from shturman.domain.texts import CATALOGUE
from shturman.domain.verdict import Reason


def reason(rule_id: str, decision: Decision, cmd: str, **fmt: str) -> Reason:
    ru, en = CATALOGUE[f"policy.{rule_id}"]
    values = {"cmd": cmd, **fmt}
    return Reason(rule_id, decision, en.format(**values), ru.format(**values), cmd)
