"""A request that writes out its command («выполни `df -h` на проде»): run it as typed.

The rest of the request may only name targets (and say "please"); another action or task in it
("… и перезапусти nginx") hands the whole request back to the normal reading (usually the model).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shturman.agent.intents import commands
from shturman.agent.intents.lexicon import Concept
from shturman.agent.intents.plans import plan
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.recognition import read
from shturman.agent.intents.servers import find_targets, resolve
from shturman.agent.intents.text import Kind
from shturman.agent.intents.understanding import (
    Ask,
    AskKind,
    IntentArgs,
    IntentName,
    Route,
    Understanding,
)
from shturman.domain.models import Server

C = Concept
_TARGET_WORDS = frozenset({C.SERVER_NOUN, C.LOCAL_WORD, C.ALL_WORD, C.BOTH_WORD, C.EVERYWHERE,
                           C.ORDINAL, C.DATABASE})
_TASKS = frozenset({C.MULTI, C.RESTART, C.REBOOT, C.START, C.STOP, C.FIX, C.LLM_TASK})
_COMMAND_WORDS = re.compile(r"^(команд|command|выполн|исполн|execut|exec|shell|запуст|run)")
_HOST_PREPOSITIONS = frozenset(["на", "on", "at", "@"])


def only_targets(reading: Reading) -> bool:
    """Every word names a server ("на проде", "on both machines", "на машине 2")."""
    seen = False
    for token, slot in zip(reading.tokens, reading.slots, strict=True):
        if slot.stop or (token.kind is Kind.NUMBER):
            continue
        if slot.server or slot.concept in _TARGET_WORDS:
            seen = True
            continue
        return False
    return seen


def other_task(reading: Reading) -> bool:
    """The rest of the request asks for something besides running the command."""
    if reading.services() or reading.candidates():
        return True
    for token, slot in zip(reading.tokens, reading.slots, strict=True):
        if slot.concept in _TASKS and not _COMMAND_WORDS.match(token.norm):
            return True
    return False


def unknown_hosts(reading: Reading) -> list[str]:
    """ "on stage", «на стейдже»: an unknown word right after "на"/"on" names a server."""
    found: list[str] = []
    for index in reading.free_words():
        if index and reading.tokens[index - 1].norm in _HOST_PREPOSITIONS:
            found.append(reading.tokens[index].norm)
    return found


def understand_command(text: str, servers: Sequence[Server]) -> Understanding | None:
    """The written-out command on the servers the rest names; None when there is none."""
    found = commands.find(text)
    if found is None:
        return None
    chosen = found
    for cut in found.cuts():  # "выполни: ls /var/log на проде": the tail names the target
        if only_targets(read(cut.rest[len(found.rest):], servers)):
            chosen = cut
            break
    reading = read(chosen.rest, servers)
    if other_task(reading):
        return None
    targets = find_targets(reading, servers)
    unresolved = tuple(dict.fromkeys((*targets.unresolved, *unknown_hosts(reading))))
    language = read(text.replace(chosen.command, " "), servers).language()
    args = IntentArgs(command=chosen.command)
    intent = IntentName.RUN_COMMAND
    if targets.ask and not targets.named:
        return Understanding(Route.INTENT, intent, (), args, (), language, unresolved,
                             Ask(AskKind.SERVERS, targets.ask))
    named = targets.named if unresolved else resolve(targets, servers, ())
    return Understanding(Route.INTENT, intent, named, args, plan(intent, named, args, 0),
                         language, unresolved)
