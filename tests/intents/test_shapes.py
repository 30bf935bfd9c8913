"""Grammar cues and the smaller matching rules: how-to questions, unknown commands, 4-letter
swaps, word-final transliteration, plural server nouns, URLs."""

from __future__ import annotations

import pytest

from shturman.agent.intents import Route, understand
from shturman.agent.intents.matching import parse_word
from shturman.agent.intents.recognition import read
from shturman.agent.intents.shapes import asks_definition, asks_how_to, unknown_command
from shturman.agent.intents.text import Kind, to_cyrillic, tokenize
from shturman.domain.models import Server


@pytest.mark.parametrize(
    ("text", "how_to"),
    [
        ("как посмотреть логи nginx", True),
        ("как мне перезапустить redis", True),
        ("how do I check disk usage", True),
        ("how to restart nginx", True),
        ("как там прод", False),
        ("как дела на vm1", False),
        ("how is db1 doing", False),
    ],
)
def test_how_to_questions(text: str, how_to: bool, servers: tuple[Server, ...]) -> None:
    assert asks_how_to(read(text, servers)) is how_to


def test_definition_questions(servers: tuple[Server, ...]) -> None:
    assert asks_definition(read("что такое load average", servers))
    assert asks_definition(read("what does swap mean", servers))
    assert not asks_definition(read("что с памятью", servers))


@pytest.mark.parametrize(
    ("text", "strict", "command"),
    [
        ("закомить изменения", False, True),
        ("отправь в телегу", True, True),
        ("аптайм локалки", True, False),
        ("ааааа", False, False),
    ],
)
def test_unknown_commands(
    text: str, strict: bool, command: bool, servers: tuple[Server, ...]
) -> None:
    assert unknown_command(read(text, servers), strict=strict) is command


def test_four_letter_words_take_only_a_swap() -> None:
    (pattern,) = parse_word("диск")
    assert pattern.distance("дсик") == 1
    assert pattern.distance("дисм") is None
    (stem,) = parse_word("крон*")
    assert stem.distance("корневой") is None  # a swap with a long ending is another word


def test_word_final_i_after_a_vowel_is_short() -> None:
    assert to_cyrillic("bazoi") == "базой"
    assert to_cyrillic("pokazhi") == "покажи"


def test_urls_are_one_path_token() -> None:
    kinds = [t.kind for t in tokenize("curl localhost:8080/health")]
    assert kinds == [Kind.WORD, Kind.PATH]


@pytest.mark.parametrize(
    ("text", "route", "targets"),
    [
        ("всё ли в порядке на серверах?", Route.INTENT, ("vm1", "vm2", "db1")),
        ("нагрузка на веб серверах", Route.INTENT, ("vm2",)),
        ("память на базе данных", Route.INTENT, ("db1",)),
        # issue 8: "a service" on a named server is recognised, and the run asks which one
        ("перезапусти службу на vm1", Route.INTENT, ("vm1",)),
        ("перезапусти всё на проде", Route.LLM, ("vm2",)),
        ("покажи crontab на vm1", Route.LLM, ("vm1",)),
        ("поднять реплику postgres на vm2", Route.LLM, ("vm2",)),
    ],
)
def test_targets_and_routes(
    text: str, route: Route, targets: tuple[str, ...], servers: tuple[Server, ...]
) -> None:
    got = understand(text, servers)
    assert (got.route, got.servers) == (route, targets)
