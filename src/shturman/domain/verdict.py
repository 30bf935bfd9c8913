"""The policy's answer for one command line."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shturman.domain.models import Decision

_ORDER = {Decision.ALLOW: 0, Decision.CONFIRM: 1, Decision.BLOCK: 2}


def strictest(*decisions: Decision) -> Decision:
    """The strictest of the given decisions (ALLOW when none)."""
    return max(decisions, key=_ORDER.__getitem__, default=Decision.ALLOW)


class Autonomy(StrEnum):
    """Who may approve a `confirm`: the run's autonomous mode, or only a human.

    PREAPPROVE: a known state change with a known blast radius (restart a named service,
    install a named package, chmod one path…). HUMAN: everything else — the policy does not
    know it, or it is dynamic, or it is dangerous enough that a person must look. HUMAN is
    the default everywhere (fail closed): a rule must say `autonomy: preapprove` to be
    pre-approvable."""

    PREAPPROVE = "preapprove"
    HUMAN = "human"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a part of a command got its decision; texts in both user languages."""

    rule_id: str
    decision: Decision
    en: str
    ru: str
    command: str = ""  # the simple command this reason is about
    autonomy: Autonomy = Autonomy.HUMAN  # for a confirm: may autonomous mode pre-approve it?

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

    @property
    def preapprovable(self) -> bool:
        """May a run in autonomous mode approve this command by itself? Only a `confirm`
        whose every confirm reason is a known, bounded change (see `Autonomy`)."""
        confirms = [r for r in self.reasons if r.decision is Decision.CONFIRM]
        return (
            self.decision is Decision.CONFIRM
            and bool(confirms)
            and all(r.autonomy is Autonomy.PREAPPROVE for r in confirms)
        )

    @property
    def human_reasons(self) -> tuple[Reason, ...]:
        """The confirm reasons that need a person (why autonomy may not approve it)."""
        if self.decision is not Decision.CONFIRM:
            return ()
        return tuple(
            r
            for r in self.reasons
            if r.decision is Decision.CONFIRM and r.autonomy is not Autonomy.PREAPPROVE
        )

    def reason_texts(self, lang: str) -> list[str]:
        return [r.text(lang) for r in self.reasons]
