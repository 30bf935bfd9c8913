"""From what was recognised to a route and an intent.

The engine claims a request only when it is sure: one routine intent, its object named, and
(almost) every content word understood. Anything open-ended (a task verb such as "настрой",
a "why", several steps, two different intents, words the engine does not know) goes to the
model; nothing actionable at all (greetings, thanks, chit-chat, noise) goes nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from shturman.agent.intents.lexicon import Concept
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.shapes import (
    about_assistant,
    asks_definition,
    asks_how_to,
    conditional_start,
    load_of_other_resource,
    never_started,
    plural_service_noun,
    unknown_command,
)
from shturman.agent.intents.text import Kind
from shturman.agent.intents.understanding import IntentName, Route

C = Concept
I = IntentName  # noqa: E741

RESOURCES = frozenset({I.DISK_USAGE, I.MEMORY_USAGE, I.CPU_LOAD, I.UPTIME})
CHANGES = frozenset(
    {I.SERVICE_START, I.SERVICE_STOP, I.SERVICE_RESTART, I.DOCKER_RESTART, I.REBOOT_HOST}
)
ACTIONS = frozenset({C.RESTART, C.REBOOT, C.START, C.STOP, C.FIX})
SOCIAL = frozenset({C.GREETING, C.THANKS, C.ACK, C.CHITCHAT, C.OK_WORD, C.HOW_ARE_YOU})
# concepts that only say "look at it": with a server alone they mean a health overview
LOOKING = frozenset(
    {C.STATUS, C.WHAT_WITH, C.SHOW, C.OK_WORD, C.HOW_ARE_YOU, C.RUNNING, C.PROBLEM, C.NEUTRAL}
)


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    intent: IntentName | None = None
    only_if_down: bool = False  # "если лежит — подними": start only after a check says so


NONE = Decision(Route.NONE)
LLM = Decision(Route.LLM)


class Ambiguous(Exception):
    """Internal: the request mixes intents or lacks an object; the model should handle it."""


@dataclass(frozen=True, slots=True)
class Clues:
    """What the router knows besides the words' concepts."""

    services: tuple[str, ...]
    container: str | None
    port: int | None
    targeted: bool  # the user named servers (known or not)
    candidates: tuple[str, ...] = ()  # a name part several listed services share


def decide(reading: Reading, clues: Clues) -> Decision:
    concepts = reading.concepts()
    if not any(t.norm.strip() for t in reading.tokens):
        return NONE
    about_work = bool(concepts - SOCIAL or clues.services)
    if not (clues.services or clues.candidates or clues.container or clues.port is not None
            or clues.targeted) and about_assistant(reading):
        return NONE  # «какие команды ты понимаешь?», «как добавить сервер в штурман?»
    if about_work and (asks_how_to(reading) or asks_definition(reading)):
        return LLM  # "как посмотреть логи", "что такое load average": the model explains
    if load_of_other_resource(reading):
        concepts.discard(C.CPU)  # "загрузка памяти" is memory usage
    if len(clues.services) == 1 and conditional_start(reading):
        concepts -= {C.MULTI}  # "if X is down then start it": one step after a check
        if all(t.norm in ("make", "sure") for t, slot in zip(reading.tokens, reading.slots,
                                                            strict=True)
               if slot.concept is C.LLM_TASK):
            concepts.discard(C.LLM_TASK)  # "make sure nginx is running"
    if concepts & {C.LLM_TASK, C.MULTI} and not _repair_with_symptoms(reading, concepts, clues):
        return LLM
    if C.WHY in concepts and not (C.FIX in concepts and clues.services):
        return LLM
    try:
        intent = _pick(reading, concepts, clues)
    except Ambiguous:
        return LLM
    unknown = _unknown_weight(reading)
    if intent is None:
        return _unclaimed(reading, concepts, clues, unknown)
    if intent is I.SERVICE_REPAIR and _repair_with_symptoms(reading, concepts, clues):
        # "<service> … почини": a named service and an explicit fix request. Extra words are
        # usually the symptom ("после правки конфига", "Permission denied"), which the
        # runbook reads from the logs itself.
        return Decision(Route.INTENT, intent)
    if unknown >= 3 or (unknown == 2 and _known_count(reading) < 3):
        return LLM
    if unknown and (intent in CHANGES or _weakly_inferred(intent, concepts)):
        # "поднять реплику postgres", "покажи crontab на vm1", "move grok-voice to docker":
        # a change, or an intent guessed from weak cues, next to a word we do not know
        return LLM
    if unknown_command(reading, strict=True):
        return LLM  # "сделай отчёт и отправь в телегу": an unknown verb is another task
    return Decision(Route.INTENT, intent, intent is I.SERVICE_START and conditional_start(reading))


