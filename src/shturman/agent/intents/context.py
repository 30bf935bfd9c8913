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
from shturman.agent.intents.text import Kind, Script

C = Concept
_ORDERS = frozenset({C.SHOW, C.RESTART, C.REBOOT, C.START, C.STOP, C.FIX})
_TASKS = _ORDERS | {C.LLM_TASK}
_STORY_BREAKERS = frozenset({C.MULTI})
_RESOURCES = frozenset({C.DISK, C.MEMORY, C.CPU, C.PORTS, C.LOGS, C.ERRORS, C.UPTIME})
# nouns and fillers that may stand alone after the request: «…, пожалуйста, сервер db1»
_OBJECT = frozenset({C.SERVER_NOUN, C.SERVICE_NOUN, C.NEUTRAL, C.LOCAL_WORD, C.ALL_WORD,
                     C.BOTH_WORD, C.EVERYWHERE, C.ORDINAL, C.DATABASE, C.LINES, C.THANKS})
# "а то", "потому что", "так как", "because": what follows explains, it does not ask
_REASONS = (("а", "то"), ("потому", "что"), ("так", "как"), ("because",), ("cause",),
            # «…, пока я правлю задания», "while we migrate": when, not what
            ("пока", "я"), ("пока", "мы"), ("пока", "ты"), ("пока", "вы"), ("while", "i"),
            ("while", "we"))
_PURPOSE = frozenset({"чтобы", "чтоб"})
# «раз в час проверяй диск», "every night check …": a schedule is a job, never a story
_SCHEDULE = frozenset({"раз", "каждый", "каждую", "каждое", "каждые", "каждого", "каждой",
                       "ежедневно", "ежечасно", "еженедельно", "every", "each", "daily",
                       "hourly", "weekly", "nightly"})
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
    if (_finds(reading, request) and not _has_object(reading, request)
            and any(reading.slots[i].concept is C.LLM_TASK for i in story)):
        return None  # «где-то утекает память, найди что именно»: finding the cause is the job
    return _lend(reading, request, story)


_FIND = ("найд", "найт", "поищ", "ищи", "отыщ", "find", "search", "locate")


def _finds(reading: Reading, request: list[int]) -> bool:
    """The request asks to find something (not to show a known thing: «глянь, сколько занято»)."""
    return any(reading.tokens[i].norm.startswith(_FIND) for i in request)


def _has_object(reading: Reading, request: list[int]) -> bool:
    return any(s.service or s.candidates or s.container or s.concept in _RESOURCES
               for s in (reading.slots[i] for i in request))


def _clauses(reading: Reading) -> list[list[int]]:
    """Token indices per clause: split at punctuation, before a reason conjunction, and before
    a Russian order in the middle of an unpunctuated sentence («сервер 2 тормозит посмотри
    загрузку цп»: what comes before the order is the story)."""
    clauses: list[list[int]] = []
    for index, token in enumerate(reading.tokens):
        fresh = not clauses or token.clause != reading.tokens[clauses[-1][-1]].clause
        if fresh or _reason_at(reading, index) or _order_inside(reading, clauses[-1], index):
            clauses.append([])
        clauses[-1].append(index)
    return clauses


def _order_inside(reading: Reading, clause: list[int], index: int) -> bool:
    """A Russian imperative of an order after a subject and a verb of the story."""
    if not clause or not _orders(reading, [index], _ORDERS):
        return False
    if reading.tokens[index].script is not Script.CYRILLIC:
        return False
    said = [i for i in clause if not reading.slots[i].stop]
    return len(said) >= 2 and not _orders(reading, clause, _TASKS)


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
            if _russian_clause(reading, index):
                continue  # a Latin word in a Russian sentence is a name or a noun ("http")
            if (slot.concept is C.LLM_TASK and not _clause_initial(reading, index)
                    and not _after_change(reading, index)):
                continue  # "it is stuck on an old kernel": a task noun in the story
            return True  # English verbs show no mood: any of them may be an order
        if _IMPERATIVE.fullmatch(token.norm) and not _PAST_PLURAL.fullmatch(token.norm):
            return True
    return False


def _after_change(reading: Reading, index: int) -> bool:
    """ "crashed after the update": a change just made is what the model should look at."""
    return any(t.norm in ("after", "since") for t in reading.tokens[max(0, index - 3):index])


def _clause_initial(reading: Reading, index: int) -> bool:
    """The first word of its clause that is not a filler ("please update …", "then install")."""
    clause = reading.tokens[index].clause
    before = [i for i in range(index) if reading.tokens[i].clause == clause]
    return all(reading.slots[i].stop or reading.slots[i].concept is C.MULTI for i in before)


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
        if slot.concept in _STORY_BREAKERS or norm in _PURPOSE or norm in _SCHEDULE:
            return False  # «нужно, чтобы nginx отдавал gzip, перезапусти»: a change is wanted
        if slot.concept is C.WHY and not norm.endswith(("-то", "-нибудь")):
            return False  # "почему nginx падает, глянь логи" is an investigation
    return True


def _lend(reading: Reading, request: list[int], story: list[int]) -> Reading:
    """A reading of the request's tokens, plus the story's servers (always) and its service or
    resource (only when the request names no object of its own and the story no server)."""
    has_object = _has_object(reading, request)
    story_server = any(reading.slots[i].server or reading.slots[i].unresolved for i in story)
    def lends(slot: Slot) -> bool:
        if slot.server or slot.unresolved:
            return True
        subject = slot.concept in _RESOURCES or bool(
            (slot.service or slot.candidates) and not story_server)
        return subject and not has_object

    lent = [index for index in story
            if lends(reading.slots[index]) or _server_by_number(reading, index)]
    kept = sorted(request + lent)
    question = reading.text.rstrip().endswith("?") and request[-1] == len(reading.tokens) - 1
    text = " ".join(reading.tokens[i].raw for i in kept) + ("?" if question else "")
    slots = [_copy(reading.slots[i]) for i in kept]
    return Reading(text, tuple(reading.tokens[i] for i in kept), slots)


def _server_by_number(reading: Reading, index: int) -> bool:
    """«сервер 2», «вторая машина», "server 1": the server noun and its number or ordinal."""
    def noun(i: int) -> bool:
        return 0 <= i < len(reading.tokens) and reading.slots[i].concept is C.SERVER_NOUN

    def number(i: int) -> bool:
        return 0 <= i < len(reading.tokens) and (
            reading.tokens[i].kind is Kind.NUMBER or reading.slots[i].concept is C.ORDINAL)

    return (noun(index) and (number(index + 1) or number(index - 1))) or (
        number(index) and (noun(index - 1) or noun(index + 1)))


def _copy(slot: Slot) -> Slot:
    return Slot(slot.concept, slot.stop, slot.service, slot.server, slot.unresolved,
                slot.container, slot.candidates, slot.phrase, slot.russian, slot.english)
