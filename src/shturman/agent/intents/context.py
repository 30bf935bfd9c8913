"""The request inside a longer message: «почему-то тормозит всё, глянь проц на vm1».

People write the routine request as one clause among others that only tell the story (what
happened, what they fear, why they ask). `focus` finds that clause and reads it alone; the
story lends it only its subject: the servers it names, and, when the request itself names no
object («перезагрузи его», «глянь сколько сейчас занято»), the service or resource it was about.

A focus exists only when exactly one clause asks for something routine (an imperative or
infinitive of looking, restarting, starting, stopping, fixing), or when the story is a reason
clause («…, а то постгрес вчера ругался», "because …") after a plain question. Every other
clause must be story: no other order, no task verb, no "why", no "then", no "so that". The
engine tries a focus only when the whole message would go to the model, and keeps it only when
the focused reading is routine; anything else stays with the model.
"""

from __future__ import annotations

import re

from shturman.agent.intents.lexicon import Concept
from shturman.agent.intents.reading import Reading, Slot
from shturman.agent.intents.text import Script

C = Concept
_ORDERS = frozenset({C.SHOW, C.RESTART, C.REBOOT, C.START, C.STOP, C.FIX})
_TASKS = _ORDERS | {C.LLM_TASK}
_STORY_BREAKERS = frozenset({C.MULTI})
_RESOURCES = frozenset({C.DISK, C.MEMORY, C.CPU, C.PORTS, C.LOGS, C.ERRORS, C.UPTIME})
# nouns and fillers that may stand alone after the request: «…, пожалуйста, сервер db1»
_OBJECT = frozenset({C.SERVER_NOUN, C.SERVICE_NOUN, C.NEUTRAL, C.LOCAL_WORD, C.ALL_WORD,
                     C.BOTH_WORD, C.EVERYWHERE, C.ORDINAL, C.DATABASE, C.LINES, C.THANKS})
# "а то", "потому что", "так как", "because": what follows explains, it does not ask
_REASONS = (("а", "то"), ("потому", "что"), ("так", "как"), ("because",), ("cause",))
_PURPOSE = frozenset({"чтобы", "чтоб"})
_NEGATIONS = frozenset({"не", "not", "dont", "never", "нельзя"})
# Russian imperatives and infinitives ("глянь", "перезагрузите", "стопни", "рестартнуть")
_IMPERATIVE = re.compile(
    r"[а-я]{2,}(?:[^аеиоуыэюяь]и|ай|яй|уй|ей|ой|ите|йте|ьте|[^аеиоуыэюя]ь|ть|ться|ти)(?:сь|ся)?"
)
# past plurals look like imperatives ("обновили", "поменяли"); imperatives so long are rare
_PAST_PLURAL = re.compile(r"[а-я]{4,}[аеиоуыя]ли(?:сь)?")


def focus(reading: Reading) -> Reading | None:
    """The request clause read alone, with what the story lends it; None when there is none."""
    clauses = _clauses(reading)
    if len(clauses) < 2:
        return None
    reasons = {k for k, clause in enumerate(clauses) if _starts_with_reason(reading, clause)}
    asking = [k for k, clause in enumerate(clauses)
              if k not in reasons and _orders(reading, clause, _ORDERS)]
    if len(asking) > 1:
        return None
    if asking:
        head = asking[0]
        kept = {head} | {k for k in range(head + 1, len(clauses))
                         if k not in reasons and _is_object(reading, clauses[k])}
        bare = all(reading.slots[i].stop or reading.slots[i].concept in _ORDERS
                   for k in kept for i in clauses[k])
        if bare and any(k > head and k not in kept for k in range(len(clauses))):
            return None  # «посчитай, сколько запросов …»: the next clause is what to do
    elif reasons:
        kept = {k for k in range(len(clauses)) if k not in reasons}
    else:
        return None
    story = [i for k, clause in enumerate(clauses) if k not in kept for i in clause]
    if not story or not kept or not _only_story(reading, story):
        return None
    request = sorted(i for k in kept for i in clauses[k])
    return _lend(reading, request, story)


