"""`understand(text, servers)`: the no-model reading of one request, start to finish."""

from __future__ import annotations

from collections.abc import Sequence

from shturman.agent.intents import services as service_names
from shturman.agent.intents.arguments import find_container, find_lines, find_port
from shturman.agent.intents.plans import intent_args, plan
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.routing import Clues, decide
from shturman.agent.intents.servers import find_targets, mark_names, resolve
from shturman.agent.intents.understanding import IntentArgs, Route, Understanding
from shturman.domain.models import Server


def read(text: str, servers: Sequence[Server]) -> Reading:
    """Recognise every token: phrases, server names, services, words, then typos and guesses."""
    reading = Reading.of(text)
    reading.mark_phrases()
    mark_names(reading, servers)
    service_names.mark_exact(reading, servers)
    reading.mark_words()
    return reading


def understand(text: str, servers: Sequence[Server]) -> Understanding:
    """Route a request and, when the engine claims it, plan its tool calls per target server."""
    reading = read(text, servers)
    container = find_container(reading)
    service_names.mark_approximate(reading, servers)
    reading.mark_approximate()
    service_names.mark_named(reading)
    if container is None:
        container = find_container(reading)
    port = find_port(reading)
    targets = find_targets(reading, servers)
    mentioned = reading.services()
    clues = Clues(
        services=tuple(mentioned),
        container=container,
        port=port,
        targeted=bool(targets.named or targets.unresolved),
    )
    decision = decide(reading, clues)
    language = reading.language()
    if decision.route is Route.NONE:
        return Understanding(Route.NONE, None, (), IntentArgs(), (), language)
    targets_named = resolve(targets, servers, mentioned)
    if decision.intent is None:
        return Understanding(
            Route.LLM, None, targets_named, IntentArgs(), (), language, targets.unresolved
        )
    service = next((s for s in mentioned if s != "docker"), mentioned[0] if mentioned else None)
    args = intent_args(decision.intent, service, port, container)
    steps = plan(decision.intent, targets_named, args, find_lines(reading))
    return Understanding(
        decision.route, decision.intent, targets_named, args, steps, language, targets.unresolved
    )
