"""The shape of a request, beyond its words' concepts: a how-to question, a definition question,
an unknown verb in the imperative, a "load" word that only says "usage of" another resource.

These are grammar cues, not vocabulary: "как перезапустить nginx" asks how to do it (the model
explains), "что такое load average" asks for a definition, "пропатчи ядро" is a command even
though no word of it is known, and "загрузка памяти" is about memory, not the CPU.
"""

from __future__ import annotations

import re
from itertools import pairwise

from shturman.agent.intents.lexicon import Concept, vocabulary
from shturman.agent.intents.matching import words
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.text import Kind, Script

_HOW = frozenset(words("как how"))
# between "как" and the infinitive: "как мне", "как можно", "как бы", "how do I", "how can we"
_HOW_FILLERS = frozenset(
    words("мне нам бы можно лучше правильно быстро теперь же вообще do does can could should i we")
)
_HOW_EN_AUX = frozenset(words("do does can could should would"))
_HOW_EN_SUBJECT = frozenset(words("i we one"))
_INFINITIVE = re.compile(r"[а-я]{2,}(?:ть|ться|ти|чь)")
_DEFINITION = (("что", "такое"), ("что", "значит"), ("что", "означает"), ("what", "does"))
_DEFINITION_EN_END = frozenset(words("mean means"))
# Russian imperatives ("пропатчи", "прокачай", "залейте", "поставь") and infinitives
_IMPERATIVE = re.compile(
    r"[а-я]{3,}(?:[^аеиоуыэюяь]и|ай|яй|уй|ей|ите|йте|ьте|[^аеиоуыэюя]ь|ть|ться)"
)
# the narrow set, safe next to a routine request: "отправь", "выставь", "залейте", "прокачай"
_IMPERATIVE_STRICT = re.compile(r"[а-я]{3,}(?:[^аеиоуыэюя]ь|ьте|йте|ите|ай|яй)(?:ся|сь)?")
_GENERIC_LOAD = ("загруз", "нагруз", "загруж", "нагруж", "load", "utiliz", "utilis")


def _norms(reading: Reading) -> list[str]:
    return [token.norm for token in reading.tokens]


def asks_how_to(reading: Reading) -> bool:
    """ "как посмотреть логи", "как мне перезапустить nginx", "how do I restart nginx",
    "how to check disk": the user asks for instructions, which the model gives."""
    norms = _norms(reading)
    for index, word in enumerate(norms):
        if word not in _HOW:
            continue
        rest = norms[index + 1 :]
        if rest[:1] == ["to"]:
            return True
        if len(rest) >= 2 and rest[0] in _HOW_EN_AUX and rest[1] in _HOW_EN_SUBJECT:
            return True
        following = [w for w in rest if w not in _HOW_FILLERS]
        if following and _INFINITIVE.fullmatch(following[0]):
            return True
    return False


def asks_definition(reading: Reading) -> bool:
    """ "что такое load average", "что значит оом", "what does swap mean"."""
    norms = _norms(reading)
    pairs = set(pairwise(norms))
    if any(pair in pairs for pair in _DEFINITION[:3]):
        return True
    return _DEFINITION[3] in pairs and bool(_DEFINITION_EN_END & set(norms))


def unknown_command(reading: Reading, strict: bool = False) -> bool:
    """An unknown Russian word shaped like a command ("пропатчи", "прокачай", "залить").

    `strict` keeps to endings that nouns rarely have (not "-и": "правки", "локалки")."""
    shape = _IMPERATIVE_STRICT if strict else _IMPERATIVE
    for index in reading.unknown_words():
        token = reading.tokens[index]
        if token.kind is not Kind.WORD or token.script is not Script.CYRILLIC:
            continue
        if "-" not in token.norm and shape.fullmatch(token.norm):
            return True
    return False


def load_of_other_resource(reading: Reading) -> bool:
    """ "загрузка памяти", "нагрузка на диск", "load on memory": every CPU word is a generic
    "load" noun followed by a memory or disk word, so the request is not about the CPU."""
    positions = reading.positions(Concept.CPU)
    if not positions:
        return False
    for index in positions:
        if not reading.tokens[index].norm.startswith(_GENERIC_LOAD):
            return False
        nxt = index + 1
        while nxt < len(reading.tokens) and reading.slots[nxt].stop:
            nxt += 1
        if reading.concept_at(nxt) not in (Concept.MEMORY, Concept.DISK):
            return False
    return True


# "если", "if", "в случае", "иначе", "otherwise", "unless": a condition on what follows
_CONDITION = frozenset(words("если if unless иначе otherwise else коли случае"))
_NEGATION = frozenset(words("не нет not no"))
_DOWN_AFTER_CONDITION = frozenset(words("иначе otherwise else unless"))
_STOPPED = ("stopped", "inactive", "остановлен", "выключен", "неактивен", "dead")
_ENSURE = frozenset(words("убедись убедитесь ensure sure удостоверься"))


