"""The interfaces' text helpers over the one catalogue (``shturman.domain.texts``)."""

from __future__ import annotations

import re
from typing import Literal

from shturman.domain.events import ApprovalDecided
from shturman.domain.texts import CATALOGUE, half

Lang = Literal["ru", "en"]

# The sentences live in the one catalogue (``shturman.domain.texts``; the interfaces' own are
# in ``domain/texts/interface.py`` — add new ones there); this module keeps the helpers.


def t(key: str, lang: str = "ru", **values: object) -> str:
    ru, en = CATALOGUE[key]
    return (ru if lang == "ru" else en).format(**values)


def approval_line(decided: ApprovalDecided, lang: str = "ru") -> str:
    """``approval: OUTCOME (APPROVER) — NOTE`` of an ``approval_decided`` event, all in one
    language: the note is recognised by who decided and how (a closed set of approvers), and an
    unknown note is shown only in English mode."""
    outcome, approver, note = decided.outcome, decided.approver, decided.note
    key = f"approval.{outcome}"
    word = t(key, lang) if key in CATALOGUE else outcome
    known = _approval_note(outcome, approver, note, lang)
    shown = known if known is not None else (note if lang != "ru" else "")
    return f"{t('approval.label', lang)}: {word} ({approver})" + (f" — {shown}" if shown else "")


def _approval_note(outcome: str, approver: str, note: str, lang: str) -> str | None:
    mode = approver.removeprefix("mode:")
    if not note:
        return ""
    if outcome == "pre_approved" and approver.startswith("mode:"):
        return t("approval.note.autonomous", lang)
    if outcome == "denied" and approver.startswith("mode:"):
        return t("approval.note.readonly", lang, mode=mode)
    if outcome == "unavailable" and approver == "none":
        return t("approval.note.needs_human" if "person" in note else "approval.note.nobody",
                 lang)
    if outcome == "unavailable" and approver == "cli":
        return t("approval.note.no_terminal", lang)
    if outcome == "timed_out":
        return t("approval.note.no_answer", lang)
    if approver == "cli:--yes":
        return t("approval.note.yes", lang)
    return None


# How ``hosts/`` words a connection failure ("EN / RU", one string for logs and the model):
# the interfaces say it in the reader's language only.
_HOST_DETAILS = (
    (re.compile(r"(?P<where>\S+) refused the connection \(is sshd running\?\) / "
                r"(?P=where) отклонил соединение \(запущен ли sshd\?\)"), "host.refused"),
    (re.compile(r"(?P<where>\S+) did not answer in time / (?P=where) не ответил вовремя"),
     "host.timeout"),
)


one_language = half  # "English / Русский" raised below: the half in the language


def host_detail(detail: str, lang: str = "ru") -> str:
    """A server's connection error in one language (other details are shown as they are)."""
    for pattern, key in _HOST_DETAILS:
        found = pattern.fullmatch(detail)
        if found:
            return t(key, lang, where=found["where"])
    return detail

