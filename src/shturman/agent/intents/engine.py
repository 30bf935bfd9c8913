"""`understand(text, servers)`: the no-model reading of one request, start to finish."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from shturman.agent.intents import services as service_names
from shturman.agent.intents.arguments import find_container, find_lines, find_port
from shturman.agent.intents.context import focus
from shturman.agent.intents.explicit import understand_command
from shturman.agent.intents.plans import Slot as PlanSlot
from shturman.agent.intents.plans import intent_args, needed_slots, plan
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.recognition import read
from shturman.agent.intents.routing import Clues, decide
from shturman.agent.intents.servers import find_targets, resolve
from shturman.agent.intents.understanding import (
    Ask,
    AskKind,
    IntentArgs,
    IntentName,
    Route,
    Understanding,
)
from shturman.domain.models import Server


def understand(text: str, servers: Sequence[Server]) -> Understanding:
    """Route a request and, when the engine claims it, plan its tool calls per target server."""
    explicit = understand_command(text, servers)
    if explicit is not None:
        return explicit
    reading = read(text, servers)
    container = find_container(reading)
    service_names.mark_approximate(reading, servers)
    reading.mark_approximate()
    service_names.mark_named(reading)
    service_names.mark_fixed_unit(reading)
    if container is None:
        container = find_container(reading)
    understood = _understand(reading, servers, container)
    if understood.route is Route.LLM and understood.intent is None:
        request = focus(reading)  # «почему-то тормозит всё, глянь проц на vm1»
        if request is not None:
            focused = _understand(request, servers, find_container(request))
            if focused.route is Route.INTENT:
                return replace(focused, language=understood.language)
    return understood


def _understand(reading: Reading, servers: Sequence[Server], container: str | None
                ) -> Understanding:
    """Route and plan a request whose words have all been recognised."""
    port = find_port(reading)
    targets = find_targets(reading, servers)
    mentioned = service_names.repair_subject(reading, reading.services())
    if not mentioned:  # «сайт на vm1 отдаёт 502, почини»: the site is the server's web front
        mentioned = service_names.site_front(reading, servers, targets.named)
    candidates = reading.candidates()
    clues = Clues(
        services=tuple(mentioned),
        container=container,
        port=port,
        targeted=bool(targets.named or targets.unresolved or targets.ask),
        candidates=candidates,
    )
    decision = decide(reading, clues)
    language = reading.language()
    if decision.route is Route.NONE:
        return Understanding(Route.NONE, None, (), IntentArgs(), (), language)
    targets_named = resolve(targets, servers, mentioned or candidates)
    if decision.intent is None:
        return Understanding(
            Route.LLM, None, targets_named, IntentArgs(), (), language, targets.unresolved
        )
    service = next((s for s in mentioned if s != "docker"), mentioned[0] if mentioned else None)
    if service is not None:  # "restart sshd on db1": the unit the user named, not Debian's `ssh`
        service = service_names.unit_name(reading, service, servers, targets_named)
    found = IntentArgs(service, port, container, only_if_down=decision.only_if_down)
    args = intent_args(decision.intent, found)
    if not candidates and args.service is None:  # "перезапусти сервис на проде"
        candidates = service_names.listed_on(servers, targets_named)
    ask = _question(decision.intent, args, candidates, targets.ask, bool(targets.named))
    if ask is not None:
        servers_asked = () if ask.what is AskKind.SERVERS else targets_named
        return Understanding(decision.route, decision.intent, servers_asked, args, (), language,
                             targets.unresolved, ask)
    steps = plan(decision.intent, targets_named, args, find_lines(reading))
    return Understanding(
        decision.route, decision.intent, targets_named, args, steps, language, targets.unresolved
    )


def _question(intent: IntentName, args: IntentArgs, candidates: Sequence[str],
              servers: Sequence[str], named: bool) -> Ask | None:
    """What to ask instead of guessing: which service a shared name part means, which servers
    an undecided "обе машины" means."""
    if PlanSlot.SERVICE in needed_slots(intent) and args.service is None and candidates:
        return Ask(AskKind.SERVICE, tuple(candidates))
    if servers and not named:
        return Ask(AskKind.SERVERS, tuple(servers))
    return None
