"""Counted nouns in the user's language: «1 простая команда», «2 простые команды»,
«5 простых команд»; "1 line", "2 lines"."""

from __future__ import annotations

RuForms = tuple[str, str, str]  # one (1, 21, 101), few (2-4, 22-24), many (0, 5-20, 25-30, 11-14)
EnForms = tuple[str, str]  # singular, plural


def ru_form(n: int, forms: RuForms) -> str:
    """The Russian form that goes with ``n``."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def counted(n: int, lang: str, ru: RuForms, en: EnForms) -> str:
    """``n`` and the noun in the form that goes with it, in ``lang`` (``ru`` or English)."""
    if lang == "ru":
        return f"{n} {ru_form(n, ru)}"
    return f"{n} {en[0] if n == 1 else en[1]}"
