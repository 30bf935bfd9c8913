"""Human text for `policy explain`: the commands found and which rule decided each part."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shturman.domain.models import Server
from shturman.domain.plurals import counted
from shturman.policy.shell import parse

if TYPE_CHECKING:
    from shturman.policy import Policy

_LABELS = {
    "en": ("Command", "Parsed", "", "syntax errors", "Decision", "Rules"),
    "ru": ("Команда", "Разбор", "", "синтаксические ошибки", "Решение", "Правила"),
}
_SIMPLE_COMMANDS = (("простая команда", "простые команды", "простых команд"),
                    ("simple command", "simple commands"))


def render(policy: Policy, command: str, server: Server | None, lang: str) -> str:
    labels = _LABELS.get(lang, _LABELS["en"])
    verdict = policy.check(command, server)
    full = policy._judge  # the full list of findings, not only the deciding ones
    from shturman.policy.judge import Findings

    findings = Findings()
    full.script(command, findings)
    parsed = parse(command)
    from shturman.policy.redaction import Redactor

    # the command as typed may hold a secret: each untrusted piece is redacted on its own, so
    # a rule id before a text (`secrets.private_key: reads …`) never looks like `key: value`
    hide = Redactor().redact
    lines = [
        f"{labels[0]}: {hide(command)}",
        f"{labels[1]}: {counted(len(parsed.commands), lang, *_SIMPLE_COMMANDS)}"
        + (f", {labels[3]}: {'; '.join(parsed.errors)}" if parsed.errors else ""),
    ]
    for i, text in enumerate(verdict.commands, 1):
        lines.append(f"  {i}. {hide(text)}")
    lines.append(f"{labels[4]}: {verdict.decision.value}")
    lines.append(f"{labels[5]}:")
    seen: set[tuple[str, str]] = set()
    for r in [*findings.reasons, *verdict.reasons]:
        if (r.rule_id, r.command) in seen:
            continue
        seen.add((r.rule_id, r.command))
        mark = "→" if r in verdict.reasons else " "
        lines.append(
            f" {mark} [{r.decision.value:7}] {r.rule_id}: {hide(r.text(lang))}  ⟨{hide(r.command)}⟩"
        )
    return "\n".join(lines)