def _clauses(reading: Reading) -> list[list[int]]:
    """Token indices per clause: split at punctuation and before a reason conjunction."""
    clauses: list[list[int]] = []
    for index, token in enumerate(reading.tokens):
        fresh = not clauses or token.clause != reading.tokens[clauses[-1][-1]].clause
        if fresh or _reason_at(reading, index):
            clauses.append([])
        clauses[-1].append(index)
    return clauses


def _reason_at(reading: Reading, index: int) -> bool:
    norms = [t.norm for t in reading.tokens[index:index + 2]]
    return any(tuple(norms[:len(marker)]) == marker for marker in _REASONS)


def _starts_with_reason(reading: Reading, clause: list[int]) -> bool:
    return _reason_at(reading, clause[0])


def _negated(reading: Reading, index: int) -> bool:
    return index > 0 and reading.tokens[index - 1].norm in _NEGATIONS


def _orders(reading: Reading, clause: list[int], concepts: frozenset[Concept]) -> bool:
    """The clause holds an order: an imperative (or infinitive) of one of these concepts."""
    for index in clause:
        token, slot = reading.tokens[index], reading.slots[index]
        if slot.concept not in concepts or _negated(reading, index):
            continue
        if slot.russian:
            return True
        if token.script is not Script.CYRILLIC:
            if not _russian_clause(reading, index):
                return True  # English verbs show no mood: any of them may be an order
            continue  # a Latin word in a Russian sentence is a name or a noun ("http")
        if _IMPERATIVE.fullmatch(token.norm) and not _PAST_PLURAL.fullmatch(token.norm):
            return True
    return False


def _russian_clause(reading: Reading, index: int) -> bool:
    clause = reading.tokens[index].clause
    return any(t.script is Script.CYRILLIC and t.clause == clause for t in reading.tokens)


def _is_object(reading: Reading, clause: list[int]) -> bool:
    return all(
        slot.stop or slot.server or slot.service or slot.unresolved or slot.container
        or slot.concept in _OBJECT or slot.concept in _RESOURCES
        or (not slot.claimed and reading.tokens[index].kind.value != "word")
        for index, slot in ((i, reading.slots[i]) for i in clause)
    )


def _only_story(reading: Reading, story: list[int]) -> bool:
    """No order, task verb, "why" or "then" in the clauses around the request."""
    if _orders(reading, story, _TASKS):
        return False
    for index in story:
        slot, norm = reading.slots[index], reading.tokens[index].norm
        if slot.concept in _STORY_BREAKERS or norm in _PURPOSE:
            return False  # «нужно, чтобы nginx отдавал gzip, перезапусти»: a change is wanted
        if slot.concept is C.WHY and not norm.endswith(("-то", "-нибудь")):
            return False  # "почему nginx падает, глянь логи" is an investigation
    return True


def _lend(reading: Reading, request: list[int], story: list[int]) -> Reading:
    """A reading of the request's tokens, plus the story's servers (always) and its service or
    resource (only when the request names no object of its own and the story no server)."""
    own = [reading.slots[i] for i in request]
    has_object = any(s.service or s.candidates or s.container or s.concept in _RESOURCES
                     for s in own)
    story_server = any(reading.slots[i].server or reading.slots[i].unresolved for i in story)
    def lends(slot: Slot) -> bool:
        if slot.server or slot.unresolved:
            return True
        subject = slot.concept in _RESOURCES or bool(
            (slot.service or slot.candidates) and not story_server)
        return subject and not has_object

    lent = [index for index in story if lends(reading.slots[index])]
    kept = sorted(request + lent)
    question = reading.text.rstrip().endswith("?") and request[-1] == len(reading.tokens) - 1
    text = " ".join(reading.tokens[i].raw for i in kept) + ("?" if question else "")
    slots = [_copy(reading.slots[i]) for i in kept]
    return Reading(text, tuple(reading.tokens[i] for i in kept), slots)


def _copy(slot: Slot) -> Slot:
    return Slot(slot.concept, slot.stop, slot.service, slot.server, slot.unresolved,
                slot.container, slot.candidates, slot.phrase, slot.russian, slot.english)
