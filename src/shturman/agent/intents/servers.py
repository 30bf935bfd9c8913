"""Which servers a request is about: names, aliases, ordinals, "обе"/"все", tags, local, owners.

Numbers ("вторая машина", "машина 2", "server 1") go first to the remote server whose name or
alias carries that number (vm2, web-2, «машина 2»); when several carry it, to those the noun
fits ("машина" → vm…/machine…); when none does, the remote servers count in inventory order.
"Обе машины"/"both" is a pair: the two remote servers when there are two; else the two whose
names or aliases carry the noun the user said (vm1 and vm2 for "машины"); else the only
numbered pair (web1, web2); else the engine asks which. Selectors "@web" (a server name, else
a tag) and "host:NAME"/"tag:NAME" target exactly what they name, whatever else is said.
A server-like name that is not in the inventory ("на db9") is reported as unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from shturman.agent.intents.fleet import LAST, mark_selectors, non_local, numbered, pair
from shturman.agent.intents.lexicon import Concept
from shturman.agent.intents.matching import Vocabulary, words
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.services import owners
from shturman.agent.intents.text import Kind, Script, to_cyrillic
from shturman.domain.models import LOCAL_SERVER, Server

_ENDINGS = sorted(
    words(
        "а я о е ы и у ю ь ой ей ом ем ам ям ах ях ами ями ов ев ий ый ая ое ие ые ую юю ого его "
        "ому ему ым им ых их ыми ими ью"
    ),
    key=len,
    reverse=True,
)
_PREPOSITIONS = frozenset(words("на по в во с со on at across for in to from of @"))
_HOST_PREPOSITIONS = frozenset(words("на on at @"))  # not "в": "бэкап в s3" names no server
_JOINERS = frozenset(["и", "and", ",", "или", "or"])
_NAME_FILLERS = frozenset(words("под названием по имени именем named called с the a"))
_HOSTNAME = re.compile(r"[a-z][a-z0-9-]*\d[a-z0-9-]*|[a-z0-9-]+(\.[a-z0-9-]+)+")
_IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_LAST = LAST


@lru_cache(maxsize=1)
def _ordinals() -> Vocabulary[int]:
    specs = {
        1: "перв* first 1st",
        2: "втор* second 2nd",
        3: "трет{ий,ья,ьей,ьем,ьему,ью,ьего,ьи,ье,ьим} third 3rd",
        4: "четверт* fourth 4th",
        5: "пят{ый,ая,ой,ом,ую,ого,ое,ому} fifth 5th",
        _LAST: "последн* last",
    }
    return Vocabulary((spec, n) for n, words in specs.items() for spec in words.split())


def stem(word: str) -> str:
    """A crude Russian stem: the word without its case ending ("проде" → "прод")."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _word_matches(token_forms: Sequence[str], key: str) -> bool:
    for form in token_forms:
        if form == key:
            return True
        if re.search(r"[а-я]", key) and re.search(r"[а-я]", form) and stem(form) == stem(key):
            return True
    return False


def _local_name(inventory: Sequence[Server]) -> str:
    for server in inventory:
        if server.name == LOCAL_SERVER or server.is_local:
            return server.name
    return LOCAL_SERVER


def mark_names(reading: Reading, inventory: Sequence[Server]) -> None:
    """Server names, aliases (with case endings, several words) and hosts, as typed."""
    keys: list[tuple[list[str], str]] = []
    for server in inventory:
        for key in (server.name, *server.aliases, server.host):
            if key:
                keys.append((key.lower().replace("ё", "е").split(), server.name))
    keys.sort(key=lambda item: -len(item[0]))
    for index in range(len(reading.tokens)):
        if reading.slots[index].claimed or reading.tokens[index].kind is not Kind.WORD:
            continue
        for key_words, name in keys:
            span = _match_key(reading, index, key_words)
            if span:
                for offset in range(span):
                    reading.slots[index + offset].server = name
                break


def _match_key(reading: Reading, index: int, words: list[str]) -> int:
    tokens = reading.tokens
    if len(words) == 1 and index + 1 < len(tokens) and tokens[index + 1].kind is Kind.NUMBER:
        joined = tokens[index].norm + tokens[index + 1].norm  # "vm 1"
        alt = tokens[index].alt + tokens[index + 1].norm
        if words[0] in (joined, alt) and not tokens[index + 1].suffix:
            return 2
    if index + len(words) > len(tokens):
        return 0
    for offset, word in enumerate(words):
        position = index + offset
        if reading.slots[position].claimed or tokens[position].kind is not Kind.WORD:
            return 0
        if not _word_matches(reading.forms(position), word):
            return 0
    return len(words)


@dataclass(frozen=True, slots=True)
class Targets:
    named: tuple[str, ...]  # resolved from what the user said, inventory order
    unresolved: tuple[str, ...]
    ask: tuple[str, ...] = ()  # a fleet phrase the inventory does not decide: these are candidates


