"""Arguments inside a request: a port ("порт 8080", ":443"), a container name, a line count."""

from __future__ import annotations

import re

from shturman.agent.intents.lexicon import Concept
from shturman.agent.intents.matching import words
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.text import Kind, Script

DEFAULT_LOG_LINES = 100
_PORT_PREPOSITIONS = frozenset(["на", "on", "at"])
MAX_LOG_LINES = 5000
_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]*", re.IGNORECASE)
_NAME_FILLERS = frozenset(
    words("с c named called name под названием по имени имя именем называется the a an for of from")
)


def _is_port(value: int | None) -> bool:
    return value is not None and 0 < value < 65536


def find_port(reading: Reading) -> int | None:
    tokens = reading.tokens
    for token in tokens:
        if token.kind is Kind.PORT and _is_port(token.number):
            return token.number
    anchors = reading.positions(Concept.PORTS)
    for anchor in anchors:
        nearby: list[int] = [*range(anchor + 1, anchor + 4), anchor - 1, anchor - 2]
        for index in nearby:
            if not 0 <= index < len(tokens):
                continue
            token = tokens[index]
            # "80-м порту" has an ending; "сервер 1"/"server 1" is a server, not a port
            ordinal = bool(token.suffix) and (token.number or 0) < 10
            after_server = index > 0 and reading.concept_at(index - 1) is Concept.SERVER_NOUN
            if token.kind is Kind.NUMBER and not ordinal and not after_server and _is_port(
                    token.number):
                return token.number
    if reading.has(Concept.OCCUPY, Concept.PORTS, Concept.PROCESSES, Concept.WHO):
        lines = _lines_positions(reading)
        for index, token in enumerate(tokens):
            if token.kind is not Kind.NUMBER or token.suffix or index in lines:
                continue
            if index and reading.concept_at(index - 1) is Concept.SERVER_NOUN:
                continue  # "open ports on server 1"
            before = tokens[index - 1].norm if index else ""
            if reading.has(Concept.OCCUPY, Concept.PORTS) or before in _PORT_PREPOSITIONS:
                return token.number if _is_port(token.number) else None
    return None


def _lines_positions(reading: Reading) -> set[int]:
    found: set[int] = set()
    for anchor in reading.positions(Concept.LINES):
        for index in (anchor - 1, anchor - 2, anchor + 1):
            if 0 <= index < len(reading.tokens) and reading.tokens[index].kind is Kind.NUMBER:
                found.add(index)
    for index, token in enumerate(reading.tokens):
        if token.norm in ("последние", "последних", "last", "tail") or token.norm == "-n":
            nxt = index + 1
            if nxt < len(reading.tokens) and reading.tokens[nxt].kind is Kind.NUMBER:
                found.add(nxt)
    return {index for index in found if not _time_span(reading, index)}


_TIME_UNITS = ("минут", "мин", "час", "сек", "дн", "ден", "сут", "недел", "minute", "min",
               "hour", "sec", "day", "week", "h", "m", "d")


def _time_span(reading: Reading, index: int) -> bool:
    """ "за последние 30 минут", "last 2 hours": a time window, not a number of lines."""
    nxt = index + 1
    return nxt < len(reading.tokens) and reading.tokens[nxt].norm.startswith(_TIME_UNITS) and (
        reading.concept_at(nxt) is not Concept.LINES)


def find_lines(reading: Reading) -> int:
    positions = sorted(_lines_positions(reading))
    for index in positions:
        number = reading.tokens[index].number
        if number is not None and 0 < number <= MAX_LOG_LINES:
            return number
    return DEFAULT_LOG_LINES


def find_container(reading: Reading) -> str | None:
    """The name next to "контейнер"/"container", or after "docker logs"/"docker restart"."""
    anchors = reading.positions(Concept.CONTAINER)
    for anchor in anchors:
        for index in _after(reading, anchor):
            return _take(reading, index)
    for anchor in anchors:
        before = anchor - 1
        while before >= 0 and reading.tokens[before].norm in _NAME_FILLERS:
            before -= 1
        if before >= 0 and _nameable(reading, before):
            return _take(reading, before)
    for index, slot in enumerate(reading.slots):
        if slot.service == "docker":
            nxt = index + 1
            if reading.concept_at(nxt) in (Concept.LOGS, Concept.RESTART):
                for name_index in _after(reading, nxt):
                    return _take(reading, name_index)
            # "логи докера api", "рестарт docker api": an unknown Latin name right after docker
            asked = reading.has(Concept.LOGS, Concept.RESTART)
            if asked and nxt < len(reading.tokens) and _unknown_latin(reading, nxt):
                return _take(reading, nxt)
    return None


def _unknown_latin(reading: Reading, index: int) -> bool:
    token = reading.tokens[index]
    return (
        token.script is Script.LATIN
        and not reading.slots[index].claimed
        and _nameable(reading, index)
    )


def _after(reading: Reading, anchor: int) -> list[int]:
    index = anchor + 1
    while index < len(reading.tokens) and (
        reading.tokens[index].norm in _NAME_FILLERS
        or reading.tokens[index].kind is Kind.FLAG
        or reading.slots[index].concept is Concept.LOGS
    ):
        index += 1
    return [index] if index < len(reading.tokens) and _nameable(reading, index) else []


def _nameable(reading: Reading, index: int) -> bool:
    token, slot = reading.tokens[index], reading.slots[index]
    if token.kind is not Kind.WORD or not _NAME.fullmatch(token.raw):
        return False
    if slot.stop or slot.server or slot.phrase:
        return False
    if slot.concept is None or slot.service is not None:
        return True
    return token.script is Script.LATIN and slot.concept in _NAME_LIKE


_NAME_LIKE = frozenset(
    {
        Concept.NEUTRAL,
        Concept.LLM_TASK,
        Concept.CHITCHAT,
        Concept.ACK,
        Concept.GREETING,
    }
)


def _take(reading: Reading, index: int) -> str:
    slot = reading.slots[index]
    slot.container, slot.concept, slot.service = True, None, None
    return reading.tokens[index].raw
