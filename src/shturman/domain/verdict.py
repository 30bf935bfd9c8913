"""The policy's answer for one command line."""

from __future__ import annotations

from dataclasses import dataclass

from shturman.domain.models import Decision

_ORDER = {Decision.ALLOW: 0, Decision.CONFIRM: 1, Decision.BLOCK: 2}


def strictest(*decisions: Decision) -> Decision:
    """The strictest of the given decisions (ALLOW when none)."""
    return max(decisions, key=_ORDER.__getitem__, default=Decision.ALLOW)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a part of a command got its decision; texts in both user languages."""

    rule_id: str
    decision: Decision
    en: str
    ru: str
    command: str = ""  # the simple command this reason is about

    def text(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    reasons: tuple[Reason, ...]
    commands: tuple[str, ...]  # the simple commands found (normalised), in source order
    command: str = ""  # the exact command line judged: what was checked is what runs

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.rule_id for r in self.reasons)

    def reason_texts(self, lang: str) -> list[str]:
        return [r.text(lang) for r in self.reasons]