def _russian(reading: Reading, index: int) -> str:
    """A token as a Russian word when it was typed in transliteration ("esli" → "если")."""
    token = reading.tokens[index]
    if token.script is Script.LATIN and token.alt and (
        token.alt in _CONDITION or token.alt in _NEGATION or reading.slots[index].russian
    ):
        return token.alt
    if token.script is Script.LATIN and token.alt and vocabulary().exact([token.alt]) and (
        vocabulary().exact([token.norm]) is None
    ):
        return token.alt
    return token.norm


def ensures_running(reading: Reading) -> bool:
    """ "убедись, что redis запущен", "make sure nginx is running": start it if it is not."""
    norms = _norms(reading)
    stopped = any(word.startswith(_STOPPED) for word in norms) or reading.has(Concept.DOWN)
    return bool(_ENSURE & set(norms)) and reading.has(Concept.RUNNING, Concept.STATUS) and not (
        stopped or reading.has(Concept.STOP))


def conditional_start(reading: Reading) -> bool:
    """ "is X running? if not, start it", «проверь nginx и подними, если лежит», «если redis
    упал — запусти»: a start that depends on the service being down, so the plan checks first.

    A condition word, a sign that the condition is "down" (a down word, "if not", "иначе"),
    and a start verb that is not itself negated ("не запускается" is a symptom, not an order).
    """
    norms = [_russian(reading, i) for i in range(len(reading.tokens))]
    if ensures_running(reading):
        return True
    conditions = [i for i, word in enumerate(norms) if word in _CONDITION]
    if not conditions:
        return False
    negated = any(norms[i] in _DOWN_AFTER_CONDITION
                  or _NEGATION & set(norms[i + 1 : i + 4]) for i in conditions)
    stopped = any(word.startswith(_STOPPED) for word in norms)
    if not (negated or stopped or reading.has(Concept.DOWN)):
        return False
    for index, word in enumerate(norms):
        if Concept.START not in (vocabulary().exact([word]), reading.slots[index].concept):
            continue
        before = norms[index - 1] if index else ""
        if before not in _NEGATION or (index > 1 and norms[index - 2] in _CONDITION):
            return True
    return False


_START_STEMS = ("старт", "запуст", "запуск", "поднял", "подня", "start")
_PAST = re.compile(r"[а-я]+(?:л|ла|ло|ли|лся|лась|лось|лись)")


def never_started(reading: Reading) -> bool:
    """ "так и не стартанул", «не запустился после деплоя», "never started", "didn't start":
    every down word says only that it has not started yet (no "упал", "лежит", "crashed")."""
    downs = reading.positions(Concept.DOWN)
    if not downs:
        return False
    for index in downs:
        word = reading.tokens[index].norm
        if word in _NEGATION or word == "never":
            continue
        before = reading.tokens[index - 1].norm if index else ""
        started = word.startswith(_START_STEMS) and (
            _PAST.fullmatch(word) or word in ("start", "started")
        )
        if not (started and before in (*_NEGATION, "never", "did")):
            return False
    return True


_SERVICES_PLURAL = ("сервисы", "сервисов", "сервисах", "службы", "служб", "службах", "services",
                    "units", "юниты", "юнитов", "daemons", "демоны", "демонов")


def plural_service_noun(reading: Reading) -> bool:
    """ "сервисов", "службы", "services": more than one service, none named."""
    return any(word in _SERVICES_PLURAL for word in _norms(reading))


# "bring X back (up)", "get X running again", «подними X обратно», «верни X»: X was up and
# should be again, i.e. a repair (the runbook looks for why it went down before restarting).
_BRING = frozenset(words("bring get put"))
_RETURN = frozenset(words("верни верните вернуть вернём вернем"))
_BACK = frozenset(words("back обратно назад"))
_AGAIN = frozenset(words("again снова опять заново обратно назад back"))
_UP = frozenset(words("up running working online started"))
_TAIL = frozenset(words("up online again"))
_REVIVAL_GAP = 4  # tokens between the verb and its particle ("bring the webshop on lab9 back")


def mark_revival(reading: Reading) -> None:
    """Read a revival phrase around a named service as a fix request (its words, such as the
    "back up" of "bring it back up", are not the backup task then). Nothing without a service."""
    if not (reading.services() or reading.candidates()):
        return
    for index in range(len(reading.tokens)):
        span, concept = _revival_at(reading, index), Concept.FIX
        if not span:
            span, concept = _bring_up(reading, index), Concept.START
        for position in span:
            slot = reading.slots[position]
            slot.concept, slot.stop, slot.phrase = concept, False, True


