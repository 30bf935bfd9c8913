"""Word patterns with Russian endings and typos: stems, brace forms, phrases, edit distance.

A pattern spec is one word or a phrase of words joined by "_":
  "перезапус*"          a stem: any word starting with it plus an ending of a few letters
  "лог{,а,и,ов}"        exact forms (brace expansion)
  "=ps"                 exact, never matched approximately
  "не_работа*"          a phrase of consecutive words
Words of five letters or more also match with one typo (two from nine letters): a swap,
a missing, an extra or a wrong letter ("restrat" → restart, "перезапусит" → перезапус*);
four-letter words only with two neighbouring letters swapped ("дсик" → диск).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

L = TypeVar("L")

EXACT = 2
FUZZY = 1
NO_MATCH = 0
MIN_FUZZY_LENGTH = 5
SWAP_ONLY_LENGTH = 4  # words this short match a typo only when two neighbours are swapped
_BRACES = re.compile(r"\{([^{}]*)\}")


def words(text: str) -> list[str]:
    """A word list written as one whitespace-separated string."""
    return text.split()


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), capped at `limit` + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[len(b)], limit + 1)


def _is_ending(rest: str, longest: int) -> bool:
    """What may follow a stem: a few letters (a case ending), never digits or a dash."""
    return rest == "" or (len(rest) <= longest and rest.isalpha())


def _same_start(word: str, pattern: str) -> bool:
    """Typos rarely hit the first letter: an approximate match keeps it (or swaps the first two)."""
    return word[:1] == pattern[:1] or word[:2] == pattern[1::-1]


def allowed_typos(length: int) -> int:
    if length < MIN_FUZZY_LENGTH:
        return 0
    return 1 if length < 9 else 2


def expand(spec: str) -> list[str]:
    """Brace expansion: "лог{,и,ов}" → ["лог", "логи", "логов"]."""
    found = _BRACES.search(spec)
    if found is None:
        return [spec]
    head, tail = spec[: found.start()], spec[found.end() :]
    return [w for option in found.group(1).split(",") for w in expand(head + option + tail)]


@dataclass(frozen=True, slots=True)
class WordPattern:
    text: str
    prefix: bool = False
    fuzzy: bool = True

    @property
    def max_ending(self) -> int:
        return 3 if len(self.text) <= 3 else 5

    def distance(self, word: str) -> int | None:
        """0 for an exact match, the number of typos for an approximate one, None otherwise."""
        if self.prefix:
            if word.startswith(self.text) and _is_ending(word[len(self.text) :], self.max_ending):
                return 0
        elif word == self.text:
            return 0
        limit = allowed_typos(len(self.text)) if self.fuzzy else 0
        if limit == 0 and self.fuzzy and len(self.text) == SWAP_ONLY_LENGTH:
            return self._swapped(word)
        if limit == 0 or not _same_start(word, self.text):
            return None
        if not self.prefix:
            found = edit_distance(word, self.text, limit)
            return found if found <= limit else None
        best: int | None = None
        for cut in (len(self.text) - 1, len(self.text), len(self.text) + 1):
            if cut > len(word) or not _is_ending(word[cut:], self.max_ending):
                continue
            found = edit_distance(word[:cut], self.text, limit)
            if found <= limit and (best is None or found < best):
                best = found
        return best


    def _swapped(self, word: str) -> int | None:
        """Four-letter words take one typo, and only two neighbours swapped ("дсик" → диск)."""
        n = len(self.text)
        head, rest = word[:n], word[n:]
        if len(head) < n or head == self.text or (rest and not self.prefix):
            return None
        if not _is_ending(rest, 2) or sorted(head) != sorted(self.text):
            return None
        return 1 if edit_distance(head, self.text, 1) == 1 else None


def parse_word(spec: str) -> list[WordPattern]:
    fuzzy = not spec.startswith("=")
    spec = spec.lstrip("=")
    prefix = spec.endswith("*")
    spec = spec.rstrip("*")
    return [WordPattern(form, prefix, fuzzy) for form in expand(spec)]


@dataclass(frozen=True, slots=True)
class Hit(Generic[L]):
    label: L
    length: int  # tokens covered
    typos: int


class Vocabulary(Generic[L]):
    """Patterns (single words and phrases) mapped to labels, matched against token forms.

    `forms` is what a token may be read as (its normalised text and its transliteration);
    an exact match on any form beats an approximate one; a longer pattern beats a shorter one.
    """

    def __init__(self, entries: Iterable[tuple[str, L]]) -> None:
        self._exact: dict[str, L] = {}
        self._stems: dict[str, L] = {}
        self._fuzzy: list[tuple[WordPattern, L]] = []
        self._phrases: list[tuple[tuple[list[WordPattern], ...], L]] = []
        for spec, label in entries:
            words = spec.split("_")
            self.add(tuple(parse_word(word) for word in words), label)

    def add(self, words: Sequence[Sequence[WordPattern]], label: L) -> None:
        """Add a word (one position) or a phrase; each position lists its accepted forms."""
        if len(words) > 1:
            self._phrases.append((tuple(list(options) for options in words), label))
            self._phrases.sort(key=lambda item: -len(item[0]))
            return
        for pattern in words[0]:
            table = self._stems if pattern.prefix else self._exact
            table.setdefault(pattern.text, label)
            if pattern.fuzzy and len(pattern.text) >= SWAP_ONLY_LENGTH:
                self._fuzzy.append((pattern, label))

    def exact(self, forms: Sequence[str]) -> L | None:
        for form in forms:
            if not form:
                continue
            if form in self._exact:
                return self._exact[form]
            for cut in range(len(form), 0, -1):
                stem = form[:cut]
                if stem in self._stems:
                    if _is_ending(form[cut:], WordPattern(stem, prefix=True).max_ending):
                        return self._stems[stem]
                    break
        return None

    def approximate(self, forms: Sequence[str]) -> Hit[L] | None:
        best: tuple[int, int, L] | None = None
        for form in forms:
            if len(form) < MIN_FUZZY_LENGTH - 1:
                continue
            for pattern, label in self._fuzzy:
                if abs(len(form) - len(pattern.text)) > pattern.max_ending + 2:
                    continue
                typos = pattern.distance(form)
                if typos is None:
                    continue
                key = (typos, -len(pattern.text))
                if best is None or key < (best[0], best[1]):
                    best = (typos, -len(pattern.text), label)
        return None if best is None else Hit(best[2], 1, best[0])

    def phrase_at(
        self, forms: Sequence[Sequence[str]], start: int, skippable: frozenset[str] = frozenset()
    ) -> Hit[L] | None:
        """The longest phrase that begins at token `start`; `forms[i]` are token i's readings.

        Between the phrase's words, up to two `skippable` words may stand ("что сейчас запущено").
        """
        for words, label in self._phrases:
            position, typos, skips = start, 0, 0
            for offset, options in enumerate(words):
                found = None
                while position < len(forms):
                    found = _best_distance(options, forms[position])
                    if found is not None or offset == 0 or skips >= 2:
                        break
                    if forms[position][0] not in skippable:
                        break
                    position, skips = position + 1, skips + 1
                if found is None:
                    break
                typos += found
                position += 1
            else:
                return Hit(label, position - start, typos)
        return None


def _best_distance(options: Sequence[WordPattern], forms: Sequence[str]) -> int | None:
    best: int | None = None
    for pattern in options:
        for form in forms:
            if not form:
                continue
            found = pattern.distance(form)
            if found is not None and (best is None or found < best):
                best = found
    return best
