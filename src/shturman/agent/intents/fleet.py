"""Fleet rules that depend on the inventory alone: which pair "обе машины" means, which server a
number means, and selectors ("@web", "host:vm1", "tag:db"). See `servers` for the reading."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shturman.agent.intents.reading import Reading
from shturman.domain.models import LOCAL_SERVER, Server

LAST = -1  # "последний", "last"


def non_local(inventory: Sequence[Server]) -> list[Server]:
    return [s for s in inventory if s.name != LOCAL_SERVER and not s.is_local]


# the nouns a user calls servers by, and what a name or alias carrying that noun looks like
_NOUN_FAMILIES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (("машин", "тачк", "виртуалк", "machine", "vm", "вм", "box"),
     re.compile(r"^(vm|вм)[-_]?\d|machine|машин|виртуалк|^box", re.IGNORECASE)),
    (("сервер", "серв", "server"), re.compile(r"^srv|server|сервер", re.IGNORECASE)),
    (("хост", "host"), re.compile(r"host|хост", re.IGNORECASE)),
    (("нод", "node"), re.compile(r"node|нод", re.IGNORECASE)),
)
_TRAILING_NUMBER = re.compile(r"(\d+)\s*$")


def _carries_noun(server: Server, noun: str) -> bool:
    for starts, pattern in _NOUN_FAMILIES:
        if noun.startswith(starts):
            return any(pattern.search(key) for key in (server.name, *server.aliases))
    return False


def _numbers(server: Server) -> set[int]:
    found = (_TRAILING_NUMBER.search(key) for key in (server.name, *server.aliases))
    return {int(match.group(1)) for match in found if match}


def pair(machines: Sequence[Server], noun: str) -> tuple[str, ...]:
    """The two servers "обе"/"both" means, or () when the inventory does not decide."""
    if len(machines) == 2:
        return tuple(s.name for s in machines)
    carriers = [s.name for s in machines if noun and _carries_noun(s, noun)]
    if len(carriers) == 2:
        return tuple(carriers)
    families: dict[str, list[str]] = {}
    for server in machines:
        if _TRAILING_NUMBER.search(server.name):
            families.setdefault(re.sub(r"[-_]?\d+$", "", server.name), []).append(server.name)
    pairs = [names for names in families.values() if len(names) == 2]
    return tuple(pairs[0]) if len(pairs) == 1 else ()


def numbered(machines: Sequence[Server], number: int, noun: str) -> tuple[str, ...]:
    """Servers the N-th/number N may mean: one when decided, several to ask, none unknown."""
    if number == LAST:
        return (machines[-1].name,) if machines else ()
    carriers = [s for s in machines if number in _numbers(s)]
    if len(carriers) > 1:
        fitting = [s for s in carriers if noun and _carries_noun(s, noun)]
        carriers = fitting or carriers
    by_order = machines[number - 1] if 0 < number <= len(machines) else None
    if len(carriers) > 1 and by_order is not None and by_order in carriers:
        carriers = [by_order]
    if carriers:
        return tuple(s.name for s in carriers)
    return (by_order.name,) if by_order is not None else ()


# --- selectors: "@web", "host:vm1", "tag:db" --------------------------------------------

_SELECTOR = re.compile(
    r"(?<![\w@])@(?P<at>[\w.-]+)|(?<![\w-])(?P<kind>host|server|tag|хост|сервер|тег)\s*:\s*"
    r"(?P<name>[\w.-]+)",
    re.IGNORECASE,
)


def mark_selectors(reading: Reading, inventory: Sequence[Server]) -> tuple[set[str], list[str]]:
    """Servers named by "@NAME" (a server, else a tag), "host:NAME" or "tag:NAME"; their
    tokens are claimed so that nothing else reads them. Returns (servers, unresolved)."""
    found: set[str] = set()
    unresolved: list[str] = []
    for match in _SELECTOR.finditer(reading.text):
        name = (match.group("at") or match.group("name")).lower().rstrip(".")
        kind = (match.group("kind") or "").lower()
        servers = [] if kind in ("tag", "тег") else [s.name for s in inventory
                                                     if s.answers_to(name)]
        if not servers and kind not in ("host", "server", "хост", "сервер"):
            servers = [s.name for s in non_local(inventory)
                       if name in (t.lower() for t in s.tags)]
        found |= set(servers)
        if not servers:
            unresolved.append(name)
        for index, token in enumerate(reading.tokens):
            if token.norm.lstrip("@") == name:
                slot = reading.slots[index]
                slot.concept, slot.service = None, None
                slot.server = servers[0] if len(servers) == 1 else "#" + name
                slot.unresolved = not servers
    return found, unresolved