def _weakly_inferred(intent: IntentName, concepts: set[Concept]) -> bool:
    """An intent read from the mere mention of a server or a service, or from a symptom."""
    if intent is I.HEALTH_OVERVIEW:
        return C.HEALTH not in concepts
    if intent is I.SERVICE_STATUS:
        return not concepts & {C.STATUS, C.RUNNING, C.WHAT_WITH, C.OK_WORD, C.DOWN}
    if intent is I.SERVICE_REPAIR:
        return C.FIX not in concepts
    return False


# Stems of task verbs: with one of these, "… почини" is a bigger job than a service repair.
TASK_VERBS = (
    "настро", "установ", "инсталл", "постав", "обнов", "апдейт", "апгрейд", "update",
    "upgrade", "install", "configur", "setup", "deploy", "деплой", "задеплой", "выкат",
    "раскат", "откат", "rollback", "напиш", "write", "созда", "create", "добав", "add",
    "удал", "снес", "delete", "remove", "измен", "поменя", "change", "replace", "замен",
    "перенес", "migrat", "мигрир", "оптимиз", "optimi", "tune", "ускор", "разбер", "разобра",
    "investigat", "выясн", "debug", "анализ", "проанализ", "analy", "исследу", "сравни",
    "compare", "explain", "объясни", "почист", "очист", "clean", "освобод", "расшир",
    "resize", "extend", "смонтир", "автоматиз", "automat", "увелич", "increase", "уменьш",
    "decrease", "reduce", "сократ", "следи", "watch", "наблюда",
)


# Stems of "look into it": alongside a fix request on a down service, the runbook does that.
INVESTIGATE_VERBS = ("разбер", "разобра", "выясн", "debug", "investigat", "troubleshoot")


def _repair_with_symptoms(reading: Reading, concepts: set[Concept], clues: Clues) -> bool:
    """"nginx не стартует после правки конфига, почини": one named service, an explicit fix
    request (or a start/restart of a service that is down), and the task-like words only
    describe the symptom (nouns such as
    "конфиг", "permission"), not another job (no task verb such as "настрой")."""
    # «не стартует billing, разберись»: looking into a unit that is down is the runbook's job
    investigate = C.DOWN in concepts and _investigates(reading)
    remedy = C.FIX in concepts or bool(concepts & {C.START, C.RESTART}) or investigate
    if C.MULTI in concepts or not remedy or len(clues.services) != 1:
        return False
    if C.DOWN not in concepts and not (C.FIX in concepts and _symptom(reading, concepts)):
        return False  # "почини" names the job whatever the symptom ("отдаёт 502 Bad Gateway")
    task_words = [t.norm for i, (t, slot) in enumerate(zip(reading.tokens, reading.slots,
                                                          strict=True))
                  if slot.concept is C.LLM_TASK and not _after_since(reading, i)]
    # "не стартует, разберись и подними": looking into it is what the runbook does first
    return not any(
        word.startswith(TASK_VERBS) and not word.startswith(INVESTIGATE_VERBS)
        for word in task_words
    )


