"""A request being read: its tokens and what each one has been recognised as so far.

Recognition runs in passes (phrases, server names, services, words, then approximate matches
and guesses); each pass only looks at tokens that earlier passes left unclaimed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from shturman.agent.intents.lexicon import STOPWORDS, Concept, vocabulary
from shturman.agent.intents.matching import allowed_typos, edit_distance, words
from shturman.agent.intents.text import Kind, Script, Token, is_question, tokenize
from shturman.agent.intents.understanding import Language

_WHAT = frozenset(words("что чё че шо чо какие какой какая какое what which"))
# long filler words are often mistyped ("пожалуста", "пожайлуста"); short ones are not matched
_LONG_STOPWORDS = tuple(sorted(w for w in STOPWORDS if len(w) >= 7))


@dataclass(slots=True)
class Slot:
    """What one token has been recognised as (at most one thing, except a phrase's concept)."""

    concept: Concept | None = None
    stop: bool = False
    service: str | None = None
    server: str | None = None
    unresolved: bool = False
    container: bool = False
    candidates: tuple[str, ...] = ()  # a part of several listed services' names ("api")
    phrase: bool = False
    russian: bool = False  # recognised through its Russian reading (transliterated input)
    english: bool = False  # recognised as an English word

    @property
    def claimed(self) -> bool:
        return bool(
            self.concept
            or self.stop
            or self.service
            or self.server
            or self.unresolved
            or self.container
            or self.candidates
        )


@dataclass(slots=True)
class Reading:
    text: str
    tokens: tuple[Token, ...]
    slots: list[Slot] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> Reading:
        tokens = tokenize(text)
        return cls(text, tokens, [Slot() for _ in tokens])

    def forms(self, index: int) -> tuple[str, ...]:
        token = self.tokens[index]
        return (token.norm, token.alt) if token.alt else (token.norm,)

    def free_words(self) -> Iterator[int]:
        for index, token in enumerate(self.tokens):
            if token.kind is Kind.WORD and not self.slots[index].claimed:
                yield index

    def concepts(self) -> set[Concept]:
        return {slot.concept for slot in self.slots if slot.concept is not None}

    def has(self, *concepts: Concept) -> bool:
        present = self.concepts()
        return any(concept in present for concept in concepts)

    def positions(self, concept: Concept) -> list[int]:
        return [i for i, slot in enumerate(self.slots) if slot.concept is concept]

    def concept_at(self, index: int) -> Concept | None:
        if 0 <= index < len(self.slots):
            return self.slots[index].concept
        return None

    def services(self) -> list[str]:
        found: list[str] = []
        for slot in self.slots:
            if slot.service and slot.service not in found:
                found.append(slot.service)
        return found

    def candidates(self) -> tuple[str, ...]:
        """Services a name part may mean, when it means more than one."""
        found: list[str] = []
        for slot in self.slots:
            found += [name for name in slot.candidates if name not in found]
        return tuple(found)

    @property
    def asks_what(self) -> bool:
        """ "что …", "какие …", "what …": the request asks which things, not whether."""
        return any(t.norm in _WHAT for t in self.tokens)

    @property
    def question(self) -> bool:
        return is_question(self.text) or any(token.norm == "ли" for token in self.tokens)

    def unknown_words(self) -> list[int]:
        """Content words nothing recognised, and paths: what the engine does not understand."""
        unknown = list(self.free_words())
        unknown += [i for i, token in enumerate(self.tokens) if token.kind is Kind.PATH]
        return sorted(unknown)

    def language(self) -> Language:
        russian = english = 0
        for token, slot in zip(self.tokens, self.slots, strict=True):
            if token.script is Script.CYRILLIC or slot.russian:
                russian += 1
            elif slot.english:
                english += 1
        if russian == 0 and english == 0:
            latin = any(t.script is Script.LATIN for t in self.tokens)
            return "en" if latin else "ru"
        return "ru" if russian >= english else "en"

    # --- passes over the general vocabulary ---------------------------------------------

    def mark_phrases(self) -> None:
        words = vocabulary()
        all_forms = [self.forms(i) for i in range(len(self.tokens))]
        index = 0
        while index < len(self.tokens):
            hit = (
                words.phrase_at(all_forms, index, STOPWORDS)
                if not self.slots[index].claimed
                else None
            )
            if hit is None or any(s.claimed for s in self.slots[index : index + hit.length]):
                index += 1
                continue
            as_typed = words.phrase_at([(t.norm,) for t in self.tokens], index, STOPWORDS)
            translit = as_typed is None or as_typed.length != hit.length
            for offset in range(hit.length):
                slot = self.slots[index + offset]
                slot.concept, slot.phrase = hit.label, True
                slot.russian = translit and self.tokens[index + offset].script is Script.LATIN
                self._note_script(index + offset)
            index += hit.length

    def mark_words(self) -> None:
        """Stop words and exact vocabulary (stems with endings), English reading first."""
        words = vocabulary()
        for index in self.free_words():
            token, slot = self.tokens[index], self.slots[index]
            if token.norm in STOPWORDS:
                slot.stop = True
                slot.english = token.script is Script.LATIN
                continue
            concept = words.exact([token.norm])
            if concept is not None:
                slot.concept = concept
                self._note_script(index)
                continue
            if token.script is Script.LATIN and token.alt:
                if token.alt in STOPWORDS:
                    slot.stop, slot.russian = True, True
                    continue
                concept = words.exact([token.alt])
                if concept is not None:
                    slot.concept, slot.russian = concept, True
            self._split_compound(index)

    def mark_approximate(self) -> None:
        """Typos: one or two letters off a known word (only words of five letters or more)."""
        words = vocabulary()
        for index in self.free_words():
            token, slot = self.tokens[index], self.slots[index]
            hit = words.approximate([token.norm])
            if hit is not None:
                slot.concept = hit.label
                self._note_script(index)
                continue
            if token.script is Script.LATIN and token.alt:
                hit = words.approximate([token.alt])
                if hit is not None:
                    slot.concept, slot.russian = hit.label, True
                    continue
            slot.stop = self._mistyped_stopword(token.norm)

    @staticmethod
    def _mistyped_stopword(word: str) -> bool:
        limit = allowed_typos(len(word))
        if len(word) < 7 or limit == 0:
            return False
        return any(
            w[0] == word[0] and edit_distance(word, w, limit) <= limit for w in _LONG_STOPWORDS
        )

    def _split_compound(self, index: int) -> None:
        """ "docker-контейнер", "web-серверах": a hyphenated word read by its last known part."""
        token = self.tokens[index]
        if "-" not in token.norm or any(ch.isdigit() for ch in token.norm):
            return
        words = vocabulary()
        for part in reversed(token.norm.split("-")):
            concept = words.exact([part])
            if concept is not None:
                self.slots[index].concept = concept
                return

    def _note_script(self, index: int) -> None:
        token, slot = self.tokens[index], self.slots[index]
        if token.script is Script.LATIN and not slot.russian:
            slot.english = True