def find_targets(reading: Reading, inventory: Sequence[Server]) -> Targets:
    selected, unresolved = mark_selectors(reading, inventory)
    wanted = {s.server for s in reading.slots if s.server and not s.server.startswith("#")}
    ask: list[str] = []
    machines = non_local(inventory)
    tagged = _tagged(reading, inventory) | selected
    wanted |= tagged
    if reading.has(Concept.LOCAL_WORD):
        wanted.add(_local_name(inventory))
    everyone = reading.has(Concept.EVERYWHERE) or _group_word(reading, Concept.ALL_WORD)
    if everyone and not tagged:
        wanted |= {s.name for s in machines} or {_local_name(inventory)}
    both = _group_word(reading, Concept.BOTH_WORD)
    if both and len(machines) < 2:
        wanted |= {s.name for s in machines} or {_local_name(inventory)}
    elif both:
        two = pair(machines, _noun_after(reading, reading.positions(Concept.BOTH_WORD)))
        wanted |= set(two)
        ask += [] if two else [s.name for s in machines]
    for number, index, noun in _ordinal_mentions(reading):
        found = numbered(machines, number, noun)
        wanted |= set(found[:1]) if len(found) == 1 else set()
        ask += list(found) if len(found) > 1 else []
        if not found:
            unresolved.append(reading.tokens[index].norm)
    wanted |= _database_alias(reading, inventory)
    unresolved += _unknown_names(reading, inventory)
    if not wanted and not unresolved and not ask and _plural_servers(reading):
        wanted |= {s.name for s in machines}  # "на серверах", "состояние серверов"
    return Targets(_in_order(wanted, inventory), tuple(dict.fromkeys(unresolved)),
                   _in_order(set(ask), inventory))


def _in_order(names: set[str], inventory: Sequence[Server]) -> tuple[str, ...]:
    order = [s.name for s in inventory]
    return tuple(sorted(names, key=lambda name: order.index(name) if name in order else -1))


def _noun_after(reading: Reading, positions: Sequence[int]) -> str:
    for index in positions:
        nxt = _next_meaningful(reading, index, _JOINERS)
        if _is_noun(reading, nxt):
            return reading.tokens[nxt].norm
    return ""




def resolve(
    targets: Targets, inventory: Sequence[Server], services: Sequence[str]
) -> tuple[str, ...]:
    """Explicit targets; else nothing if the user named an unknown server; else the owners of
    the named service; else the only remote server; else this machine."""
    if targets.named:
        return targets.named
    if targets.unresolved:
        return ()
    owning: set[str] = set()
    for service in services:
        owning |= set(owners(inventory, service))
    if owning:
        return tuple(s.name for s in inventory if s.name in owning)
    machines = non_local(inventory)
    if len(machines) == 1:
        return (machines[0].name,)
    return (_local_name(inventory),)


def _next_meaningful(reading: Reading, index: int, skip: frozenset[str] = frozenset()) -> int:
    nxt = index + 1
    while nxt < len(reading.tokens) and (
        reading.tokens[nxt].norm in skip or reading.slots[nxt].stop
    ):
        nxt += 1
    return nxt


def _previous_word(reading: Reading, index: int) -> str:
    return reading.tokens[index - 1].norm if index > 0 else ""


def _is_noun(reading: Reading, index: int) -> bool:
    return reading.concept_at(index) is Concept.SERVER_NOUN


_VERBS_ON_ALL = frozenset({Concept.REBOOT, Concept.SHOW})


def _group_word(reading: Reading, concept: Concept) -> bool:
    """ "все серверы", "на всех", "both machines", "обе": a word about a group of servers."""
    for index in reading.positions(concept):
        nxt = _next_meaningful(reading, index)
        if _is_noun(reading, nxt) or (_is_noun(reading, nxt + 1) and _is_tag_slot(reading, nxt)):
            return True
        if _previous_word(reading, index) in _PREPOSITIONS and (
            nxt >= len(reading.tokens) or reading.concept_at(nxt) is None
        ):
            return True
        if nxt >= len(reading.tokens) and (
            concept is Concept.BOTH_WORD or reading.concept_at(index - 1) in _VERBS_ON_ALL
        ):
            return True  # "ребутни обе", "reboot all", "перезагрузи все"
    return False


# Unambiguous plural forms of a server noun ("серверов", "на машинах", "servers"); "сервера"
# and "машины" are also singular genitives ("статус сервера"), so they do not count.
_PLURAL_RU = ("ов", "ах", "ях", "ами", "ями", "ам", "ям")
_PLURAL_RU_NOMINATIVE = ("серверы", "хосты", "серваки", "тачки", "виртуалки")
_PLURAL_EN = frozenset(words("servers machines hosts boxes nodes instances vms"))


def _plural_servers(reading: Reading) -> bool:
    for index in reading.positions(Concept.SERVER_NOUN):
        word = reading.tokens[index].norm
        if word in _PLURAL_EN or word in _PLURAL_RU_NOMINATIVE:
            return True
        if reading.tokens[index].script is Script.CYRILLIC and word.endswith(_PLURAL_RU):
            return True
    return False


