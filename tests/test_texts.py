"""The one catalogue: every entry is (ru, en), both languages take the same placeholders, no
key is defined twice, and the Russian text is Russian."""

from __future__ import annotations

import re
import string

import pytest

from shturman.domain import texts
from shturman.domain.texts import CATALOGUE, pick, say

_FIELDS = string.Formatter()
_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
_FIELD = re.compile(r"\{[^}]*\}")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in _FIELDS.parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_entry_is_ru_then_en_with_the_same_placeholders(key: str) -> None:
    ru, en = CATALOGUE[key]
    assert ru and en, key
    assert _placeholders(ru) == _placeholders(en), key
    neutral = not re.search("[a-z]", _FIELD.sub("", ru))  # "HTTP {target}", "🎙 «{text}»"
    assert neutral or _CYRILLIC.search(ru), f"{key}: the first text is not Russian"
    assert not _CYRILLIC.search(en), f"{key}: the second text is not English"


def test_keys_are_defined_once_across_areas(monkeypatch: pytest.MonkeyPatch) -> None:
    from shturman.domain.texts import voice

    monkeypatch.setitem(voice.TEXTS, "report.no_model", ("дубль", "twice"))
    with pytest.raises(RuntimeError, match=r"report\.no_model"):
        texts._merged()


def test_say_picks_the_language_and_fills_values() -> None:
    assert say("voice.too_long", "en", n=130, limit=120) == (
        "voice note too long (130 s, at most 120 s)")
    assert say("voice.too_long", n=130, limit=120).startswith("голосовое сообщение")
    assert pick(("да", "yes"), "en") == "yes" and pick(("да", "yes"), "de") == "да"


def test_a_two_language_sentence_from_below_is_cut_to_one_half() -> None:
    from shturman.domain.texts import half

    said = ("vault key file /h/vault.key is missing; run `shturman init` / "
            "нет файла ключа /h/vault.key: выполните `shturman init`")
    assert half(said, "ru") == "нет файла ключа /h/vault.key: выполните `shturman init`"
    assert half(said, "en") == "vault key file /h/vault.key is missing; run `shturman init`"
    assert half("only english / with a slash", "ru") == "only english / with a slash"
    assert half("только по-русски", "en") == "только по-русски"
    assert half("a / b / в", "ru") == "в" and half("a / b / в", "en") == "a / b"