def _investigates(reading: Reading) -> bool:
    """«…, разберись» about the unit itself; «разберись с зависшими транзакциями» names
    another object of the work (then it is the model's)."""
    tokens = reading.tokens
    return any(
        t.norm.startswith(INVESTIGATE_VERBS)
        and not (i + 1 < len(tokens) and tokens[i + 1].norm in ("с", "со", "with"))
        for i, (t, slot) in enumerate(zip(tokens, reading.slots, strict=True))
        if slot.concept is C.LLM_TASK)


# a unit that "stopped" by itself: a state said as an event ("ledger stopped after …, fix it")
STOPPED = frozenset({"stopped", "остановился", "остановилась", "встал", "встала", "died"})


def _symptom(reading: Reading, concepts: set[Concept]) -> bool:
    """A complaint besides "down": errors, "a problem", an HTTP error status (4xx, 5xx), a
    unit that stopped."""
    if C.WHY in concepts:
        return False
    return bool(concepts & {C.PROBLEM, C.ERRORS}) or any(
        (t.kind is Kind.NUMBER and not t.suffix and 400 <= (t.number or 0) < 600)
        or t.norm in STOPPED for t in reading.tokens)


SINCE = frozenset({"после", "after", "since"})


def _after_since(reading: Reading, index: int) -> bool:
    """A task word within three words after "после"/"after" tells what happened before the
    outage («после апгрейда и правки конфига», "after a config change"), not a new job."""
    return any(t.norm in SINCE for t in reading.tokens[max(0, index - 3):index])


def _unclaimed(reading: Reading, concepts: set[Concept], clues: Clues, unknown: int) -> Decision:
    triggers = ACTIONS | {C.DOWN, C.PROBLEM, C.WHY, C.DATABASE}
    if concepts & triggers or clues.services or clues.targeted:
        return LLM
    if any(token.kind is Kind.PATH for token in reading.tokens):
        return LLM
    if unknown_command(reading) and C.CHITCHAT not in concepts:
        return LLM  # "пропатчи ядро": an unknown verb is still a request
    if concepts & SOCIAL:
        return NONE if unknown <= 2 else LLM
    distinct = {reading.tokens[i].norm for i in reading.unknown_words()}
    return LLM if len(distinct) >= 3 else NONE


def _unknown_weight(reading: Reading) -> int:
    """Unknown words count one, paths two; a path asked about for space («забит ли /var») is
    the filesystem meant, not an unknown."""
    mount = 0 if reading.has(C.DISK, C.FREE) else 2
    return sum(mount if reading.tokens[i].kind is Kind.PATH else 1
               for i in reading.unknown_words())


def _known_count(reading: Reading) -> int:
    return sum(
        1
        for slot in reading.slots
        if (slot.concept and slot.concept is not C.NEUTRAL)
        or slot.service
        or slot.server
        or slot.container
        or slot.unresolved
    )


def _pick(reading: Reading, concepts: set[Concept], clues: Clues) -> IntentName | None:
    services = [s for s in clues.services if s != "docker"] or list(clues.services)
    if clues.port is not None and {C.WHO, C.OCCUPY} <= concepts and not concepts & ACTIONS:
        return I.PORT_OWNER  # «nginx не стартует: порт 80 занят, кто его держит?»
    if _about_containers(reading, concepts, clues) or _docker_contents(reading, concepts, clues):
        return _container_intent(concepts, clues)
    if services or clues.candidates:
        if len(services) + bool(clues.candidates) > 1:
            raise Ambiguous
        return _service_intent(reading, concepts)
    return _host_intent(reading, concepts, clues)


def _about_containers(reading: Reading, concepts: set[Concept], clues: Clues) -> bool:
    if clues.container or concepts & {C.CONTAINER, C.DOCKER_PS}:
        return True
    if list(clues.services) != ["docker"]:
        return False
    listing = concepts & {C.LIST, C.PROCESSES}
    return bool(listing) or (C.RUNNING in concepts and reading.asks_what)