def _database_alias(reading: Reading, inventory: Sequence[Server]) -> set[str]:
    """ "на базе данных" when a server's alias is "база": the phrase still names that server."""
    found: set[str] = set()
    for index in reading.positions(Concept.DATABASE):
        for server in inventory:
            if any(_word_matches(reading.forms(index), alias.lower()) for alias in server.aliases):
                found.add(server.name)
    return found


def _is_tag_slot(reading: Reading, index: int) -> bool:
    return 0 <= index < len(reading.slots) and (reading.slots[index].server or "").startswith("#")


def _tagged(reading: Reading, inventory: Sequence[Server]) -> set[str]:
    found: set[str] = set()
    for index, token in enumerate(reading.tokens):
        if token.kind is not Kind.WORD:
            continue
        parts = [token.norm, *token.norm.split("-")] if "-" in token.norm else [token.norm]
        for server in non_local(inventory):
            for tag in server.tags:
                spellings = {tag.lower(), to_cyrillic(tag.lower())}  # "web" and "веб"
                if not any(_word_matches([part], t) for part in parts for t in spellings):
                    continue
                slot = reading.slots[index]
                glued_noun = "-" in token.norm and slot.concept is Concept.SERVER_NOUN
                if slot.claimed and not _is_tag_slot(reading, index) and not glued_noun:
                    continue
                before = _previous_word(reading, index)
                context = (
                    glued_noun
                    or _is_noun(reading, index + 1)
                    or before in _PREPOSITIONS
                    or reading.concept_at(index - 1) is Concept.ALL_WORD
                )
                if context:
                    found.add(server.name)
                    if not slot.claimed:
                        slot.server = "#" + tag.lower()
    return found


def _ordinal_mentions(reading: Reading) -> list[tuple[int, int, str]]:
    """(number, token index, the server noun it goes with or "")."""
    found: list[tuple[int, int, str]] = []
    tokens = reading.tokens
    for index in range(len(tokens)):
        number = _ordinal_value(reading, index)
        if number is None:
            continue
        nxt = _next_meaningful(reading, index, _JOINERS)
        while nxt < len(tokens) and _ordinal_value(reading, nxt) is not None:
            nxt = _next_meaningful(reading, nxt, _JOINERS)
        after_prep = _previous_word(reading, index) in _PREPOSITIONS and (
            nxt >= len(tokens) or reading.concept_at(nxt) is None
        )
        if _is_noun(reading, nxt) or after_prep:
            noun = reading.tokens[nxt].norm if _is_noun(reading, nxt) else ""
            found.append((number, index, noun))
            reading.slots[index].server = reading.slots[index].server or "#ordinal"
    for index in range(len(tokens)):  # "сервер 2", "машина номер 2", "server #2"
        if not _is_noun(reading, index):
            continue
        nxt = _next_meaningful(reading, index, frozenset({"номер", "no", "number", "#", "№"}))
        if nxt < len(tokens) and tokens[nxt].kind is Kind.NUMBER and not tokens[nxt].suffix:
            value = tokens[nxt].number
            if value is not None and 0 < value < 10:
                found.append((value, nxt, tokens[index].norm))
    return found


def _ordinal_value(reading: Reading, index: int) -> int | None:
    token, slot = reading.tokens[index], reading.slots[index]
    if token.kind is Kind.NUMBER and token.suffix and token.number is not None:
        return token.number if 0 < token.number < 10 else None
    if token.kind is not Kind.WORD or slot.service or (slot.server and slot.server[0] != "#"):
        return None
    if slot.concept not in (None, Concept.NEUTRAL, Concept.ORDINAL):
        return None
    return _ordinals().exact([token.norm])


def _unknown_names(reading: Reading, inventory: Sequence[Server]) -> list[str]:
    """ "на сервере db9", "on server foo", "на web3", "vm7": names the inventory lacks."""
    found: list[str] = []
    prefixes = {re.sub(r"[\d\-_.]+$", "", s.name.lower()) for s in non_local(inventory)}
    prefixes.discard("")
    for index in list(reading.free_words()):
        token = reading.tokens[index]
        name = token.norm if token.script is not Script.CYRILLIC else token.alt
        if not _IDENTIFIER.fullmatch(name):
            continue
        before = index - 1
        while before >= 0 and reading.tokens[before].norm in _NAME_FILLERS:
            before -= 1
        same_clause = before >= 0 and reading.tokens[before].clause == token.clause
        after_noun = same_clause and _is_noun(reading, before)  # not "servers? apply it"
        after_prep = same_clause and reading.tokens[before].norm in _HOST_PREPOSITIONS
        hostname = bool(_HOSTNAME.fullmatch(name))
        sibling = hostname and re.sub(r"[\d\-_.]+$", "", name) in prefixes
        latin_word = token.script is Script.LATIN or hostname
        if (after_noun and latin_word) or (after_prep and hostname) or sibling:
            reading.slots[index].unresolved = True
            found.append(name)
    return found
