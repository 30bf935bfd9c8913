"""Every sentence Shturman says to a person, in one catalogue, in one order: ``(ru, en)``.

Areas keep their entries in their own module of this package (the interfaces' messages, the
policy's reasons, the run reports, voice errors…) under their own key prefix; :data:`CATALOGUE`
is all of them, and :func:`say` is the one way to pick a language. Russian is the default.
A test checks that no key is defined twice and that both languages of an entry take the same
``{placeholders}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["ru", "en"]

AREAS = ("interface", "policy", "reports", "voice", "tasks", "admin", "peers", "monitoring",
         "health", "push")


def _merged() -> dict[str, tuple[str, str]]:
    from importlib import import_module

    merged: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        texts: Mapping[str, tuple[str, str]] = import_module(f"{__name__}.{area}").TEXTS
        twice = merged.keys() & texts.keys()
        if twice:
            raise RuntimeError(f"text keys defined twice: {sorted(twice)}")
        merged.update(texts)
    return merged


CATALOGUE: dict[str, tuple[str, str]] = _merged()


def half(text: str, lang: str = "ru") -> str:
    """A sentence raised below the interfaces as "English … / Русский …" (vault, config and
    connection errors): the half in `lang`. The split is the last " / " before the first
    Cyrillic letter; any other text is returned as it is."""
    first = next((i for i, ch in enumerate(text) if "а" <= ch.lower() <= "я" or ch in "ёЁ"),
                 None)
    cut = text.rfind(" / ", 0, first) if first is not None else -1
    if cut <= 0:
        return text
    return text[cut + 3:].strip() if lang == "ru" else text[:cut].strip()


def pick(pair: tuple[str, str], lang: str = "ru") -> str:
    """The ``(ru, en)`` pair's text in ``lang`` (anything but ``en`` is Russian)."""
    return pair[1] if lang == "en" else pair[0]


def say(key: str, lang: str = "ru", **values: object) -> str:
    """The catalogue's text for ``key`` in ``lang``, with ``values`` filled in."""
    text = pick(CATALOGUE[key], lang)
    return text.format(**values) if values else text


__all__ = ["AREAS", "CATALOGUE", "Lang", "pick", "say"]