def _bring_up(reading: Reading, index: int) -> list[int]:
    """ "bring admin-api up", "bring it up": a start, unless "back"/"again" makes it a revival."""
    if not set(reading.forms(index)) & _BRING:
        return []
    for position in range(index + 1, min(len(reading.tokens), index + 2 + _REVIVAL_GAP)):
        slot = reading.slots[position]
        if reading.tokens[position].norm == "up":
            return [index, position]
        if slot.concept is not None and slot.concept is not Concept.RUNNING:
            return []
    return []


def _revival_at(reading: Reading, index: int) -> list[int]:
    forms = set(reading.forms(index))
    bring, back_to = bool(forms & _BRING), bool(forms & _RETURN)
    start = reading.slots[index].concept is Concept.START
    if not (bring or back_to or start):
        return []
    named = False
    for position in range(index + 1, min(len(reading.tokens), index + 2 + _REVIVAL_GAP)):
        here = set(reading.forms(position))
        nxt = set(reading.forms(position + 1)) if position + 1 < len(reading.tokens) else set()
        if (bring or back_to) and here & _BACK:
            return [index, position, *([position + 1] if nxt & _TAIL else [])]
        if bring and here & _UP and nxt & _AGAIN:
            return [index, position, position + 1]
        if start and here & _AGAIN and (named or position == index + 1):
            return [index, position]
        slot = reading.slots[position]
        if slot.concept is not None and slot.concept is not Concept.RUNNING:
            return [index] if back_to and named else []  # another word of meaning follows
        named = named or bool(slot.service or slot.candidates)
    # «верни nginx»; «redis сдох, верни его»: the service named before, a pronoun after
    before = any(slot.service or slot.candidates for slot in reading.slots[:index])
    return [index] if back_to and (named or before) else []


# Questions about the assistant itself: «какие команды ты понимаешь?», "what version are you?",
# «как добавить сервер в штурман?». Nothing on a server is asked, so nobody needs to act.
_YOU = frozenset(words("ты тебя тебе тобой you yourself"))
_MODALS = ("мож", "смож", "мог", "сумее", "can", "could", "would", "will")
_YOUR_VERB = re.compile(r"[а-я]{3,}(?:ешь|ишь)")  # «понимаешь», «знаешь», «поддерживаешь»
_OWN_NAME = ("штурман", "shturman")
_ABOUT = frozenset(words("в во к ко про о об у in into to about of for with"))
_SERVER_WORK = frozenset({
    Concept.DISK, Concept.MEMORY, Concept.CPU, Concept.UPTIME, Concept.PAST_REBOOT,
    Concept.PROCESSES, Concept.PORTS, Concept.CONTAINER, Concept.DOCKER_PS, Concept.LOGS,
    Concept.ERRORS, Concept.STATUS, Concept.RUNNING, Concept.HEALTH, Concept.DOWN,
    Concept.PROBLEM, Concept.WHY, Concept.RESTART, Concept.REBOOT, Concept.START, Concept.STOP,
    Concept.FIX,
})


def about_assistant(reading: Reading) -> bool:
    """A question about the assistant: "you" with a verb of knowing (not "can you …"), a last
    word "you", or the assistant's own name as an object («в штурман»); nothing on a server."""
    norms = _norms(reading)
    if not ("?" in reading.text or reading.asks_what or asks_how_to(reading)):
        return False
    if reading.concepts() & _SERVER_WORK or any(t.kind is not Kind.WORD for t in reading.tokens):
        return False
    if any(word.startswith(_MODALS) for word in norms):
        return False
    you = bool(_YOU & set(norms)) and (
        norms[-1] in _YOU
        or any(_YOUR_VERB.fullmatch(w) for w in norms if not w.startswith(_MODALS))
    )
    named = any(word.startswith(_OWN_NAME) and index and norms[index - 1] in _ABOUT
                for index, word in enumerate(norms))
    return you or named


_SINCE = ("после", "того", "как")
_SINCE_SPAN = 6


def mark_past_events(reading: Reading) -> None:
    """ "после того как я поменял конфиг": what happened before the request is story, not a
    task; the span up to its past-tense verb (and that verb's object) carries no meaning."""
    norms = _norms(reading)
    for index in range(len(norms) - 3):
        if tuple(norms[index:index + 3]) != _SINCE:
            continue
        end = next((i for i in range(index + 3, min(len(norms), index + 3 + _SINCE_SPAN))
                    if _PAST.fullmatch(norms[i])), None)
        if end is None:
            continue
        if end + 1 < len(norms) and reading.slots[end + 1].concept is Concept.LLM_TASK:
            end += 1  # its object: «поменял конфиг»
        for position in range(index, end + 1):
            slot = reading.slots[position]
            if not (slot.service or slot.server):
                slot.concept, slot.stop = None, True
