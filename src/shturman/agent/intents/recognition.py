"""The order of recognition passes over one request (see `reading` for what a pass is)."""

from __future__ import annotations

from collections.abc import Sequence

from shturman.agent.intents import services as service_names
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.servers import mark_names
from shturman.agent.intents.shapes import mark_past_events, mark_revival
from shturman.domain.models import Server


def read(text: str, servers: Sequence[Server]) -> Reading:
    """Recognise every token: phrases, server names, services, words, name parts, then the
    revival phrases around a named service ("bring X back up") and past events («после того
    как я поменял конфиг»), which are story."""
    reading = Reading.of(text)
    reading.mark_phrases()
    mark_names(reading, servers)
    service_names.mark_exact(reading, servers)
    reading.mark_words()
    service_names.mark_partial(reading, servers)
    mark_revival(reading)
    mark_past_events(reading)
    return reading


def read_fully(text: str, servers: Sequence[Server]) -> Reading:
    """`read`, then typos and guesses: approximate service names and words, named units."""
    reading = read(text, servers)
    service_names.mark_approximate(reading, servers)
    reading.mark_approximate()
    service_names.mark_named(reading)
    service_names.mark_fixed_unit(reading)
    return reading
