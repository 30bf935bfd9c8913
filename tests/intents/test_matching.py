"""Fuzzy matching, Russian endings, transliteration and service names."""

from __future__ import annotations

import pytest

from shturman.agent.intents.lexicon import Concept, vocabulary
from shturman.agent.intents.matching import Vocabulary, edit_distance, expand, parse_word
from shturman.agent.intents.recognition import read
from shturman.agent.intents.text import Kind, to_cyrillic, to_latin, tokenize
from shturman.domain.models import Server


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("nginx", "nginx", 0),
        ("ngnix", "nginx", 1),
        ("restrat", "restart", 1),
        ("abc", "", 3),
        ("перезапусит", "перезапусти", 1),
        ("kitten", "sitting", 3),
    ],
)
def test_edit_distance_counts_swaps_as_one(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, limit=5) == distance


def test_edit_distance_stops_at_the_limit() -> None:
    assert edit_distance("aaaaaaaa", "bbbbbbbb", limit=2) == 3


def test_brace_expansion() -> None:
    assert expand("лог{,и,ов}") == ["лог", "логи", "логов"]
    assert expand("a{b,c}_{d,e}") == ["ab_d", "ab_e", "ac_d", "ac_e"]


def test_stems_take_case_endings_but_not_digits() -> None:
    (stem,) = parse_word("контейнер*")
    assert stem.distance("контейнеров") == 0
    assert stem.distance("контейнер-2") is None
    (exact,) = parse_word("=ps")
    assert exact.distance("ps") == 0 and exact.distance("pss") is None


def test_typos_keep_the_first_letter() -> None:
    words: Vocabulary[str] = Vocabulary([("restart*", "restart"), ("потом", "then")])
    assert words.approximate(["restrat"]) is not None
    assert words.approximate(["ерестарт"]) is None
    assert words.approximate(["eretsart"]) is None


@pytest.mark.parametrize(
    ("word", "concept"),
    [
        ("рестартни", Concept.RESTART),
        ("перезагрузите", Concept.REBOOT),
        ("контейнеров", Concept.CONTAINER),
        ("логах", Concept.LOGS),
        ("ребутнул", Concept.PAST_REBOOT),
        ("остановлен", Concept.STATUS),
        ("останови", Concept.STOP),
        ("открыты", Concept.OPEN_ADJ),
        ("открой", Concept.LLM_TASK),
        ("запущен", Concept.RUNNING),
        ("запусти", Concept.START),
    ],
)
def test_russian_morphology(word: str, concept: Concept) -> None:
    assert vocabulary().exact([word]) is concept


def test_transliteration_both_ways() -> None:
    assert to_cyrillic("chto") == "что"
    assert to_cyrillic("pokazhi") == "покажи"
    assert to_cyrillic("zhryot") == "жрет"
    assert to_latin("нгинкс") == "nginx"
    assert to_latin("вм1") == "vm1"


def test_tokens_drop_russian_endings_glued_to_latin_names() -> None:
    norms = [t.norm for t in tokenize("nginx'а упал, redis-у плохо, nginxа, продe")]
    assert norms == ["nginx", "упал", "redis", "плохо", "nginx", "проде"]


def test_tokens_know_ports_paths_flags_and_ordinal_numbers() -> None:
    kinds = [(t.kind, t.number) for t in tokenize(":443 /var/log -h 1-й 8080")]
    assert kinds == [
        (Kind.PORT, 443),
        (Kind.PATH, None),
        (Kind.FLAG, None),
        (Kind.NUMBER, 1),
        (Kind.NUMBER, 8080),
    ]


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("статус нжинкса", "nginx"),
        ("энджинкс", "nginx"),
        ("ngnix", "nginx"),
        ("редиса", "redis"),
        ("постгреса", "postgresql"),
        ("sshd", "ssh"),
        ("мускул", "mysql"),
        ("grok voice", "grok-voice"),
        ("grokvoice", "grok-voice"),
        ("grok-voise", "grok-voice"),
        ("httpd", "apache2"),
        ("докера", "docker"),
        ("redis-server", "redis"),
        ("myapp.service", "myapp"),
        ("перезапусти сервис foo-worker", "foo-worker"),
        ("restart myapp", "myapp"),
    ],
)
def test_service_names(text: str, service: str, servers: tuple[Server, ...]) -> None:
    from shturman.agent.intents import services

    reading = read(text, servers)
    services.mark_approximate(reading, servers)
    reading.mark_approximate()
    services.mark_named(reading)
    assert reading.services() == [service]


def test_language_detection(servers: tuple[Server, ...]) -> None:
    from shturman.agent.intents import understand

    assert understand("перезапусти nginx", servers).language == "ru"
    assert understand("chto s diskom", servers).language == "ru"
    assert understand("restart nginx", servers).language == "en"
    assert understand("how much memory is free", servers).language == "en"