def _docker_contents(reading: Reading, concepts: set[Concept], clues: Clues) -> bool:
    """ "что в докере на базе": what docker holds, i.e. its containers."""
    plain = {C.SHOW, C.NEUTRAL, C.SERVER_NOUN}
    return list(clues.services) == ["docker"] and reading.asks_what and concepts <= plain


def _container_intent(concepts: set[Concept], clues: Clues) -> IntentName:
    if concepts & {C.RESTART, C.REBOOT}:
        if clues.container is None or concepts & {C.LOGS, C.START, C.STOP}:
            raise Ambiguous
        return I.DOCKER_RESTART
    if concepts & (ACTIONS | {C.DOWN}):
        raise Ambiguous
    if concepts & {C.LOGS, C.ERRORS}:
        if clues.container is None:
            raise Ambiguous
        return I.DOCKER_LOGS
    if concepts & {C.DISK, C.MEMORY, C.CPU, C.PORTS}:
        raise Ambiguous
    return I.DOCKER_PS


def _service_intent(reading: Reading, concepts: set[Concept]) -> IntentName:
    restart = bool(concepts & {C.RESTART, C.REBOOT})
    if C.FIX in concepts:
        return I.SERVICE_REPAIR
    if conditional_start(reading):
        return I.SERVICE_START  # "is X running? if not, start it": check, then start if down
    if C.DOWN in concepts and restart and not concepts & {C.LOGS, C.ERRORS, C.STOP}:
        return I.SERVICE_RESTART  # «опять завис, перезапустите»: the user chose the remedy
    if C.DOWN in concepts and C.START in concepts:
        # «так и не стартанул, запусти»: it never came up, so start it; «лежит, подними» repairs
        return I.SERVICE_START if never_started(reading) else I.SERVICE_REPAIR
    if {C.START, C.STOP} <= concepts and not restart:
        return I.SERVICE_RESTART
    if restart:
        if concepts & {C.LOGS, C.ERRORS, C.STOP}:
            raise Ambiguous
        return I.SERVICE_RESTART
    if C.STOP in concepts:
        return I.SERVICE_STOP
    if C.START in concepts:
        return I.SERVICE_START
    if C.DOWN in concepts:
        return I.SERVICE_STATUS if reading.question else I.SERVICE_REPAIR
    if concepts & {C.LOGS, C.ERRORS}:
        return I.SERVICE_LOGS
    if concepts & {C.CPU, C.MEMORY} and concepts & {C.HOG, C.PROCESSES, C.WHO, C.MOST}:
        return I.PROCESS_LIST
    if concepts & {C.PORTS, C.DISK, C.MEMORY, C.CPU, C.PROCESSES, C.HOG, C.CONTAINER}:
        raise Ambiguous
    if not concepts and any(t.kind is Kind.FLAG for t in reading.tokens):
        raise Ambiguous  # "nginx -t": a command line, not a question about the service
    return I.SERVICE_STATUS


def _host_intent(reading: Reading, concepts: set[Concept], clues: Clues) -> IntentName | None:
    found: set[IntentName] = set()
    host_said = C.SERVER_NOUN in concepts or clues.targeted
    if C.RESTART in concepts and C.ALL_WORD in concepts and C.SERVER_NOUN not in concepts:
        raise Ambiguous  # "перезапусти всё на проде": every service, not the host
    one_service = C.SERVICE_NOUN in concepts and not plural_service_noun(reading)
    if one_service and clues.targeted and concepts & {C.RESTART, C.START, C.STOP}:
        return _service_intent(reading, concepts)  # "перезапусти сервис на проде": ask which
    if concepts & {C.SERVICE_NOUN, C.DATABASE} and concepts & ACTIONS:
        raise Ambiguous  # "перезагрузи базу данных", "перезапусти службу": which unit?
    if C.REBOOT in concepts or (C.RESTART in concepts and host_said):
        found.add(I.UPTIME if C.WHEN in concepts else I.REBOOT_HOST)
    elif concepts & ACTIONS or C.DOWN in concepts:
        raise Ambiguous
    if C.PAST_REBOOT in concepts or C.UPTIME in concepts:
        found.add(I.UPTIME)
    if clues.port is not None and concepts & {C.PORTS, C.OCCUPY, C.WHO, C.OPEN_ADJ, C.PROCESSES}:
        found.add(I.PORT_OWNER)
    elif C.PORTS in concepts or (C.OPEN_ADJ in concepts and reading.asks_what):
        found.add(I.OPEN_PORTS)
    found |= _resources(concepts, how_much=_how_much(reading))
    if I.PORT_OWNER in found:
        found.discard(I.PROCESS_LIST)
    if C.ERRORS in concepts or C.LOGS in concepts:
        found.add(I.ERROR_SCAN)
    if C.HEALTH in concepts:
        found.add(I.HEALTH_OVERVIEW)
    if not found:
        return _weak_health(reading, concepts, clues)
    if len(found) == 1:
        return found.pop()
    if found <= RESOURCES | {I.HEALTH_OVERVIEW}:
        return I.HEALTH_OVERVIEW
    raise Ambiguous


HOW_MUCH = (("сколько",), ("скока",), ("скоко",), ("сколко",), ("how", "much"))


def _how_much(reading: Reading) -> bool:
    norms = [t.norm for t in reading.tokens]
    return any(tuple(norms[i:i + len(m)]) == m for m in HOW_MUCH for i in range(len(norms)))


def _resources(concepts: set[Concept], *, how_much: bool = False) -> set[IntentName]:
    found: set[IntentName] = set()
    # "что жрёт место" is about the disk; «сколько памяти съедено» asks the amount, not the eater
    hog = (C.HOG in concepts and C.DISK not in concepts
           and not (how_much and not concepts & {C.WHO, C.MOST, C.PROCESSES}))
    # "what is eating the CPU": the load question; its plan lists the top CPU consumers too
    cpu_eater = C.CPU in concepts and not concepts & {C.MEMORY, C.PROCESSES}
    processes = not cpu_eater and (
        C.PROCESSES in concepts
        or hog
        or bool(concepts & {C.CPU, C.MEMORY} and concepts & {C.WHO, C.MOST})
    )
    if processes:
        found.add(I.PROCESS_LIST)
    if C.DISK in concepts:
        found.add(I.DISK_USAGE)
    if not processes:
        if C.MEMORY in concepts:
            found.add(I.MEMORY_USAGE)
        if C.CPU in concepts:
            found.add(I.CPU_LOAD)
    if not found and C.FREE_EN in concepts:
        found.add(I.MEMORY_USAGE)
    if not found and C.FREE in concepts:  # "свободно", "забит", "кончается": space by default
        found.add(I.DISK_USAGE)
    return found


def _weak_health(reading: Reading, concepts: set[Concept], clues: Clues) -> IntentName | None:
    """ "проверь vm1", "статус сервера", "как дела на проде", "всё ок?": a general check-up."""
    server_said = clues.targeted or C.SERVER_NOUN in concepts
    looking = concepts - {
        C.SERVER_NOUN,
        C.LOCAL_WORD,
        C.ALL_WORD,
        C.BOTH_WORD,
        C.EVERYWHERE,
        C.ORDINAL,
    }
    if server_said and looking <= LOOKING | {C.GREETING, C.THANKS}:
        return I.HEALTH_OVERVIEW
    every_service = C.SERVICE_NOUN in concepts and (
        C.ALL_WORD in concepts or plural_service_noun(reading)
    )
    states = {C.STATUS, C.RUNNING, C.HEALTH, C.WHAT_WITH, C.OK_WORD, C.DOWN, C.PROBLEM}
    if every_service and concepts & states and looking - {C.SERVICE_NOUN} <= LOOKING | {C.DOWN}:
        return I.HEALTH_OVERVIEW  # "статус всех сервисов", "are all services up"
    if C.OK_WORD in concepts and reading.question and looking <= LOOKING:
        return I.HEALTH_OVERVIEW
    return None
